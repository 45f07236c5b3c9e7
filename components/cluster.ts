import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig, EKS_ADDONS, EksAddon, IamConfig } from "./config";
import { KarpenterCleanup } from "./karpenter/cleanup";
import { NODE_ROLE_MANAGED_POLICIES, awsManagedPolicyArn, roleSettings, serviceTrustPolicy } from "./iam";
import { remoteChildOptions } from "./remote";

export interface ClusterArgs extends ClusterConfig {
    /** Physical EKS cluster name; also the value of every `karpenter.sh/discovery` tag. */
    clusterName: string;
    /** The stack's required tags: the system nodes' instances, volumes and ENIs get them through the launch template. */
    tags: Record<string, string>;
    /** Path and permissions boundary of the system node role. */
    iam: IamConfig;
    vpcId: pulumi.Input<string>;
    privateSubnetIds: pulumi.Input<string[]>;
    publicSubnetIds: pulumi.Input<string[]>;
    /** How long the destroy-time ENI sweep may wait for the VPC CNI's interfaces to detach (karpenter.cleanupTimeoutSeconds). */
    cleanupTimeoutSeconds: number;
}

/** Label and taint of the system node group: only critical add-ons and the Karpenter controller run there. */
export const SYSTEM_NODE_LABEL = { key: "eks-karpenter/node-group", value: "system" } as const;
export const SYSTEM_NODE_TAINT = { key: "CriticalAddonsOnly", value: "true", effect: "NO_SCHEDULE" } as const;

/** EKS managed add-ons installed once the system nodes exist (they schedule pods). */
export const MANAGED_ADDONS = ["coredns", "eks-pod-identity-agent"] as const;

/** The device of the volume that holds containers: the root volume on AL2023, the data volume on Bottlerocket. */
export function systemRootDevice(amiType: string): string {
    return amiType.startsWith("BOTTLEROCKET") ? "/dev/xvdb" : "/dev/xvda";
}

/**
 * CoreDNS add-on configuration: on the system nodes only (never on a node Karpenter may consolidate away), and
 * tolerating their taint. Keys of the add-on's configuration schema (aws eks describe-addon-configuration).
 */
export function coreDnsPlacement() {
    return {
        nodeSelector: { [SYSTEM_NODE_LABEL.key]: SYSTEM_NODE_LABEL.value },
        tolerations: [{ key: SYSTEM_NODE_TAINT.key, operator: "Exists", effect: "NoSchedule" }],
    };
}

/**
 * Access entries granting cluster admin to each principal, keyed by a name derived from the principal ARN (its
 * identity, so the key never changes while the principal stays). The partition comes from the ARN itself.
 */
export function adminAccessEntries(principalArns: string[]): Record<string, eks.types.input.AccessEntryArgs> {
    return Object.fromEntries(
        principalArns.map((principalArn) => [
            `admin-${principalArn.split(":").slice(4).join("-").replace(/[^A-Za-z0-9]+/g, "-")}`,
            {
                principalArn,
                accessPolicies: {
                    admin: {
                        policyArn: `arn:${principalArn.split(":")[1]}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`,
                        accessScope: { type: "cluster" },
                    },
                },
            },
        ]),
    );
}

/**
 * The EKS control plane (access entries only, KMS-encrypted secrets, logged), a tainted system node group for
 * critical add-ons and the Karpenter controller, and a Kubernetes provider for the components that follow.
 */
