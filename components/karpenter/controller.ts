import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { IamConfig } from "../config";
import { NODE_ROLE_MANAGED_POLICIES, awsManagedPolicyArn, iamArn, roleSettings, serviceTrustPolicy } from "../iam";
import { KarpenterConfig } from "./config";
import { KarpenterCleanup } from "./cleanup";
import { CONTROLLER_POLICIES, controllerPolicyDocuments, controllerPolicyName, irsaTrustPolicy, podIdentityTrustPolicy } from "./controllerPolicy";
import { ControllerPlacement, controllerHelmValues } from "./helmValues";
import { INTERRUPTION_RULES, QUEUE_RETENTION_SECONDS, QUEUE_TARGET_ID, eventPattern, interruptionQueuePolicy, queueArn } from "./interruption";

/** Where the charts come from: the public ECR registry upstream publishes to. */
export const CHART_REPOSITORY = "oci://public.ecr.aws/karpenter";
/** Service account of the controller; the Pod Identity association and the chart must agree on it. */
export const SERVICE_ACCOUNT = "karpenter";

/** What the controller needs of the cluster (the Cluster component, or an existing cluster, provides it). */
export interface ClusterRef {
    /** The cluster's name as an output, so that everything here waits for the cluster. */
    clusterName: pulumi.Output<string>;
    oidcProviderArn: pulumi.Output<string>;
    oidcProviderUrl: pulumi.Output<string>;
    /**
     * What must exist before Karpenter is installed and outlive it on destroy: the nodes the controller runs on,
     * CoreDNS and the Pod Identity agent.
     */
    dependencies: pulumi.Resource[];
    /** Where the controller runs. */
    controllerPlacement: ControllerPlacement;
    /** The network (VPC or subnet tags): the cleanup sweep runs before it is deleted. */
    network: pulumi.Resource[];
}

export interface KarpenterControllerArgs extends KarpenterConfig {
    /** Plain cluster name: IAM names, the queue name and policy conditions derive from it. */
    clusterName: string;
    cluster: ClusterRef;
    /** Path and permissions boundary of the roles and policies. */
    iam: IamConfig;
}

