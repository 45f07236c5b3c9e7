import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { arnName, eksClusterOf, grantsOf, holderName, identitiesOf, refersTo } from "./graph";
import { readOnly } from "./iam";
import { ScopedGrant, UPSTREAM_CONTROLLER_SCOPING } from "./upstreamScoping";
import { actionMatches, knownValues, statements } from "./util";

export type { ScopedGrant };

/**
 * Karpenter's security model: the controller may only touch what carries this cluster's tags. Every mutating
 * EC2 and IAM grant of upstream's controller policy (getting-started CloudFormation template of
 * aws/karpenter-provider-aws v1.14.1), one row per action and resource, with the conditions upstream puts on it.
 * `upstreamScoping.ts` is derived from upstream's documents by `deriveScoping` (a test re-derives it from the
 * template); CloudFormation variables stay as written and are filled in per stack.
 */
export const UPSTREAM_SCOPING: { version: string; source: string; grants: ScopedGrant[] } = UPSTREAM_CONTROLLER_SCOPING;

const SCOPED_SERVICES = ["ec2", "iam"];
const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

/** The mutating EC2 and IAM grants of upstream's documents (statement, action, resource, conditions). */
export async function deriveScoping(documents: Record<string, unknown>): Promise<ScopedGrant[]> {
    const grants: ScopedGrant[] = [];
    for (const document of Object.values(documents)) {
        for (const s of statements(document)) {
            for (const action of s.actions) {
                if (!SCOPED_SERVICES.includes(action.split(":")[0]) || (await readOnly(action))) continue;
                const condition = Object.fromEntries(Object.entries(s.condition ?? {}).map(([op, keys]) => [op, Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, list(v)]))]));
                for (const resource of s.resources) grants.push({ sid: s.sid!, action, resource, condition });
            }
        }
    }
    return grants;
}

/** What the CloudFormation variables stand for in one stack; undefined parts match any plausible value. */
export interface ScopingContext {
    clusterName: string;
    region?: string;
    /** Names of the roles the stack's EC2NodeClasses give their nodes: the only roles Karpenter may pass. */
    nodeRoleNames: string[];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A pattern for an upstream value (an ARN, a condition value) with its variables filled in. */
function template(value: string, ctx: ScopingContext): RegExp {
    const parts = value.split(/(\$\{[^}]+\})/).map((part) => {
        switch (part) {
            case "${AWS::Partition}":
                return "aws(-[a-z]+)*";
            case "${AWS::Region}":
                return ctx.region ? escape(ctx.region) : "[a-z]{2}(-[a-z]+)+-\\d";
            case "${AWS::AccountId}":
                return "\\d{12}";
            case "${ClusterName}":
                return escape(ctx.clusterName);
            case "${KarpenterNodeRole.Arn}":
                return `arn:aws(-[a-z]+)*:iam::\\d{12}:role/(.*/)?(${ctx.nodeRoleNames.map(escape).join("|") || "(?!)"})`;
            default:
                // Upstream's own "*" (an ARN's account, "instance/*", a StringLike value) is IAM's wildcard: a
                // narrower value (an account id, one instance) is within it.
                return part.split("*").map(escape).join(".*");
        }
    });
    return new RegExp(`^${parts.join("")}$`);
}

const lower = (o: Record<string, unknown> | undefined) => Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [k.toLowerCase(), v]));

/**
 * Upstream's conditions the statement lacks, as "Operator key=values". A key's values are ORed (and, under
 * ForAllValues, the allowed set), so the statement keeps upstream's scoping when every value it gives is one of
 * upstream's: fewer values are narrower, another value is broader.
 */
function missingConditions(upstream: ScopedGrant["condition"], actual: Record<string, Record<string, unknown>> | undefined, ctx: ScopingContext): string[] {
    const missing: string[] = [];
    for (const [op, keys] of Object.entries(upstream)) {
        const have = lower(actual?.[op] as Record<string, unknown> | undefined);
        for (const [rawKey, values] of Object.entries(keys)) {
            const key = rawKey.replace(/\$\{ClusterName\}/g, ctx.clusterName);
            const got = list(have[key.toLowerCase()]);
            const ok = got.length > 0 && got.every((g) => values.some((v) => template(v, ctx).test(g)));
            if (!ok) missing.push(`${op} ${key}=${values.map((v) => v.replace(/\$\{ClusterName\}/g, ctx.clusterName).replace(/\$\{AWS::Region\}/g, ctx.region ?? "<region>")).join("|")}`);
        }
    }
    return missing;
}

