import type { INodePool } from "@kubernetes-models/karpenter/karpenter.sh/v1/NodePool" with { "resolution-mode": "import" };
import type { IEC2NodeClass } from "@kubernetes-models/karpenter/karpenter.k8s.aws/v1/EC2NodeClass" with { "resolution-mode": "import" };
import { NodePoolConfig } from "./config";

/** NodePool requirement as the karpenter.sh/v1 API takes it. */
export type Requirement = INodePool["spec"]["template"]["spec"]["requirements"][number];

/** The well-known label keys the requirements use (Karpenter v1.14.1, pkg/apis/v1/labels.go). */
export const LABELS = {
    capacityType: "karpenter.sh/capacity-type",
    arch: "kubernetes.io/arch",
    os: "kubernetes.io/os",
    zone: "topology.kubernetes.io/zone",
    instanceType: "node.kubernetes.io/instance-type",
    category: "karpenter.k8s.aws/instance-category",
    family: "karpenter.k8s.aws/instance-family",
    generation: "karpenter.k8s.aws/instance-generation",
    size: "karpenter.k8s.aws/instance-size",
} as const;

/** Requirements of a pool: what it may launch, from the most to the least specific setting. */
export function requirements(pool: NodePoolConfig): Requirement[] {
    const reqs: Requirement[] = [
        { key: LABELS.capacityType, operator: "In", values: [...pool.capacityTypes] },
        { key: LABELS.arch, operator: "In", values: [...pool.architectures] },
        { key: LABELS.os, operator: "In", values: ["linux"] },
    ];
    if (pool.instanceTypes) reqs.push({ key: LABELS.instanceType, operator: "In", values: [...pool.instanceTypes] });
    if (pool.instanceCategories) reqs.push({ key: LABELS.category, operator: "In", values: [...pool.instanceCategories] });
    if (pool.instanceFamilies) reqs.push({ key: LABELS.family, operator: "In", values: [...pool.instanceFamilies] });
    // Karpenter has Gt but the CRD's Gte arrived later than the generated models; Gt n-1 means "n or newer".
    if (pool.instanceGenerationMin !== undefined) reqs.push({ key: LABELS.generation, operator: "Gt", values: [String(pool.instanceGenerationMin - 1)] });
    if (pool.instanceSizes) reqs.push({ key: LABELS.size, operator: "In", values: [...pool.instanceSizes] });
    if (pool.zones) reqs.push({ key: LABELS.zone, operator: "In", values: [...pool.zones] });
    return reqs;
}

/** The karpenter.sh/v1 NodePool of a pool, pointing at the EC2NodeClass of the same name. */
export function nodePoolSpec(pool: NodePoolConfig): INodePool {
    return {
        apiVersion: "karpenter.sh/v1",
        kind: "NodePool",
        metadata: { name: pool.name },
        spec: {
            template: {
                ...(Object.keys(pool.labels).length > 0 ? { metadata: { labels: { ...pool.labels } } } : {}),
                spec: {
                    nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: pool.name },
                    requirements: requirements(pool),
                    expireAfter: pool.expireAfter,
                    terminationGracePeriod: pool.terminationGracePeriod,
                    ...(pool.taints.length > 0 ? { taints: pool.taints.map((t) => ({ ...t })) } : {}),
                },
            },
            limits: { ...pool.limits },
            disruption: {
                consolidationPolicy: pool.consolidationPolicy,
                consolidateAfter: pool.consolidateAfter,
                budgets: pool.budgets.map((b) => ({ ...b, ...(b.reasons ? { reasons: [...b.reasons] } : {}) })),
            },
            ...(pool.weight !== undefined ? { weight: pool.weight } : {}),
        },
    };
}

/** Seconds of a Go duration as the CRD accepts it ("1h30m", "90s"). */
export function durationSeconds(duration: string): number {
    const unit: Record<string, number> = { h: 3600, m: 60, s: 1 };
    return [...duration.matchAll(/([0-9]+)(h|m|s)/g)].reduce((sum, [, n, u]) => sum + Number(n) * unit[u], 0);
}

/**
 * How long Pulumi waits for a pool's NodePool and EC2NodeClass to be deleted: the drain Karpenter may take
 * (terminationGracePeriod), plus 15 minutes for the instances to terminate and the finalizers to clear. The
 * Kubernetes provider deletes custom resources with foreground cascading and waits 10 minutes unless told.
 */
export function deleteTimeout(pool: NodePoolConfig): string {
    return `${Math.ceil(durationSeconds(pool.terminationGracePeriod) / 60) + 15}m`;
}

export interface NodeClassArgs {
    clusterName: string;
    /** Name of the node IAM role; Karpenter creates the instance profile from it. */
    nodeRoleName: string;
    /** Tags for every EC2 resource Karpenter launches (the stack's tags plus the pool's). */
    tags: Record<string, string>;
}

/** Block devices: an encrypted gp3 root volume (AL2023), or Bottlerocket's OS volume plus its data volume. */
export function blockDeviceMappings(pool: NodePoolConfig): NonNullable<NonNullable<IEC2NodeClass["spec"]>["blockDeviceMappings"]> {
    const gp3 = (size: number) => ({ volumeSize: `${size}Gi`, volumeType: "gp3" as const, encrypted: true, deleteOnTermination: true });
    if (pool.amiAlias.startsWith("bottlerocket@")) {
        return [
            { deviceName: "/dev/xvda", ebs: gp3(4) },
            { deviceName: "/dev/xvdb", rootVolume: true, ebs: gp3(pool.volumeSizeGiB) },
        ];
    }
    return [{ deviceName: "/dev/xvda", rootVolume: true, ebs: gp3(pool.volumeSizeGiB) }];
}

/** The karpenter.k8s.aws/v1 EC2NodeClass of a pool: discovery by tag, IMDSv2 only, encrypted gp3 volumes. */
export function ec2NodeClassSpec(pool: NodePoolConfig, a: NodeClassArgs): IEC2NodeClass {
    const discovery = [{ tags: { "karpenter.sh/discovery": a.clusterName } }];
    return {
        apiVersion: "karpenter.k8s.aws/v1",
        kind: "EC2NodeClass",
        metadata: { name: pool.name },
        spec: {
            role: a.nodeRoleName,
            amiSelectorTerms: [{ alias: pool.amiAlias }],
            subnetSelectorTerms: discovery,
            securityGroupSelectorTerms: discovery,
            // Hop limit 1 keeps pods (one hop further) away from the node role's credentials.
            metadataOptions: { httpEndpoint: "enabled", httpProtocolIPv6: "disabled", httpPutResponseHopLimit: 1, httpTokens: "required" },
            blockDeviceMappings: blockDeviceMappings(pool),
            ...(pool.capacityReservationIds ? { capacityReservationSelectorTerms: pool.capacityReservationIds.map((id) => ({ id })) } : {}),
            tags: { ...a.tags, ...pool.tags },
        },
    };
}