export class Cluster extends pulumi.ComponentResource {
    readonly clusterName: pulumi.Output<string>;
    readonly clusterArn: pulumi.Output<string>;
    readonly endpoint: pulumi.Output<string>;
    readonly kubernetesVersion: pulumi.Output<string>;
    readonly kubeconfig: pulumi.Output<string>;
    readonly oidcProviderArn: pulumi.Output<string>;
    readonly oidcProviderUrl: pulumi.Output<string>;
    /** The EKS-created cluster security group: managed nodes and Karpenter nodes both join it. */
    readonly clusterSecurityGroupId: pulumi.Output<string>;
    readonly systemNodeGroupName: pulumi.Output<string>;
    /** The system node group, for components that must wait for schedulable nodes. */
    readonly systemNodeGroup: aws.eks.NodeGroup;
    /** The managed add-ons (CoreDNS, Pod Identity agent) that Karpenter needs while it runs. */
    readonly addons: aws.eks.Addon[];
    /** The version of each EKS add-on of the cluster (ours and pulumi-eks's kube-proxy and vpc-cni). */
    readonly addonVersions: pulumi.Output<Record<EksAddon, string>>;
    /** What Karpenter must wait for and outlive: the system nodes and the add-ons. */
    readonly dependencies: pulumi.Resource[];
    readonly kubernetesProvider: k8s.Provider;
    /** Where the Karpenter controller runs: the system nodes, tolerating their taint. */
    readonly controllerPlacement = {
        nodeSelector: { [SYSTEM_NODE_LABEL.key]: SYSTEM_NODE_LABEL.value },
        tolerations: [{ key: SYSTEM_NODE_TAINT.key, operator: "Exists" as const }],
    };

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-karpenter:cluster:Cluster", name, {}, opts);
        // EKS makes the creator a cluster admin (pulumi-eks sets bootstrapClusterCreatorAdminPermissions); anyone
        // else, people included, needs an access entry.
        if (args.adminPrincipalArns.length === 0) {
            void pulumi.log.warn(
                'No adminPrincipalArns: only the identity that created the cluster (the deploy role running "pulumi up") is a cluster admin. ' +
                    "Give the operators' role access with: pulumi config set --path 'adminPrincipalArns[0]' arn:aws:iam::<account>:role/<operators-role>",
                this,
            );
        }
        const partition = aws.getPartitionOutput({}, { parent: this });
        // Every add-on has a version tied to kubernetesVersion: the one pinned in config, else AWS's default for that
        // Kubernetes version (never the most recent, which pulumi-eks would pick for kube-proxy and vpc-cni).
        const addonVersions = Object.fromEntries(
            EKS_ADDONS.map((addon) => [
                addon,
                args.addonVersions[addon] ?? aws.eks.getAddonVersionOutput({ addonName: addon, kubernetesVersion: args.kubernetesVersion, mostRecent: false }, { parent: this }).version,
            ]),
        ) as Record<EksAddon, pulumi.Input<string>>;
        this.addonVersions = pulumi.output(addonVersions) as pulumi.Output<Record<EksAddon, string>>;

        const secretsKey = new aws.kms.Key(
            `${name}-secrets`,
            {
                description: `Envelope encryption of Kubernetes secrets in EKS cluster ${args.clusterName}`,
                enableKeyRotation: true,
                deletionWindowInDays: args.secretsKeyDeletionWindowDays,
            },
            { parent: this, protect: args.protect },
        );
        // Fixed physical names (alias, log group): a replacement must delete the old one first (AlreadyExists).
        new aws.kms.Alias(`${name}-secrets`, { name: `alias/eks/${args.clusterName}`, targetKeyId: secretsKey.keyId }, { parent: this, deleteBeforeReplace: true });

