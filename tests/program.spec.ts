import { expect } from "chai";
import { MAX_CLUSTER_NAME_LENGTH, StackConfigError } from "../components/config";
import { ProgramRun, findResource, registeredBeforeFailure, resourcesOfType } from "../offline/engine";
import { runStack } from "./helpers/run";
import { shared } from "./helpers/lazy";

const REQUIRED_TAGS = ["environment", "project", "owner", "managed-by"];

describe("the whole program", () => {
    const runs: Record<string, ProgramRun> = {};
    const build = shared(async () => {
        for (const stack of ["dev", "prod"]) runs[stack] = await runStack(stack);
    });
    beforeEach(async () => {
        await build();
    });

    for (const stack of ["dev", "prod"]) {
        describe(`Pulumi.${stack}.yaml`, () => {
            it("sends every AWS resource, and every component that creates AWS resources, through one provider with the required tags as defaultTags", () => {
                const run = runs[stack];
                const [provider] = resourcesOfType(run, "pulumi:providers:aws");
                const tags = (JSON.parse(provider.inputs.defaultTags as string) as { tags: Record<string, string> }).tags;
                expect(tags).to.include.all.keys(REQUIRED_TAGS);
                expect(tags).to.deep.include({ environment: stack, project: "eks-karpenter", "managed-by": "pulumi" });
                expect(provider.inputs.region).to.equal("us-west-2");
                const awsResources = run.resources.filter((r) => r.custom && r.type.startsWith("aws:"));
                expect(awsResources).to.not.be.empty;
                for (const r of awsResources) expect(r.provider?.startsWith(`${provider.urn}::`), `${r.type} ${r.name} uses ${r.provider}`).to.equal(true);
                for (const r of run.resources.filter((r) => r.remote)) expect(r.providers.aws?.startsWith(`${provider.urn}::`), `${r.type} ${r.name}`).to.equal(true);
            });

            it("exports the cluster, network and Karpenter outputs", () => {
                const outputs = runs[stack].outputs;
                expect(outputs).to.have.all.keys(
                    "clusterName",
                    "clusterEndpoint",
                    "kubeconfig",
                    "oidcProviderArn",
                    "vpcId",
                    "privateSubnetIds",
                    "publicSubnetIds",
                    "karpenterControllerRoleArn",
                    "karpenterNodeRoleName",
                    "karpenterQueueName",
                    "karpenterChartVersion",
                    "nodePools",
                    "addonVersions",
                    "kubeconfigCommand",
                );
                expect(outputs.karpenterQueueName).to.equal(`eks-karpenter-${stack}`);
                expect(outputs.karpenterChartVersion).to.equal("1.14.1");
                expect(outputs.karpenterControllerRoleArn).to.equal(`arn:aws:iam::123456789012:role/eks-karpenter-${stack}-karpenter`);
                expect(outputs.clusterName).to.equal(`eks-karpenter-${stack}`);
                expect(outputs.oidcProviderArn).to.match(/^arn:aws:iam::123456789012:oidc-provider\/oidc\.eks\.us-west-2\.amazonaws\.com\/id\/[0-9A-F]{32}$/);
                expect(outputs.vpcId).to.match(/^vpc-/);
            });

            it("parents every resource under a component of this project", () => {
                // Children of remote components (modelled) are parented by those components, as in a real preview.
                for (const r of runs[stack].resources.filter((r) => !r.modelled && !r.type.startsWith("eks-karpenter:") && r.type !== "pulumi:providers:aws")) {
                    expect(r.parent, `${r.type} ${r.name}`).to.match(/eks-karpenter:[a-zA-Z]+:[A-Za-z]+::/);
                }
            });
        });
    }

    it("keeps dev cheap: two AZs, one NAT gateway, one t3.medium system node", () => {
        const vpc = findResource(runs.dev, "awsx:ec2:Vpc", "eks-karpenter-dev-vpc");
        expect(vpc.inputs).to.deep.include({ numberOfAvailabilityZones: 2, natGateways: { strategy: "Single" } });
        const ng = findResource(runs.dev, "aws:eks/nodeGroup:NodeGroup", "eks-karpenter-dev-system");
        expect(ng.inputs).to.deep.include({ instanceTypes: ["t3.medium"], scalingConfig: { minSize: 1, desiredSize: 1, maxSize: 2 } });
    });

    it("makes prod resilient: three AZs with a NAT gateway each, at least two system nodes, a protected cluster", () => {
        const vpc = findResource(runs.prod, "awsx:ec2:Vpc", "eks-karpenter-prod-vpc");
        expect(vpc.inputs).to.deep.include({ numberOfAvailabilityZones: 3, natGateways: { strategy: "OnePerAz" } });
        const ng = findResource(runs.prod, "aws:eks/nodeGroup:NodeGroup", "eks-karpenter-prod-system");
        expect((ng.inputs.scalingConfig as { minSize: number }).minSize).to.be.at.least(2);
        const eks = findResource(runs.prod, "eks:index:Cluster", "eks-karpenter-prod-eks");
        // The public endpoint ships open: no restricted value works for every deployer (Pulumi.prod.yaml says how to
        // restrict it; the prod policy pack reports it until then).
        expect(eks.options.protect).to.equal(true);
    });

    it("fits every physical name AWS limits (IAM 64, EventBridge 64, SQS 80, ...) for the longest cluster name allowed", async () => {
        // The offline cloud refuses any name over its limit, the modelled children of the EKS cluster included.
        const name = "c".repeat(MAX_CLUSTER_NAME_LENGTH);
        const run = await runStack("prod", { clusterName: name });
        expect(findResource(run, "aws:cloudwatch/eventRule:EventRule", `${name}-karpenter-capacity-interruption`).state.name).to.have.length.at.most(64);
        expect(findResource(run, "aws:iam/role:Role", `${name}-cluster-role`).state.name).to.have.length.at.most(64);
    });

    it("registers nothing when the config is bad, and says what is wrong", async () => {
        let error: unknown;
        try {
            await runStack("dev", { availabilityZoneCount: "7", systemNodeGroup: { maxSize: 0 } });
        } catch (e) {
            error = e;
        }
        expect(error).to.be.instanceOf(StackConfigError);
        expect((error as StackConfigError).problems).to.deep.equal([
            'eks-karpenter:availabilityZoneCount: got "7"; expected an integer from 2 to 4.',
            "eks-karpenter:systemNodeGroup.maxSize: got 0; expected an integer from 1 to 100.",
        ]);
        expect(registeredBeforeFailure(error)).to.deep.equal([]);
    });
});
