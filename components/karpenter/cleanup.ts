import * as pulumi from "@pulumi/pulumi";
import { sweep } from "./sweep";

export interface CleanupInputs {
    clusterName: string;
    region: string;
    /** How long the sweep may wait for instances to terminate and network interfaces to detach. */
    timeoutSeconds: number;
}

/**
 * A Pulumi dynamic provider (TypeScript in the Pulumi process, AWS SDK v3, so no extra plugin) whose only work is
 * on delete: sweep what Karpenter left for this cluster. It uses the AWS credentials of the process running
 * pulumi (environment, profile or OIDC), in the stack's region.
 */
export const cleanupProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: CleanupInputs) {
        return { id: `${inputs.clusterName}-karpenter-cleanup`, outs: inputs };
    },
    async diff(_id: string, olds: CleanupInputs, news: CleanupInputs) {
        return { changes: JSON.stringify(olds) !== JSON.stringify(news), replaces: olds.clusterName !== news.clusterName || olds.region !== news.region ? ["clusterName"] : [] };
    },
    async update(_id: string, _olds: CleanupInputs, news: CleanupInputs) {
        return { outs: news };
    },
    async delete(_id: string, props: CleanupInputs) {
        const { EC2Client } = await import("@aws-sdk/client-ec2");
        const { IAMClient } = await import("@aws-sdk/client-iam");
        await sweep({
            clusterName: props.clusterName,
            region: props.region,
            ec2: new EC2Client({ region: props.region }),
            iam: new IAMClient({ region: props.region }),
            timeoutMs: props.timeoutSeconds * 1000,
            log: (line) => console.log(`[karpenter cleanup] ${line}`),
        });
    },
};

/**
 * Deleted after the Karpenter controller (the charts depend on it) and before the cluster and network (it depends
 * on them): by then Karpenter has terminated what it could, and the sweep removes the rest.
 */
export class KarpenterCleanup extends pulumi.dynamic.Resource {
    constructor(name: string, args: { [K in keyof CleanupInputs]: pulumi.Input<CleanupInputs[K]> }, opts?: pulumi.CustomResourceOptions) {
        super(cleanupProvider, name, args, opts);
    }
}
