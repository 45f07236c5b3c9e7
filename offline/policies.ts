import * as fs from "node:fs";
import * as path from "node:path";
import type { EnforcementLevel, PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import Ajv from "ajv";
import { parse } from "yaml";
import { type PolicyConfigChoice, choosePolicyConfig, parseDelivery } from "../deployments/stacks";
import { allPolicies } from "../policies/all";
import { PACK_NAME } from "../policies/pack";
import { policyProxy } from "../policies/util";
import { CHECK_FILLED } from "./cloud";
import type { ProgramRun, RecordedResource } from "./engine";
import { PROJECT_DIR } from "./stackFiles";

/**
 * Runs the CrossGuard policies over a recorded stack, as `pulumi preview --policy-pack policies
 * --policy-pack-config policy-config/<stack>.json` would: each resource policy on each resource, each stack
 * policy once, with the enforcement level and parameters the config file gives. Offline the policies see the
 * program's inputs (plus the offline cloud's outputs); a real preview also shows provider defaults and the
 * children of remote components.
 */

type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;
export type PackConfig = Record<string, EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)>;

export interface Violation {
    policy: string;
    enforcementLevel: EnforcementLevel;
    urn?: string;
    resource?: string;
    message: string;
}

/**
 * The pack config of a stack and how it was chosen: policy-config/<stack>.json, or for a stack without one what
 * deployments/delivery.yaml's `missingPolicyConfig` says (another stack's file, or strict: an empty config, every
 * policy mandatory with default parameters). The same choice deployments/ and CI make.
 */
export function policyConfigFor(stack: string, projectDir = PROJECT_DIR): { config: PackConfig; choice: PolicyConfigChoice } {
    const { delivery } = parseDelivery(parse(fs.readFileSync(path.join(projectDir, "deployments", "delivery.yaml"), "utf8")));
    const choice = choosePolicyConfig(stack, delivery.missingPolicyConfig, projectDir);
    const config = choice.file ? (JSON.parse(fs.readFileSync(path.join(projectDir, choice.file), "utf8")) as PackConfig) : {};
    return { config, choice };
}

/** The pack config of a stack (see policyConfigFor). */
export function packConfigFor(stack: string): PackConfig {
    return policyConfigFor(stack).config;
}

/** The enforcement level and parameters of one policy under a pack config (defaults from its configSchema). */
export function resolvePolicy(policy: AnyPolicy, config: PackConfig): { level: EnforcementLevel; params: Record<string, unknown> } {
    const entry = config[policy.name];
    const defaults = Object.fromEntries(
        Object.entries(policy.configSchema?.properties ?? {}).flatMap(([k, v]) => ((v as { default?: unknown }).default !== undefined ? [[k, (v as { default: unknown }).default]] : [])),
    );
    const own = typeof entry === "object" ? entry : {};
    const level = (typeof entry === "string" ? entry : own.enforcementLevel) ?? (config.all as EnforcementLevel | undefined) ?? policy.enforcementLevel ?? "mandatory";
    const { enforcementLevel: _ignored, ...params } = own;
    return { level, params: { ...defaults, ...params } };
}

class NotApplicable extends Error {}

// Props go through @pulumi/policy's proxy, as its server hands them (policies/util.ts).
const proxy = policyProxy;

/** The pack as the server names it in messages: PolicyPack's name and policies/package.json's version. */
const PACK = { name: PACK_NAME, version: (JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "policies", "package.json"), "utf8")) as { version: string }).version };

/**
 * What @pulumi/policy's server (server.js) reports when a policy read a value the preview does not know: an advisory
 * "can't run" in place of the policy's verdict, whatever its level.
 */
export function cantRunMessage(policy: string, error: Error): string {
    return `can't run policy '${policy}' from policy pack '${PACK.name}@v${PACK.version}' during preview: ${error.message}`;
}

/** Whether a violation is the server's "can't run" (cantRunMessage) rather than a verdict. */
export const notRun = (v: Violation): boolean => v.message.startsWith("can't run policy ");

/**
 * The stack's resources as the engine hands them to a pack (pulumi/pulumi step_generator.go): a resource policy
 * sees a resource's inputs as the provider's Check returned them (with the auto-generated name), a stack policy
 * each resource's outputs (`AnalyzeStack is called on the final outputs`): a custom resource's state, a remote
 * component's construct outputs, a component's registered outputs. Props go through @pulumi/policy's proxy.
 */
function policyResources(run: ProgramRun, view: "inputs" | "outputs"): Map<RecordedResource, PolicyResource> {
    const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
    const out = new Map<RecordedResource, PolicyResource>();
    const providerOf = (r: RecordedResource) => {
        const urn = r.provider?.slice(0, r.provider.lastIndexOf("::"));
        const p = urn ? byUrn.get(urn) : undefined;
        return p ? { type: p.type, props: proxy.unknownCheckingProxy(p.inputs), urn: p.urn, name: p.name } : undefined;
    };
    const checkFilled = (r: RecordedResource) => (r.custom ? Object.fromEntries(Object.entries(r.state).filter(([k]) => CHECK_FILLED.has(k) && !(k in r.inputs))) : {});
    for (const r of run.resources) {
        const props = proxy.unknownCheckingProxy(view === "inputs" ? { ...r.inputs, ...checkFilled(r) } : { ...r.state });
        out.set(r, {
            type: r.type,
            props,
            urn: r.urn,
            name: r.name,
            opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [], parent: r.parent },
            provider: providerOf(r),
            dependencies: [],
            propertyDependencies: {},
            isType: (cls: { __pulumiType?: string }) => (cls as { __pulumiType?: string }).__pulumiType === r.type,
            asType: (cls: { __pulumiType?: string }) => ((cls as { __pulumiType?: string }).__pulumiType === r.type ? props : undefined),
        } as unknown as PolicyResource);
    }
    for (const [r, pr] of out) {
        const parent = r.parent ? byUrn.get(r.parent) : undefined;
        if (parent) (pr as { parent?: PolicyResource }).parent = out.get(parent);
        (pr as { dependencies: PolicyResource[] }).dependencies = r.dependencies.flatMap((d) => (byUrn.get(d) ? [out.get(byUrn.get(d)!)!] : []));
        // As the server fills them for stack policies: per property, the resources its value came from.
        (pr as { propertyDependencies: Record<string, PolicyResource[]> }).propertyDependencies = Object.fromEntries(
            Object.entries(r.propertyDependencies).map(([key, urns]) => [key, urns.flatMap((d) => (byUrn.get(d) ? [out.get(byUrn.get(d)!)!] : []))]),
        );
    }
    return out;
}