/** Upstream's FlowSchemas (getting-started step15): the controller's leader election and its API calls keep priority. */
export function flowSchemas(namespace: string, serviceAccount: string) {
    const subjects = [{ kind: "ServiceAccount", serviceAccount: { name: serviceAccount, namespace } }];
    return [
        {
            apiVersion: "flowcontrol.apiserver.k8s.io/v1",
            kind: "FlowSchema",
            metadata: { name: "karpenter-leader-election" },
            spec: {
                distinguisherMethod: { type: "ByUser" },
                matchingPrecedence: 200,
                priorityLevelConfiguration: { name: "leader-election" },
                rules: [{ resourceRules: [{ apiGroups: ["coordination.k8s.io"], namespaces: ["*"], resources: ["leases"], verbs: ["get", "create", "update"] }], subjects }],
            },
        },
        {
            apiVersion: "flowcontrol.apiserver.k8s.io/v1",
            kind: "FlowSchema",
            metadata: { name: "karpenter-workload" },
            spec: {
                distinguisherMethod: { type: "ByUser" },
                matchingPrecedence: 1000,
                priorityLevelConfiguration: { name: "workload-high" },
                rules: [
                    {
                        nonResourceRules: [{ nonResourceURLs: ["*"], verbs: ["*"] }],
                        resourceRules: [{ apiGroups: ["*"], clusterScope: true, namespaces: ["*"], resources: ["*"], verbs: ["*"] }],
                        subjects,
                    },
                ],
            },
        },
    ];
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
        // Resources with a fixed physical name: a replacement (e.g. a new IAM path) must delete the old one first,
        // or AWS refuses the new one (EntityAlreadyExists). The provider infers this only from state it may lack.
        const fixedName: pulumi.CustomResourceOptions = { parent: this, deleteBeforeReplace: true };
        // ARNs built from the names (known at a first preview, unlike the providers' `arn` outputs), so the documents,
        // references and chart values that carry them are known and every policy of the pack can check them.
        const arnOf = (kind: "role" | "policy", resourceName: pulumi.Output<string>) =>
            pulumi.all([partition.partition, identity.accountId, resourceName]).apply(([p, accountId, n]) => iamArn(p, accountId, kind, args.iam.path, n));

        // Nodes: the role Karpenter passes to its instances, admitted to the cluster by an EC2_LINUX access entry.
        const nodeRole = new aws.iam.Role(
            `${name}-node`,
            {
                name: names.nodeRole,
                ...roleSettings(args.iam),
                description: `Nodes Karpenter launches for EKS cluster ${args.clusterName}`,
                assumeRolePolicy: partition.dnsSuffix.apply((dnsSuffix) => JSON.stringify(serviceTrustPolicy("ec2", dnsSuffix))),
            },
            fixedName,
        );
        const nodeRoleArn = arnOf("role", nodeRole.name);
        for (const policy of NODE_ROLE_MANAGED_POLICIES) {
            new aws.iam.RolePolicyAttachment(
                `${name}-node-${policy}`,
                { role: nodeRole.name, policyArn: partition.partition.apply((p) => awsManagedPolicyArn(p, policy)) },
                { parent: this },
            );
        }
        const nodeAccess = new aws.eks.AccessEntry(
            `${name}-node`,
            { clusterName: args.cluster.clusterName, principalArn: nodeRoleArn, type: "EC2_LINUX" },
            { parent: this },
        );

        // Destroy safety net: deleted after both charts (they depend on it), before the system nodes, the cluster and
        // the network; and before the node role, which Karpenter's instance profiles hold while they exist.
        const cleanup = new KarpenterCleanup(
            `${name}-cleanup`,
            { clusterName: args.clusterName, region: region.region, timeoutSeconds: args.cleanupTimeoutSeconds, step: "karpenter" },
            { parent: this, dependsOn: [...args.cluster.dependencies, ...args.cluster.network, nodeRole] },
        );

        // Interruption: the queue and the rules that feed it.
        const queue = new aws.sqs.Queue(
            `${name}-interruption`,
            { name: names.queue, messageRetentionSeconds: QUEUE_RETENTION_SECONDS, sqsManagedSseEnabled: true },
            fixedName,
        );
        const queueArnKnown = pulumi.all([partition.partition, region.region, identity.accountId, queue.name]).apply(([p, r, accountId, n]) => queueArn(p, r, accountId, n));
        new aws.sqs.QueuePolicy(
            `${name}-interruption`,
            { queueUrl: queue.url, policy: queueArnKnown.apply((arn) => JSON.stringify(interruptionQueuePolicy(arn))) },
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
                fixedName,
            );
            new aws.cloudwatch.EventTarget(`${name}-${rule.name}`, { rule: eventRule.name, arn: queueArnKnown, targetId: QUEUE_TARGET_ID }, { parent: this });
        }

        // Controller: a role for EKS Pod Identity with upstream's six policies.
        const controllerRole = new aws.iam.Role(
            `${name}-controller`,
            {
                name: names.controllerRole,
                ...roleSettings(args.iam),
                description: `Karpenter controller of EKS cluster ${args.clusterName}`,
                assumeRolePolicy:
                    args.auth === "irsa"
                        ? pulumi
                              .all([args.cluster.oidcProviderArn, args.cluster.oidcProviderUrl])
                              .apply(([arn, url]) => JSON.stringify(irsaTrustPolicy(arn, url, args.namespace, SERVICE_ACCOUNT)))
                        : partition.dnsSuffix.apply((dnsSuffix) => JSON.stringify(podIdentityTrustPolicy(dnsSuffix))),
            },
            fixedName,
        );
        const controllerRoleArn = arnOf("role", controllerRole.name);
        const documents = pulumi.all([partition, region, identity, nodeRoleArn]).apply(([part, reg, id, nodeRoleArn]) =>
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
                    path: args.iam.path,
                    description: `Karpenter controller (${policy}) for EKS cluster ${args.clusterName}`,
                    policy: documents.apply((d) => JSON.stringify(d[policy])),
                },
                fixedName,
            );
            return new aws.iam.RolePolicyAttachment(`${name}-${policy}`, { role: controllerRole.name, policyArn: arnOf("policy", managed.name) }, { parent: this });
        });
        // Pod Identity: an association; IRSA: the role ARN on the service account (below) and the OIDC trust above.
        const credentials: pulumi.Resource[] =
            args.auth === "podIdentity"
                ? [
                      new aws.eks.PodIdentityAssociation(
                          `${name}-controller`,
                          { clusterName: args.cluster.clusterName, namespace: args.namespace, serviceAccount: SERVICE_ACCOUNT, roleArn: controllerRoleArn },
                          { parent: this, dependsOn: attachments },
                      ),
                  ]
                : attachments;

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
            { parent: this, dependsOn: [...args.cluster.dependencies, cleanup] },
        );
        const controller = new k8s.helm.v3.Release(
            `${name}-controller`,
            {
                name: "karpenter",
                chart: `${CHART_REPOSITORY}/karpenter`,
                version: args.version,
                namespace: args.namespace,
                skipCrds: true,
                values: pulumi.all([queue.name, controllerRoleArn]).apply(([queueName, roleArn]) =>
                    controllerHelmValues({
                        clusterName: args.clusterName,
                        queueName,
                        serviceAccountName: SERVICE_ACCOUNT,
                        serviceAccountAnnotations: args.auth === "irsa" ? { "eks.amazonaws.com/role-arn": roleArn } : {},
                        replicas: args.replicas,
                        resources: args.resources,
                        spotToSpotConsolidation: args.spotToSpotConsolidation,
                        logLevel: args.logLevel,
                        serviceMonitor: args.serviceMonitor,
                        placement: args.cluster.controllerPlacement,
                    }),
                ),
            },
            { parent: this, dependsOn: [crds, ...credentials, nodeAccess, cleanup, ...args.cluster.dependencies] },
        );
        if (args.flowSchemas) {
            for (const schema of flowSchemas(args.namespace, SERVICE_ACCOUNT)) {
                new k8s.apiextensions.CustomResource(`${name}-${schema.metadata.name}`, schema, { parent: this, dependsOn: [controller] });
            }
        }

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
