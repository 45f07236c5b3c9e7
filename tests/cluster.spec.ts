import { expect } from "chai";
import { Cluster, adminAccessEntries } from "../components/cluster";
import { parseStackConfig } from "../components/config";
import * as pulumi from "@pulumi/pulumi";
import { ProgramRun, findResource, resourcesOfType, runProgram } from "../offline/engine";
import { byUrn, jsonInput, runStack, withAwsProvider } from "./helpers/run";
import { rawConfig } from "./helpers/scenario";
import { shared } from "./helpers/lazy";

/** Runs the Cluster component alone, with the cluster settings of a stack file. */
async function runCluster(stack: string, overrides: Record<string, unknown> = {}): Promise<ProgramRun> {
    const raw = rawConfig(stack, overrides);
    const config = parseStackConfig(raw);
    return runProgram(raw, {
        program: () => {
            const cluster = new Cluster("c", {
                clusterName: "demo",
                tags: { owner: "team", environment: "dev" },
                iam: config.iam,
                ...config.cluster,
                vpcId: "vpc-0123456789abcdef0",
                privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"],
                publicSubnetIds: ["subnet-0cccccccccccccccc"],
                cleanupTimeoutSeconds: config.karpenter.cleanupTimeoutSeconds,
            }, withAwsProvider());
            return { kubeconfig: cluster.kubeconfig, isSecret: pulumi.isSecret(cluster.kubeconfig), securityGroup: cluster.clusterSecurityGroupId };
        },
    });
}

