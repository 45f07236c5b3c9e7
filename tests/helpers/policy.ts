import type { PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { resolvePolicy } from "../../offline/policies";
import { policyProxy as proxy } from "../../policies/util";

/** A value `pulumi preview` does not know yet (an ARN AWS assigns on create): reading it throws, as in a real preview. */
export const UNKNOWN = proxy.unknownStringValue;
/** How a violation list reads when the policy read an unknown value: @pulumi/policy reports "can't run ... during preview". */
export const NOT_RUN = "can't run during preview";


export interface FakeResource {
    type: string;
    props: Record<string, unknown>;
    name?: string;
    /** Props of the resource's AWS provider (e.g. defaultTags). */
    providerProps?: Record<string, unknown>;
    /**
     * Names of the resources each property depends on, as a real preview reports them when the value itself is
     * still unknown (an ARN AWS assigns on create). Stack policies only.
     */
    propertyDependencies?: Record<string, string[]>;
}

function policyResource(r: FakeResource, i: number): PolicyResource {
    const urn = `urn:pulumi:test::eks-karpenter::${r.type}::${r.name ?? `r${i}`}`;
    return {
        type: r.type,
        props: proxy.unknownCheckingProxy(r.props),
        urn,
        name: r.name ?? `r${i}`,
        opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
        provider: r.providerProps ? { type: "pulumi:providers:aws", props: r.providerProps, urn: "urn:pulumi:test::eks-karpenter::pulumi:providers:aws::aws", name: "aws" } : undefined,
        dependencies: [],
        propertyDependencies: {},
        isType: () => false,
        asType: () => undefined,
    } as unknown as PolicyResource;
}

/** The messages a resource policy reports for one resource, with the policy's default parameters overridden by `params`. */
export async function resourceViolations(policy: ResourceValidationPolicy, resource: FakeResource, params: Record<string, unknown> = {}): Promise<string[]> {
    const { params: resolved } = resolvePolicy(policy, { [policy.name]: { enforcementLevel: "mandatory", ...params } });
    const messages: string[] = [];
    const args = {
        ...policyResource(resource, 0),
        stackTags: new Map(),
        getConfig: () => resolved,
        notApplicable: () => {
            throw new Error("not applicable");
        },
    } as unknown as ResourceValidationArgs;
    try {
        for (const validate of ([] as Array<NonNullable<ResourceValidationPolicy["validateResource"]>>).concat(policy.validateResource ?? []).flat()) {
            await validate(args, (message) => messages.push(message));
        }
    } catch (e) {
        if (e instanceof proxy.UnknownValueError) return [`${NOT_RUN}: ${e.message}`];
        throw e;
    }
    return messages;
}

/** The messages a stack policy reports for a set of resources. */
export async function stackViolations(policy: StackValidationPolicy, resources: FakeResource[], params: Record<string, unknown> = {}): Promise<string[]> {
    const { params: resolved } = resolvePolicy(policy, { [policy.name]: { enforcementLevel: "mandatory", ...params } });
    const messages: string[] = [];
    const mapped = resources.map(policyResource);
    resources.forEach((r, i) => {
        for (const [key, names] of Object.entries(r.propertyDependencies ?? {})) {
            mapped[i].propertyDependencies[key] = names.map((n) => mapped.find((m) => m.name === n)!);
            mapped[i].dependencies.push(...mapped[i].propertyDependencies[key]);
        }
    });
    try {
        await policy.validateStack(
            {
                resources: mapped,
                stackTags: new Map(),
                getConfig: <T extends object>() => resolved as T,
                notApplicable: () => {
                    throw new Error("not applicable");
                },
            },
            (message) => messages.push(message),
        );
    } catch (e) {
        // @pulumi/policy's server: the policy is reported as not run (advisory), whatever it reported before.
        if (e instanceof proxy.UnknownValueError) return [`${NOT_RUN}: ${e.message}`];
        throw e;
    }
    return messages;
}
