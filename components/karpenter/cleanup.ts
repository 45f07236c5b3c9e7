import * as pulumi from "@pulumi/pulumi";
import { sweepKarpenter, sweepNetworkInterfaces } from "./sweep";

/** Which sweep a cleanup resource runs on delete (see sweep.ts). */
export type CleanupStep = "karpenter" | "networkInterfaces";

export interface CleanupInputs {
    clusterName: string;
    region: string;
    /** How long the sweep may wait for instances to terminate and network interfaces to detach. */
    timeoutSeconds: number;
    /** @default "karpenter" (the only step before there were two; older states have no `step`) */
    step?: CleanupStep;
}

/**
 * A Pulumi dynamic provider (TypeScript in the Pulumi process, AWS SDK v3, so no extra plugin) whose only work is
 * on delete: sweep what Karpenter (or the VPC CNI) left for this cluster. It uses the AWS credentials of the
 * process running pulumi (environment, profile or OIDC), in the stack's region. `pulumi destroy` runs the copy
 * serialized into the state by the last `pulumi up`, not this file.
 */
export const cleanupProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: CleanupInputs) {
        const suffix = inputs.step === "networkInterfaces" ? "eni-cleanup" : "karpenter-cleanup";
        return { id: `${inputs.clusterName}-${suffix}`, outs: inputs };
    },
    async diff(_id: string, olds: CleanupInputs, news: CleanupInputs) {
        const replaces = olds.clusterName !== news.clusterName || olds.region !== news.region ? ["clusterName"] : [];
        return { changes: JSON.stringify(olds) !== JSON.stringify(news), replaces };
    },
    async update(_id: string, _olds: CleanupInputs, news: CleanupInputs) {
        return { outs: news };
    },
    async delete(_id: string, props: CleanupInputs) {
        const { EC2Client } = await import("@aws-sdk/client-ec2");
        const { IAMClient } = await import("@aws-sdk/client-iam");
        const step = props.step ?? "karpenter";
        const options = {
            clusterName: props.clusterName,
            region: props.region,
            ec2: new EC2Client({ region: props.region }),
            iam: new IAMClient({ region: props.region }),
            timeoutMs: props.timeoutSeconds * 1000,
            log: (line: string) => console.log(`[${step === "karpenter" ? "karpenter cleanup" : "eni cleanup"}] ${line}`),
        };
        if (step === "karpenter") await sweepKarpenter(options);
        else await sweepNetworkInterfaces(options);
    },
};

/**
 * Runs a sweep when it is deleted. The Karpenter step is deleted after the Karpenter controller (the charts depend
 * on it) and before the system node group and the network; the ENI step after the node group and before the VPC.
 */
export class KarpenterCleanup extends pulumi.dynamic.Resource {
    constructor(name: string, args: { [K in keyof CleanupInputs]: pulumi.Input<CleanupInputs[K]> }, opts?: pulumi.CustomResourceOptions) {
        super(cleanupProvider, name, args, opts);
    }
}