/** Problems of one controller statement against upstream's scoping. */
async function checkStatement(s: ReturnType<typeof statements>[number], ctx: ScopingContext, label: string): Promise<string[]> {
    const problems: string[] = [];
    const sid = s.sid ?? "a statement";
    if (s.notActions.length > 0) problems.push(`${label}: ${sid} grants NotAction ${s.notActions.join(", ")}; upstream names each action.`);
    for (const action of s.actions) {
        if (/[*?]/.test(action)) {
            const covered = [...new Set(UPSTREAM_SCOPING.grants.map((g) => g.action).filter((a) => actionMatches(action, a)))];
            if (covered.length > 0) problems.push(`${label}: ${sid} grants ${action}; upstream ${UPSTREAM_SCOPING.version} names each action, so each can carry its tag conditions.`);
            continue;
        }
        const [service] = action.toLowerCase().split(":");
        if (!SCOPED_SERVICES.includes(service) || (await readOnly(action))) continue;
        const rows = UPSTREAM_SCOPING.grants.filter((g) => g.action.toLowerCase() === action.toLowerCase());
        if (rows.length === 0) {
            problems.push(`${label}: ${sid} grants ${action}, which upstream ${UPSTREAM_SCOPING.version}'s controller policy does not.`);
            continue;
        }
        for (const resource of s.resources) {
            const candidates = rows.filter((g) => template(g.resource, ctx).test(resource));
            if (candidates.length === 0) {
                problems.push(`${label}: ${sid} grants ${action} on ${resource}; upstream ${UPSTREAM_SCOPING.version} grants it only on ${[...new Set(rows.map((g) => g.resource))].join(", ")}.`);
                continue;
            }
            const best = candidates.map((g) => ({ g, missing: missingConditions(g.condition, s.condition, ctx) })).sort((a, b) => a.missing.length - b.missing.length)[0];
            if (best.missing.length > 0) {
                problems.push(`${label}: ${sid} grants ${action} on ${resource} without ${best.missing.join(", ")} (upstream ${UPSTREAM_SCOPING.version} ${best.g.sid}); the controller could touch resources of other clusters.`);
            }
        }
    }
    return problems;
}

/** The controller's role: the one its service account assumes (Pod Identity association or IRSA annotation). */
export function controllerRole(resources: PolicyResource[], serviceAccount: string): PolicyResource | undefined {
    const roles = resources.filter((r) => r.type === "aws:iam/role:Role");
    const association = resources.find((r) => r.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation" && r.props.serviceAccount === serviceAccount);
    if (association) return roles.find((role) => refersTo(association, "roleArn", role, identitiesOf(role)) || arnName(association.props.roleArn) === role.props.name);
    const release = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && /\/karpenter$/.test(String(r.props.chart)));
    const annotated = release?.props.values?.serviceAccount?.annotations?.["eks.amazonaws.com/role-arn"];
    return annotated ? roles.find((role) => arnName(annotated) === role.props.name) : undefined;
}

export const controllerScoping: StackValidationPolicy = {
    name: "karpenter-controller-scoping",
    description:
        "Every mutating EC2 and IAM grant of the Karpenter controller carries upstream v1.14.1's tag conditions for its action and resource, and no other role, user or group holds the controller's mutating permissions.",
    configSchema: { properties: { serviceAccount: { type: "string", default: "karpenter" } } },
    validateStack: async (args, report) => {
        // At a first preview AWS-assigned values (ARNs, the documents built from them) are unknown: leave them out and
        // follow property dependencies instead (graph.ts), rather than not running at all.
        const resources = args.resources.map((r) => ({ ...r, props: knownValues(r.props) }));
        // The cluster the stack creates, or (installing into an existing cluster) the one the chart is given.
        const cluster = eksClusterOf(resources);
        const release = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && /\/karpenter$/.test(String(r.props.chart)));
        const clusterName = cluster?.props.name ?? release?.props.values?.settings?.clusterName;
        if (!clusterName) return;
        const { serviceAccount } = args.getConfig<{ serviceAccount: string }>();
        const provider = resources.find((r) => r.type === "pulumi:providers:aws");
        const ctx: ScopingContext = {
            clusterName: String(clusterName),
            region: provider?.props.region,
            // The EC2NodeClasses' role, and the roles admitted to the cluster as EC2 nodes (an EC2_LINUX access entry):
            // at a first preview the Kubernetes objects show no outputs (their provider's kubeconfig is not known yet).
            nodeRoleNames: [
                ...resources.filter((r) => r.type === "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass").flatMap((r) => (r.props.spec?.role ? [String(r.props.spec.role)] : [])),
                ...resources.filter((r) => r.type === "aws:eks/accessEntry:AccessEntry" && r.props.type === "EC2_LINUX").flatMap((r) => (arnName(r.props.principalArn) ? [arnName(r.props.principalArn)!] : [])),
            ],
        };
        const controller = controllerRole(resources, serviceAccount);
        const grants = grantsOf(resources);
        const controllerActions = [...new Set(UPSTREAM_SCOPING.grants.map((g) => g.action))];
        for (const grant of grants) {
            const label = `${holderName(grant.holder)} (${grant.source.props.name ?? grant.source.name})`;
            for (const s of statements(grant.document)) {
                if (s.effect !== "Allow") continue;
                if (grant.holder === controller) {
                    for (const problem of await checkStatement(s, ctx, label)) report(problem, grant.source.urn);
                    continue;
                }
                const held = controllerActions.filter((a) => s.actions.some((x) => actionMatches(x, a)));
                if (held.length > 0) report(`${label}: ${s.sid ?? "a statement"} grants the Karpenter controller's ${held.join(", ")}; only the controller's role may hold them.`, grant.source.urn);
            }
        }
    },
};
