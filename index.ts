import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Cluster } from "./components/cluster";
import { loadStackConfig } from "./components/config";
import { Network } from "./components/network";

// Parse and validate all config before anything is registered: a bad key stops the run with one message.
const config = loadStackConfig();

// Every AWS resource of the stack goes through this provider, so every taggable one carries the required tags.
const awsProvider = new aws.Provider("aws", { region: config.region as aws.Region, defaultTags: { tags: config.tags } });
const opts: pulumi.ComponentResourceOptions = { providers: { aws: awsProvider } };

const network = new Network(
    config.clusterName,
    { clusterName: config.clusterName, ...config.network },
    opts,
);

const cluster = new Cluster(
    config.clusterName,
    {
        clusterName: config.clusterName,
        ...config.cluster,
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        publicSubnetIds: network.publicSubnetIds,
    },
    opts,
);

export const clusterName = cluster.clusterName;
export const clusterEndpoint = cluster.endpoint;
export const kubeconfig = cluster.kubeconfig;
export const oidcProviderArn = cluster.oidcProviderArn;
export const vpcId = network.vpcId;
export const privateSubnetIds = network.privateSubnetIds;
export const publicSubnetIds = network.publicSubnetIds;
