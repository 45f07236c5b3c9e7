/**
 * Keys from Karpenter's older APIs (v1alpha5 Provisioner and AWSNodeTemplate, v1beta1 NodePool and EC2NodeClass)
 * that people carry into a pool, with what replaces them here. Sources: the v1 migration guide
 * (website/content/en/v1.0/upgrading/v1beta1-migration.md and v1-migration.md at aws/karpenter-provider-aws) and
 * the v1 CRDs.
 */
export const LEGACY_POOL_KEYS: Record<string, string> = {
    ttlSecondsAfterEmpty: 'ttlSecondsAfterEmpty is from Karpenter v1alpha5; in v1 write consolidationPolicy: WhenEmpty with consolidateAfter, a duration such as "30s"',
    ttlSecondsUntilExpired: 'ttlSecondsUntilExpired is from Karpenter v1alpha5; in v1 write expireAfter, a duration such as "720h"',
    consolidation: "consolidation.enabled is from Karpenter v1alpha5; in v1 write consolidationPolicy: WhenEmptyOrUnderutilized (enabled: true) or WhenEmpty (enabled: false), with consolidateAfter",
    disruption: "disruption is the v1 NodePool's own block; here its fields are pool keys: consolidationPolicy, consolidateAfter, budgets (and expireAfter)",
    requirements: "requirements are generated here from instanceTypes, instanceFamilies, instanceCategories, instanceGenerationMin, instanceSizes, architectures, zones and capacityTypes",
    providerRef: "providerRef is from Karpenter v1alpha5 (v1: nodeClassRef); each pool here gets its own EC2NodeClass of the same name",
    nodeClassRef: "each pool gets its own EC2NodeClass of the same name; there is nothing to reference",
    provider: "provider is from Karpenter v1alpha5 (v1: an EC2NodeClass); set amiAlias, volumeSizeGiB and tags on the pool instead",
    amiFamily: 'amiFamily is replaced in Karpenter v1 by an AMI alias: write amiAlias, e.g. "al2023@latest" or "bottlerocket@latest"',
    amiSelector: 'amiSelector is from Karpenter v1alpha5 (v1: amiSelectorTerms); write amiAlias, e.g. "al2023@v20260923"',
    amiSelectorTerms: 'write amiAlias, e.g. "al2023@v20260923" (it becomes the EC2NodeClass\'s only amiSelectorTerm)',
    subnetSelector: "subnets are discovered by the karpenter.sh/discovery tag the stack puts on them (v1: subnetSelectorTerms); nothing to set",
    securityGroupSelector: "security groups are discovered by the karpenter.sh/discovery tag (v1: securityGroupSelectorTerms); nothing to set",
    instanceProfile: "the node role is created by the stack and set as the EC2NodeClass role; nothing to set",
    kubeletConfiguration: "kubeletConfiguration is from Karpenter v1beta1 (v1: EC2NodeClass spec.kubelet), which this project does not expose",
    kubelet: "kubelet settings live in the v1 EC2NodeClass (spec.kubelet), which this project does not expose",
};

/** Stack-level keys of older setups. */
export const LEGACY_STACK_KEYS: Record<string, string> = {
    provisioner: "Provisioners are from Karpenter v1alpha5; in v1 they are NodePools: write the nodePools list (see README, Configuration reference)",
    provisioners: "Provisioners are from Karpenter v1alpha5; in v1 they are NodePools: write the nodePools list (see README, Configuration reference)",
    nodePool: "write nodePools, a list of pools",
};

/** The duration string for a bare number of seconds: 30 → "30s", 3600 → "1h". */
export function durationHint(seconds: number): string | undefined {
    if (!Number.isInteger(seconds) || seconds < 0) return undefined;
    const text = seconds % 3600 === 0 && seconds > 0 ? `${seconds / 3600}h` : seconds % 60 === 0 && seconds > 0 ? `${seconds / 60}m` : `${seconds}s`;
    return `Durations are strings with a unit; did you mean "${text}"?`;
}
