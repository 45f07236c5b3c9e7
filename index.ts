import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Cluster } from "./components/cluster";
import { StackConfigError, loadStackConfig } from "./components/config";
import { DemoWorkload } from "./components/demoWorkload";
import { ExistingCluster } from "./components/existingCluster";
import { KarpenterController } from "./components/karpenter/controller";
import { Network } from "./components/network";
import { NodePools } from "./components/nodePools/nodePools";
import { stackWarnings } from "./components/nodePools/advice";
import { nodePoolSchemaProblems } from "./components/nodePools/schemas";

// Pulumi awaits an exported async function and takes its result as the stack outputs. The Karpenter schemas are
// ES modules, so the whole config, schemas included, is validated here before the first resource is registered.
export = async () => {
    const config = loadStackConfig();
    const schemaProblems = await nodePoolSchemaProblems(config);
    if (schemaProblems.length > 0) throw new StackConfigError(config.stack, schemaProblems);
    for (const warning of stackWarnings(config)) pulumi.log.warn(warning);

    // Every AWS resource goes through this provider, so every taggable one carries the required tags.
    const awsProvider = new aws.Provider("aws", { region: config.region as aws.Region, defaultTags: { tags: config.tags } });
    const opts: pulumi.ComponentResourceOptions = { providers: { aws: awsProvider } };

    // Either the whole cluster is created here, or Karpenter is installed into an existing one (Cluster Autoscaler
    // migration): then only Karpenter's discovery tags are added to the existing subnets and security group.
    const existing = config.existingCluster;
    const network = new Network(
        config.clusterName,
        existing
            ? { clusterName: config.clusterName, ...config.network, existingVpc: { ...existing, addLoadBalancerTags: false } }
            : {
                  clusterName: config.clusterName,
                  ...config.network,
                  flowLogs: config.network.vpcFlowLogs ? { retentionInDays: config.network.vpcFlowLogRetentionDays, iam: config.iam } : undefined,
              },
        opts,
    );
    const cluster = existing
        ? new ExistingCluster(
              config.clusterName,
              {
                  clusterName: config.clusterName,
                  securityGroupId: existing.securityGroupId,
                  controllerPlacement: { nodeSelector: existing.controllerNodeSelector, tolerations: existing.controllerTolerations.map((key) => ({ key, operator: "Exists" as const })) },
              },
              opts,
          )
        : new Cluster(
              config.clusterName,
              { clusterName: config.clusterName, tags: config.tags, iam: config.iam, ...config.cluster, cleanupTimeoutSeconds: config.karpenter.cleanupTimeoutSeconds,
                vpcId: network.vpcId, privateSubnetIds: network.privateSubnetIds, publicSubnetIds: network.publicSubnetIds },
              opts,
          );
    const k8sOpts: pulumi.ComponentResourceOptions = { providers: { aws: awsProvider, kubernetes: cluster.kubernetesProvider } };
    const clusterRef = {
        clusterName: cluster.clusterName,
        oidcProviderArn: cluster.oidcProviderArn,
        oidcProviderUrl: cluster.oidcProviderUrl,
        dependencies: cluster.dependencies,
        controllerPlacement: cluster.controllerPlacement,
        network: network.resources,
    };
    const karpenter = new KarpenterController(
        `${config.clusterName}-karpenter`,
        { clusterName: config.clusterName, cluster: clusterRef, iam: config.iam, ...config.karpenter },
        k8sOpts,
    );
    const nodePools = new NodePools(
        `${config.clusterName}-pools`,
        { clusterName: config.clusterName, nodeRoleName: karpenter.nodeRoleName, pools: config.nodePools, tags: config.tags, dependsOn: karpenter.releases },
        k8sOpts,
    );
    if (config.demoWorkload.enabled) new DemoWorkload(`${config.clusterName}-demo`, { ...config.demoWorkload, dependsOn: [nodePools] }, k8sOpts);

    return {
        clusterName: cluster.clusterName,
        clusterEndpoint: cluster.endpoint,
        kubeconfig: cluster.kubeconfig,
        oidcProviderArn: cluster.oidcProviderArn,
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        publicSubnetIds: network.publicSubnetIds,
        karpenterControllerRoleArn: karpenter.controllerRoleArn,
        karpenterNodeRoleName: karpenter.nodeRoleName,
        karpenterQueueName: karpenter.queueName,
        karpenterChartVersion: karpenter.chartVersion,
        nodePools: nodePools.names,
        // The EKS add-on versions in use (pin them with the addonVersions config key).
        ...(cluster instanceof Cluster ? { addonVersions: cluster.addonVersions } : {}),
        kubeconfigCommand: pulumi.interpolate`aws eks update-kubeconfig --region ${config.region} --name ${cluster.clusterName}`,
    };
};
