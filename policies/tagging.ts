import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { eksClusterOf, tagTarget } from "./graph";
import { effectiveTags, isTaggableAwsType } from "./util";

export const DISCOVERY_TAG = "karpenter.sh/discovery";

/** The conventional key, or a shared VPC's per-cluster key `karpenter.sh/discovery/<cluster>` (components/discovery.ts). */
const isDiscoveryKey = (key: unknown) => key === DISCOVERY_TAG || String(key).startsWith(`${DISCOVERY_TAG}/`);

export const requiredTags: ResourceValidationPolicy = {
    name: "required-tags",
    description: "Every taggable AWS resource carries the required tags, counting the AWS provider's defaultTags.",
    configSchema: {
        properties: { requiredTags: { type: "array", items: { type: "string" }, default: ["environment", "project", "owner", "managed-by"] } },
    },
    validateResource: (args, report) => {
        if (!isTaggableAwsType(args.type)) return;
        const { requiredTags: keys } = args.getConfig<{ requiredTags: string[] }>();
        const tags = effectiveTags(args.props, args.provider);
        const missing = keys.filter((k) => !tags[k]);
        if (missing.length > 0) report(`is missing required tag${missing.length > 1 ? "s" : ""} ${missing.join(", ")} (set them on the resource or in the AWS provider's defaultTags).`);
    },
};

/** Where Karpenter's discovery tag belongs: private subnets and the node security group. */
function discoveryCarrier(r: PolicyResource): "subnet" | "security-group" | "other" | undefined {
    if (r.type === "aws:ec2/tag:Tag") {
        if (!isDiscoveryKey(r.props.key)) return undefined;
        return tagTarget(r);
    }
    if (r.type === "awsx:ec2:Vpc") {
        const specs = (r.props.subnetSpecs ?? []) as Array<{ type: string; tags?: Record<string, string> }>;
        if (specs.some((s) => s.type !== "Private" && s.tags?.[DISCOVERY_TAG] !== undefined)) return "other";
        return specs.some((s) => s.type === "Private" && s.tags?.[DISCOVERY_TAG] !== undefined) ? "subnet" : undefined;
    }
    if (r.props.tags?.[DISCOVERY_TAG] === undefined) return undefined;
    if (r.type === "aws:ec2/subnet:Subnet") return "subnet";
    if (r.type === "aws:ec2/securityGroup:SecurityGroup") return "security-group";
    return "other";
}

/** The discovery tag's value wherever it is set. */
function discoveryValues(r: { type: string; props: Record<string, any> }): string[] {
    // A per-cluster key names the cluster twice: in the key and in the value.
    if (r.type === "aws:ec2/tag:Tag") return r.props.key === DISCOVERY_TAG ? [String(r.props.value)] : [String(r.props.key).slice(DISCOVERY_TAG.length + 1), String(r.props.value)];
    if (r.type === "awsx:ec2:Vpc") return ((r.props.subnetSpecs ?? []) as Array<{ tags?: Record<string, string> }>).flatMap((s) => (s.tags?.[DISCOVERY_TAG] ? [s.tags[DISCOVERY_TAG]] : []));
    return [String(r.props.tags[DISCOVERY_TAG])];
}

export const discoveryTags: StackValidationPolicy = {
    name: "karpenter-discovery-tags",
    description: `Private subnets and the node security group carry ${DISCOVERY_TAG} (in a shared VPC ${DISCOVERY_TAG}/<cluster>) equal to the cluster name, and nothing else does: a stray tag makes Karpenter launch nodes in the wrong place.`,
    validateStack: (args, report) => {
        const cluster = eksClusterOf(args.resources);
        if (!cluster) return;
        const clusterName = String(cluster.props.name);
        const kinds = new Set<string>();
        for (const r of args.resources) {
            if (r.type.startsWith("pulumi:providers:aws")) {
                if (effectiveTags({}, { type: r.type, props: r.props, urn: r.urn, name: r.name })[DISCOVERY_TAG] !== undefined) {
                    report(`the AWS provider's defaultTags set ${DISCOVERY_TAG}, so every resource carries it; remove it from the default tags.`, r.urn);
                }
                continue;
            }
            const kind = discoveryCarrier(r);
            if (!kind) continue;
            if (kind === "other") {
                report(`${r.type} ${r.name} carries ${DISCOVERY_TAG}; only private subnets and the node security group may.`, r.urn);
                continue;
            }
            kinds.add(kind);
            for (const value of discoveryValues(r)) {
                if (value !== clusterName) report(`${r.type} ${r.name} has ${DISCOVERY_TAG}=${value}, but the cluster is ${clusterName}.`, r.urn);
            }
        }
        if (args.resources.some((r) => r.type === "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass")) {
            for (const needed of ["subnet", "security-group"]) {
                if (!kinds.has(needed)) report(`no ${needed === "subnet" ? "private subnet" : "security group"} carries ${DISCOVERY_TAG}=${clusterName}; Karpenter would find nowhere to launch nodes.`);
            }
        }
    },
};

export const taggingPolicies = [requiredTags, discoveryTags];
