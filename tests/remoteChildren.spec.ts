import { createHash } from "node:crypto";
import { expect } from "chai";
import * as eks from "@pulumi/eks";
import { MAX_CLUSTER_NAME_LENGTH } from "../components/config";
import { ProgramRun, RecordedResource, runProgram } from "../offline/engine";
import { failure, runStack, withAwsProvider } from "./helpers/run";
import { problemsOf, rawConfig } from "./helpers/scenario";
import { shared } from "./helpers/lazy";

/**
 * The children of the remote components, modelled from pulumi-eks v4.3.0 (nodejs/eks/cluster/cluster.ts,
 * servicerole.ts, addons/cni-addon.ts) and pulumi-awsx ec2/vpc.ts. Expectations come from those files, not
 * from the model.
 */

const childrenOf = (run: ProgramRun, component: RecordedResource) => run.resources.filter((r) => r.urn.startsWith(`${component.urn.split("::").slice(0, 3).join("::")}$`) && r.modelled);
const names = (rs: RecordedResource[]) => rs.map((r) => `${r.type} ${r.name}`).sort();

describe("children of the remote components", () => {
    let dev: ProgramRun;
    let prod: ProgramRun;
    const build = shared(async () => ({ dev: await runStack("dev"), prod: await runStack("prod") }));
    beforeEach(async () => {
        ({ dev, prod } = await build());
    });

    it("lists what pulumi-eks creates for these inputs: cluster, kube-proxy, vpc-cni, OIDC provider (the service role is the stack's; access entries: access.spec.ts)", () => {
        const cluster = dev.resources.find((r) => r.type === "eks:index:Cluster")!;
        const n = cluster.name;
        expect(names(childrenOf(dev, cluster))).to.deep.equal(
            [
                `aws:eks/cluster:Cluster ${n}-eksCluster`,
                `aws:eks/addon:Addon ${n}-kube-proxy`,
                `pulumi:providers:kubernetes ${n}-eks-k8s`,
                `eks:index:VpcCniAddon ${n}-vpc-cni`,
                `aws:eks/addon:Addon ${n}-vpc-cni`,
                `aws:iam/openIdConnectProvider:OpenIdConnectProvider ${n}-oidcProvider`,
            ].sort(),
        );
        expect(dev.resources.find((r) => r.type === "aws:eks/cluster:Cluster")!.state.name).to.equal("eks-karpenter-dev");
    });

    it("models pulumi-eks's own service role when none is given: auto-named, one attachment per managed policy", async () => {
        const run = await runProgram(rawConfig("dev"), {
            program: () => {
                new eks.Cluster("c-eks", { name: "c", authenticationMode: eks.AuthenticationMode.Api, skipDefaultNodeGroup: true, skipDefaultSecurityGroups: true, corednsAddonOptions: { enabled: false } }, withAwsProvider());
                return {};
            },
        });
        // servicerole.ts: `${name}-${sha1(policy id).substring(0, 8)}`, the id being the aws-partition ARN.
        const attachment = createHash("sha1").update("arn:aws:iam::aws:policy/AmazonEKSClusterPolicy").digest("hex").substring(0, 8);
        expect(names(run.resources.filter((r) => r.modelled && r.name.startsWith("c-eks-eksRole")))).to.deep.equal(
            ["eks:index:ServiceRole c-eks-eksRole", "aws:iam/role:Role c-eks-eksRole-role", `aws:iam/rolePolicyAttachment:RolePolicyAttachment c-eks-eksRole-${attachment}`].sort(),
        );
        // Pulumi's auto-name: the logical name, "-" and 7 hex characters.
        expect(run.resources.find((r) => r.name === "c-eks-eksRole-role")!.state.name).to.match(/^c-eks-eksRole-role-[0-9a-f]{7}$/);
    });

    it("lists what awsx creates: VPC, internet gateway, a public and a private subnet per AZ with route tables, NAT gateways by strategy", () => {
        const count = (run: ProgramRun, type: string) => run.resources.filter((r) => r.modelled && r.type === type).length;
        // dev: 2 AZs, single NAT gateway; prod: 3 AZs, one per AZ.
        for (const [run, azs, nats] of [[dev, 2, 1], [prod, 3, 3]] as const) {
            expect(count(run, "aws:ec2/vpc:Vpc")).to.equal(1);
            expect(count(run, "aws:ec2/internetGateway:InternetGateway")).to.equal(1);
            expect(count(run, "aws:ec2/subnet:Subnet")).to.equal(2 * azs);
            expect(count(run, "aws:ec2/routeTable:RouteTable")).to.equal(2 * azs);
            expect(count(run, "aws:ec2/route:Route")).to.equal(2 * azs);
            expect(count(run, "aws:ec2/natGateway:NatGateway")).to.equal(nats);
            expect(count(run, "aws:ec2/eip:Eip")).to.equal(nats);
        }
        const vpc = dev.resources.find((r) => r.type === "awsx:ec2:Vpc")!;
        expect(dev.resources.find((r) => r.modelled && r.name === `${vpc.name}-private-2` && r.type === "aws:ec2/subnet:Subnet")).to.not.equal(undefined);
    });

    it("gives the children the stack's AWS provider, as the component passes it on", () => {
        const provider = dev.resources.find((r) => r.type === "pulumi:providers:aws")!;
        for (const r of dev.resources.filter((r) => r.modelled && r.custom && r.type.startsWith("aws:"))) {
            expect(r.provider?.startsWith(`${provider.urn}::`), `${r.type} ${r.name}`).to.equal(true);
        }
    });

    it("fails the plan when a child's physical name is over AWS's limit: a 40-character cluster name makes the eksRole role 65 characters", async () => {
        const name = "c".repeat(40);
        const message = await failure(
            runProgram(rawConfig("dev"), {
                program: () => {
                    new eks.Cluster(`${name}-eks`, { name, authenticationMode: eks.AuthenticationMode.Api, skipDefaultNodeGroup: true, skipDefaultSecurityGroups: true, corednsAddonOptions: { enabled: false } }, withAwsProvider());
                    return {};
                },
            }),
        );
        expect(message).to.include(`aws:iam/role:Role ${name}-eks-eksRole-role: name "${name}-eks-eksRole-role-`);
        expect(message).to.include("has 65 characters; AWS allows 64");
    });

    it("so the stack gives pulumi-eks its own service role, and the longest cluster name the config allows fits every child", async () => {
        const name = "c".repeat(MAX_CLUSTER_NAME_LENGTH);
        const run = await runStack("dev", { clusterName: name });
        const eksCluster = run.resources.find((r) => r.type === "eks:index:Cluster")!;
        expect(run.resources.filter((r) => r.type === "eks:index:ServiceRole")).to.deep.equal([]);
        const role = run.resources.find((r) => r.type === "aws:iam/role:Role" && r.name === `${name}-cluster-role`)!;
        expect(String(role.state.name).length).to.be.at.most(64);
        expect(JSON.parse(String(role.inputs.assumeRolePolicy)).Statement[0]).to.deep.include({ Principal: { Service: "eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] });
        expect(eksCluster.dependencies).to.include(run.resources.find((r) => r.name === `${name}-cluster-role-AmazonEKSClusterPolicy`)!.urn);
        expect(problemsOf("dev", { clusterName: "c".repeat(MAX_CLUSTER_NAME_LENGTH + 1) })).to.deep.equal([
            `eks-karpenter:clusterName: got "${"c".repeat(MAX_CLUSTER_NAME_LENGTH + 1)}"; expected an EKS cluster name: letters, digits, hyphens and underscores, starting with a letter or digit, at most 40 characters (names of IAM roles derive from it).`,
        ]);
    });

    it("fails on an option the model does not cover instead of listing children a real preview would not create", async () => {
        const message = await failure(
            runProgram(rawConfig("dev"), {
                program: () => {
                    new eks.Cluster("c-eks", { name: "c", skipDefaultNodeGroup: true, skipDefaultSecurityGroups: true, authenticationMode: eks.AuthenticationMode.Api, fargate: true }, withAwsProvider());
                    return {};
                },
            }),
        );
        expect(message).to.include("eks:index:Cluster: fargate = true is not covered by offline/remoteChildren.ts");
    });
});
