import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NODE_ROLE_MANAGED_POLICIES, awsManagedPolicyArn, serviceTrustPolicy } from "../iam";
import { KarpenterConfig } from "./config";
import { KarpenterCleanup } from "./cleanup";
import { CONTROLLER_POLICIES, controllerPolicyDocuments, controllerPolicyName, podIdentityTrustPolicy } from "./controllerPolicy";
import { controllerHelmValues } from "./helmValues";
import { INTERRUPTION_RULES, QUEUE_RETENTION_SECONDS, QUEUE_TARGET_ID, eventPattern, interruptionQueuePolicy, queueArn } from "./interruption";

/** Where the charts come from: the public ECR registry upstream publishes to. */
export const CHART_REPOSITORY = "oci://public.ecr.aws/karpenter";
/** Service account of the controller; the Pod Identity association and the chart must agree on it. */
export const SERVICE_ACCOUNT = "karpenter";

/** What the controller needs of the cluster (the Cluster component provides it). */
export interface ClusterRef {
    /** The cluster's name as an output, so that everything here waits for the cluster. */
    clusterName: pulumi.Output<string>;
    /** The system node group the controller runs on; the chart is installed once it exists. */
    systemNodeGroup: pulumi.Resource;
    /** CoreDNS and the Pod Identity agent: the controller needs both, until its NodePools are gone. */
    addons: pulumi.Resource[];
    /** The network (VPC or subnet tags): the cleanup sweep runs before it is deleted. */
    network: pulumi.Resource[];
    systemNodeLabel: { key: string; value: string };
    systemNodeTaint: { key: string; value: string };
}

export interface KarpenterControllerArgs extends KarpenterConfig {
    /** How long the destroy-time sweep may wait for instances and network interfaces. @default 900 */
    cleanupTimeoutSeconds: number;
    /** Plain cluster name: IAM names, the queue name and policy conditions derive from it. */
    clusterName: string;
    cluster: ClusterRef;
}

/** Names derived from the cluster name (upstream's getting-started uses the same scheme). */
export function karpenterNames(clusterName: string) {
    return { nodeRole: `${clusterName}-karpenter-node`, controllerRole: `${clusterName}-karpenter`, queue: clusterName };
}

/**
 * Karpenter with everything it needs in AWS: the node role (with its EC2_LINUX access entry), the controller role
 * (EKS Pod Identity) with upstream's six policies, the interruption queue fed by EventBridge, and the two charts
 * (CRDs first, then the controller without CRDs).
 */
export class KarpenterController extends pulumi.ComponentResource {
    readonly controllerRoleArn: pulumi.Output<string>;
    readonly nodeRoleName: pulumi.Output<string>;
    readonly queueName: pulumi.Output<string>;
    readonly chartVersion: string;
    /** The CRD and controller releases: NodePools depend on both, so they go first on destroy. */
    readonly releases: pulumi.Resource[];