        // EKS writes to this group by name; creating it first sets a retention instead of EKS's "never expire".
        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-control-plane-logs`,
            { name: `/aws/eks/${args.clusterName}/cluster`, retentionInDays: args.controlPlaneLogRetentionDays },
            { parent: this, deleteBeforeReplace: true },
        );

        // The cluster's service role, created here rather than by pulumi-eks (whose "<name>-eksRole-role" has no
        // path or permissions boundary, and an auto-name 25 characters longer than the cluster name). EKS's
        // service principal is eks.amazonaws.com in every partition (pulumi-eks v4.3.0 cluster.ts says the same).
        const clusterRole = new aws.iam.Role(
            `${name}-cluster-role`,
            {
                description: `Allows EKS to manage cluster ${args.clusterName} on your behalf`,
                ...roleSettings(args.iam),
                assumeRolePolicy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [{ Effect: "Allow", Principal: { Service: "eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] }],
                }),
            },
            { parent: this },
        );
        const clusterRolePolicy = new aws.iam.RolePolicyAttachment(
            `${name}-cluster-role-AmazonEKSClusterPolicy`,
            { role: clusterRole.name, policyArn: partition.partition.apply((p) => awsManagedPolicyArn(p, "AmazonEKSClusterPolicy")) },
            { parent: this },
        );

        const cluster = new eks.Cluster(
            `${name}-eks`,
            {
                name: args.clusterName,
                serviceRole: clusterRole,
                version: args.kubernetesVersion,
                vpcId: args.vpcId,
                privateSubnetIds: args.privateSubnetIds,
                publicSubnetIds: args.publicSubnetIds,
                authenticationMode: eks.AuthenticationMode.Api,
                accessEntries: adminAccessEntries(args.adminPrincipalArns),
                skipDefaultNodeGroup: true,
                // Nodes join the security group EKS creates for the cluster, which Karpenter discovers by tag below.
                skipDefaultSecurityGroups: true,
                createOidcProvider: true,
                enabledClusterLogTypes: args.controlPlaneLogTypes,
                encryptionConfigKeyArn: secretsKey.arn,
                endpointPrivateAccess: args.endpointPrivateAccess,
                endpointPublicAccess: args.endpointPublicAccessCidrs.length > 0,
                publicAccessCidrs: args.endpointPublicAccessCidrs.length > 0 ? args.endpointPublicAccessCidrs : undefined,
                nodeAssociatePublicIpAddress: false,
                // CoreDNS is installed below as a managed add-on once the system nodes exist.
                corednsAddonOptions: { enabled: false },
                kubeProxyAddonOptions: { version: addonVersions["kube-proxy"] },
                vpcCniOptions: { addonVersion: addonVersions["vpc-cni"] },
            },
            // protect reaches the component's children (the aws:eks/cluster:Cluster) through the construct request.
            remoteChildOptions(this, { dependsOn: [logGroup, clusterRolePolicy], protect: args.protect }),
        );
        this.clusterName = cluster.eksCluster.name;
        this.clusterArn = cluster.eksCluster.arn;
        this.endpoint = cluster.eksCluster.endpoint;
        this.kubernetesVersion = cluster.eksCluster.version;
        this.kubeconfig = pulumi.secret(cluster.kubeconfigJson);
        this.oidcProviderArn = cluster.oidcProviderArn;
        this.oidcProviderUrl = cluster.oidcProviderUrl;
        this.clusterSecurityGroupId = cluster.eksCluster.vpcConfig.clusterSecurityGroupId;

        // Karpenter's EC2NodeClass selects this group by tag; a separate tag resource, since EKS owns the group.
        new aws.ec2.Tag(
            `${name}-cluster-sg-discovery`,
            { resourceId: this.clusterSecurityGroupId, key: "karpenter.sh/discovery", value: args.clusterName },
            { parent: this },
        );

        const nodeRole = new aws.iam.Role(
            `${name}-system-node`,
            {
                description: `System node group of EKS cluster ${args.clusterName}`,
                ...roleSettings(args.iam),
                assumeRolePolicy: partition.dnsSuffix.apply((dnsSuffix) => JSON.stringify(serviceTrustPolicy("ec2", dnsSuffix))),
            },
            { parent: this },
        );
        const attachments = NODE_ROLE_MANAGED_POLICIES.map(
            (policy) =>
                new aws.iam.RolePolicyAttachment(
                    `${name}-system-node-${policy}`,
                    { role: nodeRole.name, policyArn: partition.partition.apply((p) => awsManagedPolicyArn(p, policy)) },
                    { parent: this },
                ),
        );

        // Destroy: deleted after the system node group (which depends on it) and before the control plane and the
        // VPC: deletes the VPC CNI's ENIs of this cluster, which would keep the subnets and security groups alive.
        const eniCleanup = new KarpenterCleanup(
            `${name}-eni-cleanup`,
            { clusterName: args.clusterName, region: aws.getRegionOutput({}, { parent: this }).region, timeoutSeconds: args.cleanupTimeoutSeconds, step: "networkInterfaces" },
            { parent: this, dependsOn: [cluster] },
        );

        const ng = args.systemNodeGroup;
        // Provider defaultTags do not reach what a managed node group launches; a launch template's tag
        // specifications do. It also requires IMDSv2 and encrypts the root volume.
        const launchTemplate = new aws.ec2.LaunchTemplate(
            `${name}-system`,
            {
                description: `System node group of EKS cluster ${args.clusterName}`,
                updateDefaultVersion: true,
                // Hop limit 2: pods on these nodes without host networking (the Karpenter controller) may read
                // the region from instance metadata.
                metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 2 },
                blockDeviceMappings: [
                    {
                        deviceName: systemRootDevice(ng.amiType),
                        ebs: { volumeSize: ng.diskSizeGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
                    },
                ],
                tagSpecifications: ["instance", "volume", "network-interface"].map((resourceType) => ({ resourceType, tags: args.tags })),
            },
            { parent: this },
        );
        this.systemNodeGroup = new aws.eks.NodeGroup(
            `${name}-system`,
            {
                clusterName: this.clusterName,
                nodeRoleArn: nodeRole.arn,
                subnetIds: args.privateSubnetIds,
                version: args.kubernetesVersion,
                amiType: ng.amiType,
                capacityType: ng.capacityType,
                instanceTypes: ng.instanceTypes,
                launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) },
                scalingConfig: { minSize: ng.minSize, desiredSize: ng.desiredSize, maxSize: ng.maxSize },
                updateConfig: { maxUnavailable: 1 },
                labels: { [SYSTEM_NODE_LABEL.key]: SYSTEM_NODE_LABEL.value },
                taints: [SYSTEM_NODE_TAINT],
            },
            // The size is declared, not hand-scaled: config's minSize ≤ desiredSize ≤ maxSize is sent whole on every
            // change. Ignoring desiredSize would send the deployed one with a new minSize, which EKS refuses when the
            // minimum rises above it ("Minimum capacity N can't be greater than desired size M"). Nothing else scales
            // this group (Karpenter scales its own nodes, no Cluster Autoscaler runs) and an EKS version or AMI
            // update keeps scalingConfig as it is, so there is nothing to fight over.
            { parent: this, dependsOn: [...attachments, eniCleanup] },
        );
        this.systemNodeGroupName = this.systemNodeGroup.nodeGroupName;

        this.addons = MANAGED_ADDONS.map(
            (addonName) =>
                new aws.eks.Addon(
                    `${name}-${addonName}`,
                    {
                        clusterName: this.clusterName,
                        addonName,
                        addonVersion: addonVersions[addonName],
                        resolveConflictsOnCreate: "OVERWRITE",
                        resolveConflictsOnUpdate: "PRESERVE",
                        ...(addonName === "coredns" ? { configurationValues: JSON.stringify(coreDnsPlacement()) } : {}),
                    },
                    { parent: this, dependsOn: [this.systemNodeGroup] },
                ),
        );

        this.kubernetesProvider = new k8s.Provider(
            `${name}-k8s`,
            { kubeconfig: this.kubeconfig, enableServerSideApply: true },
            { parent: this },
        );

        this.dependencies = [this.systemNodeGroup, ...this.addons];
        this.registerOutputs({
            clusterName: this.clusterName,
            clusterArn: this.clusterArn,
            endpoint: this.endpoint,
            kubernetesVersion: this.kubernetesVersion,
            kubeconfig: this.kubeconfig,
            oidcProviderArn: this.oidcProviderArn,
            oidcProviderUrl: this.oidcProviderUrl,
            clusterSecurityGroupId: this.clusterSecurityGroupId,
            systemNodeGroupName: this.systemNodeGroupName,
            addonVersions: this.addonVersions,
        });
    }
}
