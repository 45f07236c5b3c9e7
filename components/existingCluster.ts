import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { discoveryTagKey } from "./discovery";
import type { ControllerPlacement } from "./karpenter/helmValues";

export interface ExistingClusterArgs {
    /** Name of the EKS cluster to install Karpenter into. */
    clusterName: string;
    /** The security group Karpenter nodes join (usually the cluster security group); tagged for discovery. */
    securityGroupId: string;
    /** Where the controller runs: labels of the existing nodes Karpenter does not manage, and their taints. */
    controllerPlacement: ControllerPlacement;
}

/** A kubeconfig for a cluster, authenticating with `aws eks get-token` (as `aws eks update-kubeconfig` writes it). */
export function kubeconfigFor(clusterName: string, endpoint: string, certificateAuthority: string, region: string): string {
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: clusterName, cluster: { server: endpoint, "certificate-authority-data": certificateAuthority } }],
        contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
        "current-context": clusterName,
        users: [
            {
                name: clusterName,
                user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws", args: ["eks", "get-token", "--cluster-name", clusterName, "--region", region, "--output", "json"] } },
            },
        ],
    });
}

/**
 * An EKS cluster this stack does not own: looked up, never created or changed, except for the Karpenter discovery
 * tag on its security group (a separate tag resource, so destroying the stack removes only that tag). The group is
 * shared, so the tag key is this cluster's own, `karpenter.sh/discovery/<cluster>` (components/discovery.ts).
 */
export class ExistingCluster extends pulumi.ComponentResource {
    readonly clusterName: pulumi.Output<string>;
    readonly endpoint: pulumi.Output<string>;
    readonly kubeconfig: pulumi.Output<string>;
    readonly oidcProviderArn: pulumi.Output<string>;
    readonly oidcProviderUrl: pulumi.Output<string>;
    readonly kubernetesProvider: k8s.Provider;
    readonly controllerPlacement: ControllerPlacement;
    /** Nothing of the cluster is created here; Karpenter waits only for the discovery tag. */
    readonly dependencies: pulumi.Resource[];

    constructor(name: string, args: ExistingClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-karpenter:cluster:ExistingCluster", name, {}, opts);
        const cluster = aws.eks.getClusterOutput({ name: args.clusterName }, { parent: this });
        const identity = aws.getCallerIdentityOutput({}, { parent: this });
        const partition = aws.getPartitionOutput({}, { parent: this });
        const region = aws.getRegionOutput({}, { parent: this });

        this.clusterName = cluster.name;
        this.endpoint = cluster.endpoint;
        this.oidcProviderUrl = cluster.identities.apply((ids) => ids[0].oidcs[0].issuer.replace(/^https:\/\//, ""));
        // IAM names an OIDC provider by its issuer; IRSA needs it registered (eksctl utils associate-iam-oidc-provider).
        this.oidcProviderArn = pulumi.interpolate`arn:${partition.partition}:iam::${identity.accountId}:oidc-provider/${this.oidcProviderUrl}`;
        this.kubeconfig = pulumi.secret(
            pulumi.all([cluster.name, cluster.endpoint, cluster.certificateAuthorities, region.region]).apply(([n, e, ca, r]) => kubeconfigFor(n, e, ca[0].data, r)),
        );
        const tag = new aws.ec2.Tag(`${name}-sg-discovery`, { resourceId: args.securityGroupId, key: discoveryTagKey(args.clusterName, true), value: args.clusterName }, { parent: this });
        this.dependencies = [tag];
        this.controllerPlacement = args.controllerPlacement;
        this.kubernetesProvider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig, enableServerSideApply: true }, { parent: this });
        this.registerOutputs({ clusterName: this.clusterName, endpoint: this.endpoint, oidcProviderArn: this.oidcProviderArn });
    }
}
