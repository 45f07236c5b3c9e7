/**
 * The Kubernetes kinds this project declares, with the @kubernetes-models module that types and validates each
 * (their schemas catch enums, patterns, bounds and required fields). The modules are ESM-only: loaded with import().
 */
export const MODELS: Record<string, { module: string; type: string }> = {
    "karpenter.sh/v1/NodePool": { module: "@kubernetes-models/karpenter/karpenter.sh/v1/NodePool", type: "INodePool" },
    "karpenter.k8s.aws/v1/EC2NodeClass": { module: "@kubernetes-models/karpenter/karpenter.k8s.aws/v1/EC2NodeClass", type: "IEC2NodeClass" },
    "apps/v1/Deployment": { module: "kubernetes-models/apps/v1/Deployment", type: "IDeployment" },
    "v1/Namespace": { module: "kubernetes-models/v1/Namespace", type: "INamespace" },
    "flowcontrol.apiserver.k8s.io/v1/FlowSchema": { module: "kubernetes-models/flowcontrol.apiserver.k8s.io/v1/FlowSchema", type: "IFlowSchema" },
};

/** Which fields a kind has: null is a leaf (any value), f a fixed set of fields, m a map, a a list. */
export type FieldTree = null | { f: Record<string, FieldTree> } | { m: FieldTree } | { a: FieldTree };

/** Paths of fields in `value` that the kind's type does not declare: the API server would drop them silently. */
export function unknownFields(value: unknown, tree: FieldTree, path = ""): string[] {
    if (tree === null || value === null || typeof value !== "object") return [];
    if ("a" in tree) return Array.isArray(value) ? value.flatMap((v, i) => unknownFields(v, tree.a, `${path}[${i}]`)) : [];
    const entries = Object.entries(value as Record<string, unknown>);
    if ("m" in tree) return entries.flatMap(([k, v]) => unknownFields(v, tree.m, `${path}.${k}`));
    return entries.flatMap(([k, v]) => (k in tree.f ? unknownFields(v, tree.f[k], path ? `${path}.${k}` : k) : [path ? `${path}.${k}` : k]));
}