    constructor(name: string, args: KarpenterControllerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-karpenter:karpenter:KarpenterController", name, {}, opts);
        const names = karpenterNames(args.clusterName);
        const partition = aws.getPartitionOutput({}, { parent: this });
        const region = aws.getRegionOutput({}, { parent: this });
        const identity = aws.getCallerIdentityOutput({}, { parent: this });

        // Nodes: the role Karpenter passes to its instances, admitted to the cluster by an EC2_LINUX access entry.
        const nodeRole = new aws.iam.Role(
            `${name}-node`,
            {
                name: names.nodeRole,
                description: `Nodes Karpenter launches for EKS cluster ${args.clusterName}`,
                assumeRolePolicy: partition.dnsSuffix.apply((dnsSuffix) => JSON.stringify(serviceTrustPolicy("ec2", dnsSuffix))),
            },
            { parent: this },
        );
        for (const policy of NODE_ROLE_MANAGED_POLICIES) {
            new aws.iam.RolePolicyAttachment(
                `${name}-node-${policy}`,
                { role: nodeRole.name, policyArn: partition.partition.apply((p) => awsManagedPolicyArn(p, policy)) },
                { parent: this },
            );
        }
        const nodeAccess = new aws.eks.AccessEntry(
            `${name}-node`,
            { clusterName: args.cluster.clusterName, principalArn: nodeRole.arn, type: "EC2_LINUX" },
            { parent: this },
        );

        // Interruption: the queue and the rules that feed it.
        const queue = new aws.sqs.Queue(
            `${name}-interruption`,
            { name: names.queue, messageRetentionSeconds: QUEUE_RETENTION_SECONDS, sqsManagedSseEnabled: true },
            { parent: this },
        );
        new aws.sqs.QueuePolicy(
            `${name}-interruption`,
            { queueUrl: queue.url, policy: pulumi.all([queue.arn, partition.dnsSuffix]).apply(([arn, dnsSuffix]) => JSON.stringify(interruptionQueuePolicy(arn, dnsSuffix))) },
            { parent: this },
        );
        for (const rule of INTERRUPTION_RULES) {
            const eventRule = new aws.cloudwatch.EventRule(
                `${name}-${rule.name}`,
                {
                    // Explicit: auto-naming adds 8 characters, which EventBridge's 64 cannot hold for long cluster names.
                    name: `${args.clusterName}-${rule.name}`,
                    description: `Karpenter interruption handling for ${args.clusterName}: ${rule.detailType}`,
                    eventPattern: JSON.stringify(eventPattern(rule)),
                },
                { parent: this },
            );
            new aws.cloudwatch.EventTarget(`${name}-${rule.name}`, { rule: eventRule.name, arn: queue.arn, targetId: QUEUE_TARGET_ID }, { parent: this });
        }

        // Controller: a role for EKS Pod Identity with upstream's six policies.
        const controllerRole = new aws.iam.Role(
            `${name}-controller`,
            {
                name: names.controllerRole,
                description: `Karpenter controller of EKS cluster ${args.clusterName}`,
                assumeRolePolicy: partition.dnsSuffix.apply((dnsSuffix) => JSON.stringify(podIdentityTrustPolicy(dnsSuffix))),
            },
            { parent: this },
        );
        const documents = pulumi.all([partition, region, identity, nodeRole.arn]).apply(([part, reg, id, nodeRoleArn]) =>
            controllerPolicyDocuments({
                partition: part.partition,
                dnsSuffix: part.dnsSuffix,
                region: reg.region,
                accountId: id.accountId,
                clusterName: args.clusterName,
                nodeRoleArn,
                queueArn: queueArn(part.partition, reg.region, id.accountId, names.queue),
            }),
        );
        const attachments = CONTROLLER_POLICIES.map((policy) => {
            const managed = new aws.iam.Policy(
                `${name}-${policy}`,
                {
                    name: controllerPolicyName(policy, args.clusterName),
                    description: `Karpenter controller (${policy}) for EKS cluster ${args.clusterName}`,
                    policy: documents.apply((d) => JSON.stringify(d[policy])),
                },
                { parent: this },
            );
            return new aws.iam.RolePolicyAttachment(`${name}-${policy}`, { role: controllerRole.name, policyArn: managed.arn }, { parent: this });
        });
        const podIdentity = new aws.eks.PodIdentityAssociation(
            `${name}-controller`,
            { clusterName: args.cluster.clusterName, namespace: args.namespace, serviceAccount: SERVICE_ACCOUNT, roleArn: controllerRole.arn },
            { parent: this, dependsOn: attachments },
        );

        // Destroy safety net: deleted after both charts (they depend on it), before the cluster and network.
        const cleanup = new KarpenterCleanup(
            `${name}-cleanup`,
            { clusterName: args.clusterName, region: region.region, timeoutSeconds: args.cleanupTimeoutSeconds },
            { parent: this, dependsOn: [args.cluster.systemNodeGroup, ...args.cluster.addons, ...args.cluster.network] },
        );

        // Charts: CRDs in their own release (Helm never upgrades a chart's crds/ directory), then the controller.
        const crds = new k8s.helm.v3.Release(
            `${name}-crd`,
            {
                name: "karpenter-crd",
                chart: `${CHART_REPOSITORY}/karpenter-crd`,
                version: args.version,
                namespace: args.namespace,
                createNamespace: args.namespace !== "kube-system",
            },
            { parent: this, dependsOn: [args.cluster.systemNodeGroup, cleanup] },
        );
        const controller = new k8s.helm.v3.Release(
            `${name}-controller`,
            {
                name: "karpenter",
                chart: `${CHART_REPOSITORY}/karpenter`,
                version: args.version,
                namespace: args.namespace,
                skipCrds: true,
                values: queue.name.apply((queueName) =>
                    controllerHelmValues({
                        clusterName: args.clusterName,
                        queueName,
                        serviceAccountName: SERVICE_ACCOUNT,
                        replicas: args.replicas,
                        resources: args.resources,
                        spotToSpotConsolidation: args.spotToSpotConsolidation,
                        logLevel: args.logLevel,
                        systemNodeLabel: args.cluster.systemNodeLabel,
                        systemNodeTaint: args.cluster.systemNodeTaint,
                    }),
                ),
            },
            { parent: this, dependsOn: [crds, podIdentity, nodeAccess, cleanup, args.cluster.systemNodeGroup, ...args.cluster.addons] },
        );

        this.controllerRoleArn = controllerRole.arn;
        this.nodeRoleName = nodeRole.name;
        this.queueName = queue.name;
        this.chartVersion = args.version;
        this.releases = [crds, controller];
        this.registerOutputs({
            controllerRoleArn: this.controllerRoleArn,
            nodeRoleName: this.nodeRoleName,
            queueName: this.queueName,
            chartVersion: this.chartVersion,
        });
    }
}
