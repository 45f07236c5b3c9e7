/**
 * The tag Karpenter finds the stack's subnets and security group by (EC2NodeClass subnetSelectorTerms and
 * securityGroupSelectorTerms match any tag key and value; every key of a term must match).
 *
 * In a VPC the stack creates, the conventional `karpenter.sh/discovery: <cluster>`. In a shared VPC (`existingVpc`,
 * `existingCluster`) another cluster's Karpenter may already find the same subnets by `karpenter.sh/discovery:
 * <its name>`: a tag resource is CreateTags, which overwrites that value on `pulumi up` and deletes the key on
 * `pulumi destroy`. There the key itself carries the cluster name, `karpenter.sh/discovery/<cluster>`, a key no other
 * cluster writes, so the stack adds and removes only its own key.
 */
export const DISCOVERY_TAG = "karpenter.sh/discovery";

export function discoveryTagKey(clusterName: string, sharedVpc: boolean): string {
    return sharedVpc ? `${DISCOVERY_TAG}/${clusterName}` : DISCOVERY_TAG;
}

/** The stack's discovery tag key: its VPC is shared with `network.existingVpc` or `existingCluster`. */
export function stackDiscoveryTagKey(config: { clusterName: string; network: { existingVpc?: unknown }; existingCluster?: unknown }): string {
    return discoveryTagKey(config.clusterName, config.network.existingVpc !== undefined || config.existingCluster !== undefined);
}