describe("Cluster", () => {
    let dev: ProgramRun;
    const build = shared(() => runCluster("dev", { adminPrincipalArns: ["arn:aws:iam::123456789012:role/platform-admin"] }));
    beforeEach(async () => {
        dev = await build();
    });

    it("asks pulumi-eks for an API-authenticated cluster with no default node group, OIDC, logging and KMS-encrypted secrets", () => {
        const eks = findResource(dev, "eks:index:Cluster", "c-eks");
        const key = findResource(dev, "aws:kms/key:Key", "c-secrets");
        expect(eks.remote).to.equal(true);
        expect(eks.inputs).to.deep.include({
            name: "demo",
            version: "1.36",
            authenticationMode: "API",
            skipDefaultNodeGroup: true,
            createOidcProvider: true,
            enabledClusterLogTypes: ["api", "audit", "authenticator"],
            encryptionConfigKeyArn: key.state.arn,
            endpointPrivateAccess: true,
            endpointPublicAccess: true,
            publicAccessCidrs: ["0.0.0.0/0"],
            vpcId: "vpc-0123456789abcdef0",
            privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"],
        });
        expect(key.inputs).to.deep.include({ enableKeyRotation: true, deletionWindowInDays: 7 });
    });

    it("grants admins cluster access through access entries, in the partition of their ARN", () => {
        expect(findResource(dev, "eks:index:Cluster", "c-eks").inputs.accessEntries).to.deep.equal({
            "admin-123456789012-role-platform-admin": {
                principalArn: "arn:aws:iam::123456789012:role/platform-admin",
                accessPolicies: { admin: { policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", accessScope: { type: "cluster" } } },
            },
        });
        expect(adminAccessEntries(["arn:aws-us-gov:iam::123456789012:user/ops"])["admin-123456789012-user-ops"].accessPolicies!.admin).to.deep.include({
            policyArn: "arn:aws-us-gov:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
        });
    });

    it("creates the control-plane log group first, so EKS logs with a retention instead of forever", () => {
        const logs = findResource(dev, "aws:cloudwatch/logGroup:LogGroup", "c-control-plane-logs");
        expect(logs.inputs).to.deep.equal({ name: "/aws/eks/demo/cluster", retentionInDays: 7 });
        expect(findResource(dev, "eks:index:Cluster", "c-eks").dependencies).to.include(logs.urn);
    });

    it("runs a system node group tainted for critical add-ons in the private subnets, with a node role EC2 can assume", () => {
        const ng = findResource(dev, "aws:eks/nodeGroup:NodeGroup", "c-system");
        expect(ng.inputs).to.deep.include({
            instanceTypes: ["t3.medium"],
            capacityType: "ON_DEMAND",
            scalingConfig: { minSize: 1, desiredSize: 1, maxSize: 2 },
            subnetIds: ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"],
            clusterName: "demo",
            amiType: "AL2023_x86_64_STANDARD",
        });
        expect(ng.inputs.taints).to.deep.equal([{ key: "CriticalAddonsOnly", value: "true", effect: "NO_SCHEDULE" }]);
        expect(ng.inputs.labels).to.deep.equal({ "eks-karpenter/node-group": "system" });
        const role = findResource(dev, "aws:iam/role:Role", "c-system-node");
        expect(ng.inputs.nodeRoleArn).to.equal(role.state.arn);
        expect(jsonInput(role, "assumeRolePolicy")).to.deep.equal({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
        });
        const nodeAttachments = resourcesOfType(dev, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => a.inputs.role === role.state.name);
        expect(nodeAttachments.map((a) => a.inputs.policyArn)).to.have.members([
            "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
            "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
            "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
            "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        ]);
        for (const a of nodeAttachments) expect(ng.dependencies).to.include(a.urn);
    });

    it("tags what the system node group launches through a launch template that also requires IMDSv2 and encrypts the root volume", () => {
        const lt = findResource(dev, "aws:ec2/launchTemplate:LaunchTemplate", "c-system");
        expect(lt.inputs.tagSpecifications).to.deep.equal(
            ["instance", "volume", "network-interface"].map((resourceType) => ({ resourceType, tags: { owner: "team", environment: "dev" } })),
        );
        expect(lt.inputs.metadataOptions).to.deep.include({ httpTokens: "required" });
        expect(lt.inputs.blockDeviceMappings).to.deep.equal([{ deviceName: "/dev/xvda", ebs: { volumeSize: 20, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" } }]);
        const ng = findResource(dev, "aws:eks/nodeGroup:NodeGroup", "c-system");
        expect(ng.inputs.launchTemplate).to.deep.equal({ id: lt.id, version: "1" });
        expect(ng.inputs).to.not.have.property("diskSize");
    });

    it("keeps CoreDNS on the system nodes, where Karpenter never consolidates", () => {
        const coredns = findResource(dev, "aws:eks/addon:Addon", "c-coredns");
        expect(JSON.parse(coredns.inputs.configurationValues as string)).to.deep.equal({
            nodeSelector: { "eks-karpenter/node-group": "system" },
            tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists", effect: "NoSchedule" }],
        });
        const ng = findResource(dev, "aws:eks/nodeGroup:NodeGroup", "c-system");
        expect(ng.inputs.labels).to.deep.include({ "eks-karpenter/node-group": "system" });
    });

    it("installs the Pod Identity agent and CoreDNS as managed add-ons after the system nodes exist", () => {
        const ng = findResource(dev, "aws:eks/nodeGroup:NodeGroup", "c-system");
        for (const addonName of ["eks-pod-identity-agent", "coredns"]) {
            const addon = findResource(dev, "aws:eks/addon:Addon", `c-${addonName}`);
            expect(addon.inputs).to.deep.include({ addonName, clusterName: "demo" });
            expect(addon.dependencies).to.include(ng.urn);
        }
    });

    it("tags the EKS cluster security group for Karpenter discovery", () => {
        const tag = findResource(dev, "aws:ec2/tag:Tag", "c-cluster-sg-discovery");
        expect(tag.inputs).to.deep.equal({ resourceId: dev.outputs.securityGroup, key: "karpenter.sh/discovery", value: "demo" });
        expect(dev.outputs.securityGroup).to.match(/^sg-[0-9a-f]{17}$/);
    });

    it("keeps the kubeconfig secret and builds the Kubernetes provider from it", () => {
        expect(dev.outputs.isSecret).to.equal(true);
        const provider = findResource(dev, "pulumi:providers:kubernetes", "c-k8s");
        expect(provider.secretInputs).to.deep.equal(["kubeconfig"]);
        expect(JSON.parse(provider.inputs.kubeconfig as string).clusters[0].cluster.server).to.match(/^https:\/\/.*\.eks\.amazonaws\.com$/);
        expect(byUrn(dev, provider.parent!).type).to.equal("eks-karpenter:cluster:Cluster");
    });

    it("turns the public endpoint off when no public CIDR is allowed", async () => {
        const run = await runCluster("dev", { endpointPublicAccessCidrs: [] });
        expect(findResource(run, "eks:index:Cluster", "c-eks").inputs).to.deep.include({ endpointPublicAccess: false, endpointPrivateAccess: true });
        expect(findResource(run, "eks:index:Cluster", "c-eks").inputs).to.not.have.property("publicAccessCidrs");
    });

    it("gives prod a system node group of at least two nodes in the private subnets of all three AZs", async () => {
        const prod = await runStack("prod");
        const ng = findResource(prod, "aws:eks/nodeGroup:NodeGroup", "eks-karpenter-prod-system");
        expect((ng.inputs.scalingConfig as { minSize: number }).minSize).to.be.at.least(2);
        expect(ng.inputs.subnetIds).to.deep.equal(prod.outputs.privateSubnetIds);
        expect(prod.outputs.privateSubnetIds as string[]).to.have.length(3);
        expect(findResource(prod, "eks:index:Cluster", "eks-karpenter-prod-eks").inputs.enabledClusterLogTypes).to.include.members(["api", "audit", "authenticator"]);
    });
});
