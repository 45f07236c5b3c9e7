import type { PolicyResource } from "@pulumi/policy";
import { documentsOf, knownProp, raiseUnknown, unknownProp } from "./util";

/**
 * Links between resources of a stack, as a stack policy sees them. A value known at preview is compared
 * directly; a value still unknown (an ARN AWS assigns on create) is followed through the property's
 * dependencies, which `pulumi preview` always reports.
 */

/**
 * Whether `from.props[key]` (a value or a list) names `to`: by one of `to`'s identifying values, or by a dependency
 * of that property. Values a preview does not know yet are left out (read them with `knownProp`).
 */
export function refersTo(from: PolicyResource, key: string, to: PolicyResource, identities: unknown[]): boolean {
    const known = identities.filter((v) => typeof v === "string" && v !== "");
    const value = knownProp(from.props, key);
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => known.includes(v))) return true;
    const dependencies = from.propertyDependencies?.[key] ?? [];
    // Unknown, and nothing says where it comes from: undecidable. Reading it raises (the policy is reported as not
    // run) instead of answering "no".
    if (dependencies.length === 0 && unknownProp(from.props, key)) raiseUnknown(from.props, key);
    return dependencies.some((d) => d.urn === to.urn);
}

const CLUSTERS = ["aws:eks/cluster:Cluster", "eks:index:Cluster"];

/**
 * The EKS cluster the stack creates, as a stack policy sees it: the aws:eks/cluster:Cluster (pulumi-eks's child, or
 * the program's own), whose outputs carry its name; the eks:index:Cluster component's outputs (eksCluster,
 * kubeconfig, ...) have none.
 */
export function eksClusterOf(resources: PolicyResource[]): PolicyResource | undefined {
    return resources.find((r) => r.type === "aws:eks/cluster:Cluster");
}

/**
 * What an aws:ec2/tag:Tag tags, by its resourceId's prefix. At a first preview the id may be unknown; then by where
 * it comes from (the property's dependencies): a security group or a subnet; or an EKS cluster, whose one
 * AWS-assigned taggable id is its cluster security group (DescribeCluster's vpcId, subnetIds and securityGroupIds
 * are what the caller gave). Not decidable (e.g. a VPC component reports its VPC's and its subnets' ids alike):
 * the id is read, which raises UnknownValueError and @pulumi/policy reports the policy as not run at this preview.
 */
export function tagTarget(tag: PolicyResource): "subnet" | "security-group" | "other" {
    if (unknownProp(tag.props, "resourceId")) {
        const from = (tag.propertyDependencies?.resourceId ?? []).map((d) => d.type);
        if (from.length > 0 && from.every((t) => t === "aws:ec2/securityGroup:SecurityGroup" || CLUSTERS.includes(t))) return "security-group";
        if (from.length > 0 && from.every((t) => t === "aws:ec2/subnet:Subnet")) return "subnet";
        raiseUnknown(tag.props, "resourceId");
    }
    const known = String(tag.props.resourceId ?? "");
    return known.startsWith("subnet-") ? "subnet" : known.startsWith("sg-") ? "security-group" : "other";
}

/** The values other resources use to name a role, user, group or managed policy. */
export function identitiesOf(r: PolicyResource): unknown[] {
    return [knownProp(r.props, "name"), knownProp(r.props, "arn"), knownProp(r.props, "id")];
}

/** The ARN's last path segment: a role or policy name. */
export const arnName = (arn: unknown): string | undefined => (typeof arn === "string" ? arn.split("/").pop() : undefined);

export interface Grant {
    /** The role, user or group that holds the permissions. */
    holder: PolicyResource;
    /** The resource whose document grants them (a managed policy, an inline policy, the role itself). */
    source: PolicyResource;
    document: unknown;
}

const HOLDERS = ["aws:iam/role:Role", "aws:iam/user:User", "aws:iam/group:Group"];
const ATTACHMENTS: Record<string, { holderKey: string; holderType: string }> = {
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": { holderKey: "role", holderType: "aws:iam/role:Role" },
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": { holderKey: "user", holderType: "aws:iam/user:User" },
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": { holderKey: "group", holderType: "aws:iam/group:Group" },
    "aws:iam/rolePolicy:RolePolicy": { holderKey: "role", holderType: "aws:iam/role:Role" },
    "aws:iam/userPolicy:UserPolicy": { holderKey: "user", holderType: "aws:iam/user:User" },
    "aws:iam/groupPolicy:GroupPolicy": { holderKey: "group", holderType: "aws:iam/group:Group" },
};
const POLICY_ATTACHMENT_KEYS: Record<string, string> = { roles: "aws:iam/role:Role", users: "aws:iam/user:User", groups: "aws:iam/group:Group" };

/** Every permissions document of the stack, with the role, user or group that holds it. */
export function grantsOf(resources: PolicyResource[]): Grant[] {
    const holders = resources.filter((r) => HOLDERS.includes(r.type));
    const policies = resources.filter((r) => r.type === "aws:iam/policy:Policy");
    const policyFor = (from: PolicyResource, key: string) =>
        policies.find((p) => refersTo(from, key, p, identitiesOf(p)) || (typeof from.props[key] === "string" && arnName(from.props[key]) === p.props.name));
    const grants: Grant[] = [];
    for (const role of holders.filter((h) => h.type === "aws:iam/role:Role")) {
        for (const { kind, document } of documentsOf(role.type, role.props)) if (kind === "inline") grants.push({ holder: role, source: role, document });
        for (const arn of (role.props.managedPolicyArns ?? []) as string[]) {
            const p = policies.find((q) => q.props.arn === arn || arnName(arn) === q.props.name);
            if (p) grants.push({ holder: role, source: p, document: p.props.policy });
        }
    }
    for (const r of resources) {
        const link = ATTACHMENTS[r.type];
        if (link) {
            const holder = holders.find((h) => h.type === link.holderType && refersTo(r, link.holderKey, h, identitiesOf(h)));
            if (!holder) continue;
            if (r.type.endsWith("Attachment")) {
                const p = policyFor(r, "policyArn");
                if (p) grants.push({ holder, source: p, document: p.props.policy });
            } else {
                grants.push({ holder, source: r, document: r.props.policy });
            }
        }
        if (r.type === "aws:iam/policyAttachment:PolicyAttachment") {
            const p = policyFor(r, "policyArn");
            if (!p) continue;
            for (const [key, type] of Object.entries(POLICY_ATTACHMENT_KEYS)) {
                for (const holder of holders.filter((h) => h.type === type && refersTo(r, key, h, identitiesOf(h)))) grants.push({ holder, source: p, document: p.props.policy });
            }
        }
    }
    return grants;
}

/** A holder's name for messages. */
export const holderName = (h: PolicyResource): string => `${h.type.split(":").pop()!.toLowerCase()} ${h.props.name ?? h.name}`;
