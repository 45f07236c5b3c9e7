import type { INodePool } from "@kubernetes-models/karpenter/karpenter.sh/v1/NodePool" with { "resolution-mode": "import" };
import type { IEC2NodeClass } from "@kubernetes-models/karpenter/karpenter.k8s.aws/v1/EC2NodeClass" with { "resolution-mode": "import" };
import { stackDiscoveryTagKey } from "../discovery";
import type { StackConfig } from "../config";
import { karpenterNames } from "../karpenter/controller";
import { ec2NodeClassSpec, nodePoolSpec } from "./specs";

export interface KarpenterObject {
    /** Where the object came from, for messages, e.g. "eks-karpenter:nodePools[0]". */
    source: string;
    object: INodePool | IEC2NodeClass;
}

interface SchemaError {
    instancePath: string;
    message?: string;
}

/**
 * Validates NodePools and EC2NodeClasses against the OpenAPI schemas of @kubernetes-models/karpenter (enums,
 * patterns, bounds, required fields). The package is ESM-only, hence the dynamic import and the async API.
 * Returns one problem per schema error: source, kind/name, field path and what is wrong.
 */
export async function karpenterSchemaProblems(objects: KarpenterObject[]): Promise<string[]> {
    const { NodePool } = await import("@kubernetes-models/karpenter/karpenter.sh/v1/NodePool");
    const { EC2NodeClass } = await import("@kubernetes-models/karpenter/karpenter.k8s.aws/v1/EC2NodeClass");
    const problems: string[] = [];
    for (const { source, object } of objects) {
        const model = object.kind === "NodePool" ? new NodePool(object as INodePool) : new EC2NodeClass(object as IEC2NodeClass);
        try {
            model.validate();
        } catch (e) {
            const errors = (e as { errors?: SchemaError[] }).errors ?? [{ instancePath: "", message: String(e) }];
            for (const err of errors) {
                problems.push(`${source}: ${object.kind} "${object.metadata?.name}" ${err.instancePath.replace(/^\//, "").replace(/\//g, ".")} ${err.message ?? "is invalid"} (schema of ${object.apiVersion}).`);
            }
        }
    }
    return problems;
}

/** Schema problems of every NodePool and EC2NodeClass the stack's config declares, named by their config key. */
export function nodePoolSchemaProblems(config: StackConfig): Promise<string[]> {
    const nodeRoleName = karpenterNames(config.clusterName).nodeRole;
    return karpenterSchemaProblems(
        config.nodePools.flatMap((pool, i) => [
            { source: `${config.project}:nodePools[${i}]`, object: nodePoolSpec(pool) },
            { source: `${config.project}:nodePools[${i}]`, object: ec2NodeClassSpec(pool, { clusterName: config.clusterName, nodeRoleName, tags: config.tags, discoveryTagKey: stackDiscoveryTagKey(config) }) },
        ]),
    );
}