const ENFORCEMENT_LEVELS = ["advisory", "mandatory", "remediate", "disabled"];
const ajv = new Ajv({ allErrors: true, strict: false });
/** Each policy's compiled schema (compiling is the slow part; runPolicies runs for every plan and many tests). */
const compiled = new WeakMap<AnyPolicy, ReturnType<typeof ajv.compile>>();

/**
 * What the Pulumi CLI refuses in a pack config before it runs the pack (pulumi/pulumi
 * sdk/go/common/resource/analyzer: LoadPolicyPackConfigFromFile, ReconcilePolicyPackConfig): an entry that is
 * neither a string nor an object, an enforcement level other than advisory, mandatory, remediate or disabled, and,
 * for each policy with a configSchema, its defaults overlaid with the config's values that do not validate
 * against `{ type: "object", properties, required }` (a schema that is not valid JSON Schema fails the run too).
 * Offline runs refuse the same, so a config the CLI rejects never passes here.
 */
export function packConfigProblems(config: PackConfig, policies: AnyPolicy[] = allPolicies): string[] {
    const problems: string[] = [];
    for (const [name, entry] of Object.entries(config)) {
        const level = typeof entry === "string" ? entry : typeof entry === "object" && entry !== null && !Array.isArray(entry) ? entry.enforcementLevel : null;
        if (level === null) problems.push(`Value ${JSON.stringify(entry)} for "${name}" is not a valid value; must be a string or object`);
        else if (level !== undefined && !ENFORCEMENT_LEVELS.includes(level)) problems.push(`"${name}": ${JSON.stringify(level)} is not a valid enforcement level`);
    }
    for (const policy of policies) {
        if (!policy.configSchema) continue;
        const { properties, required } = policy.configSchema;
        const schema = { type: "object", ...(properties && Object.keys(properties).length > 0 ? { properties } : {}), ...(required?.length ? { required } : {}) };
        const entry = config[policy.name];
        const { enforcementLevel: _level, ...given } = typeof entry === "object" && entry !== null ? entry : {};
        let validate: ReturnType<typeof ajv.compile>;
        try {
            validate = compiled.get(policy) ?? ajv.compile(schema);
            compiled.set(policy, validate);
        } catch (e) {
            problems.push(`Policy "${policy.name}": its configSchema is not valid JSON Schema: ${(e as Error).message}`);
            continue;
        }
        if (!validate({ ...resolvePolicy(policy, {}).params, ...given })) {
            for (const error of validate.errors ?? []) problems.push(`Policy "${policy.name}": ${error.instancePath.slice(1) || "config"} ${error.message}`);
        }
    }
    return problems;
}

export async function runPolicies(run: ProgramRun, config: PackConfig, policies: AnyPolicy[] = allPolicies): Promise<Violation[]> {
    const problems = packConfigProblems(config, policies);
    if (problems.length > 0) throw new Error(`the policy pack config is refused, as the Pulumi CLI would refuse it:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    const inputs = policyResources(run, "inputs");
    const resources = policyResources(run, "outputs");
    const violations: Violation[] = [];
    const notApplicable = (reason?: string): never => {
        throw new NotApplicable(reason);
    };
    for (const policy of policies) {
        const { level, params } = resolvePolicy(policy, config);
        if (level === "disabled") continue;
        const getConfig = <T extends object>() => params as T;
        if ("validateStack" in policy) {
            try {
                await policy.validateStack(
                    { resources: [...resources.values()], stackTags: new Map(), getConfig, notApplicable },
                    (message, urn) => violations.push({ policy: policy.name, enforcementLevel: level, urn, resource: urn?.split("::").pop(), message }),
                );
            } catch (e) {
                if (e instanceof proxy.UnknownValueError) violations.push({ policy: policy.name, enforcementLevel: "advisory", message: cantRunMessage(policy.name, e) });
                else if (!(e instanceof NotApplicable)) throw e;
            }
            continue;
        }
        const validations = ([] as Array<NonNullable<ResourceValidationPolicy["validateResource"]>>).concat(policy.validateResource ?? []).flat();
        for (const pr of inputs.values()) {
            const args: ResourceValidationArgs = { ...pr, stackTags: new Map(), getConfig, notApplicable } as unknown as ResourceValidationArgs;
            for (const validate of validations) {
                try {
                    await validate(args, (message, urn) => violations.push({ policy: policy.name, enforcementLevel: level, urn: urn ?? pr.urn, resource: pr.name, message }));
                } catch (e) {
                    if (e instanceof proxy.UnknownValueError) violations.push({ policy: policy.name, enforcementLevel: "advisory", urn: pr.urn, resource: pr.name, message: cantRunMessage(policy.name, e) });
                    else if (!(e instanceof NotApplicable)) throw e;
                }
            }
        }
    }
    return violations;
}
