/**
 * The name the pack is served, published and enabled under (policies/index.ts, deployments/, CI). Pulumi Cloud
 * matches a policy group's pack by this name and the version in policies/package.json.
 */
export const PACK_NAME = "eks-karpenter";
