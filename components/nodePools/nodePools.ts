import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NodePoolConfig } from "./config";
import { deleteTimeout, ec2NodeClassSpec, nodePoolSpec } from "./specs";

export interface NodePoolsArgs {
    clusterName: string;
    /** Name of the node role every EC2NodeClass uses (created by KarpenterController). */
    nodeRoleName: pulumi.Input<string>;
    /** The pools, already validated (parseStackConfig and the Karpenter schemas). */
    pools: NodePoolConfig[];
    /** Tags for the EC2 resources Karpenter launches. */
    tags: Record<string, string>;
    /**
     * The Karpenter releases: the CRDs must exist before the objects, and on destroy the objects must go while
     * the controller still runs, so that it terminates its own nodes.
     */
    dependsOn: pulumi.Resource[];
}

/** One karpenter.sh/v1 NodePool and its karpenter.k8s.aws/v1 EC2NodeClass per configured pool. */
export class NodePools extends pulumi.ComponentResource {
    readonly nodePools: k8s.apiextensions.CustomResource[] = [];
    readonly nodeClasses: k8s.apiextensions.CustomResource[] = [];
    readonly names: string[];

    constructor(name: string, args: NodePoolsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-karpenter:nodePools:NodePools", name, {}, opts);
        for (const pool of args.pools) {
            // Deletes wait for Karpenter's drain (bounded by the pool's terminationGracePeriod), not the provider's 10 minutes.
            const customTimeouts = { delete: deleteTimeout(pool) };
            // The role name is the only value not known before deployment; the rest is the validated spec.
            const nodeClass = ec2NodeClassSpec(pool, { clusterName: args.clusterName, nodeRoleName: "", tags: args.tags });
            const ec2NodeClass = new k8s.apiextensions.CustomResource(
                `${name}-${pool.name}-nodeclass`,
                { ...nodeClass, spec: { ...nodeClass.spec, role: args.nodeRoleName } },
                { parent: this, dependsOn: args.dependsOn, customTimeouts },
            );
            const nodePool = new k8s.apiextensions.CustomResource(`${name}-${pool.name}`, { ...nodePoolSpec(pool) }, {
                parent: this,
                dependsOn: [...args.dependsOn, ec2NodeClass],
                customTimeouts,
            });
            this.nodeClasses.push(ec2NodeClass);
            this.nodePools.push(nodePool);
        }
        this.names = args.pools.map((p) => p.name);
        this.registerOutputs({ names: this.names });
    }
}
