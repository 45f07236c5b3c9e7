import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { KarpenterChartValues } from "../components/karpenter/helmValues";
import { ProgramRun, findResource, resourcesOfType, runProgram } from "../offline/engine";
import { planStack } from "../offline/plan";
import { stackConfig } from "../offline/stackFiles";
import { jsonInput } from "./helpers/run";
import { problemsOf } from "./helpers/scenario";
import { shared } from "./helpers/lazy";

const EXAMPLE = path.resolve(__dirname, "..", "examples", "existing-cluster.yaml");
const example = (parse(fs.readFileSync(EXAMPLE, "utf8")) as { config: Record<string, any> }).config;
const existing = example["eks-karpenter:existingCluster"];
const C = existing.name as string;

describe("existing cluster mode (examples/existing-cluster.yaml)", () => {
    let run: ProgramRun;
    const build = shared(() => runProgram(stackConfig("existing-cluster", { stackFile: EXAMPLE })));
    beforeEach(async () => {
        run = await build();
    });

    it("creates no VPC, no cluster, no node group and no add-on: it only looks the cluster up", () => {
        for (const type of ["awsx:ec2:Vpc", "eks:index:Cluster", "aws:eks/nodeGroup:NodeGroup", "aws:eks/addon:Addon", "aws:kms/key:Key", "aws:ec2/launchTemplate:LaunchTemplate"]) {
            expect(resourcesOfType(run, type), type).to.deep.equal([]);
        }
        expect(run.outputs.clusterName).to.equal(C);
        expect(run.outputs.vpcId).to.equal(existing.vpcId);
    });

    it("adds only Karpenter's discovery tag, under a key of this cluster's own, as separate tag resources, to the private subnets and the security group", () => {
        // Shared: CreateTags would overwrite (and a destroy delete) another cluster's karpenter.sh/discovery value.
        const tags = resourcesOfType(run, "aws:ec2/tag:Tag").map((t) => t.inputs);
        expect(tags).to.have.deep.members([
            ...existing.privateSubnetIds.map((resourceId: string) => ({ resourceId, key: `karpenter.sh/discovery/${C}`, value: C })),
            { resourceId: existing.securityGroupId, key: `karpenter.sh/discovery/${C}`, value: C },
        ]);
        const spec = resourcesOfType(run, "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass")[0].inputs.spec as Record<string, unknown>;
        expect([spec.subnetSelectorTerms, spec.securityGroupSelectorTerms]).to.deep.equal([[{ tags: { [`karpenter.sh/discovery/${C}`]: C } }], [{ tags: { [`karpenter.sh/discovery/${C}`]: C } }]]);
    });

    it("talks to the existing cluster's endpoint and trusts its OIDC provider for IRSA", () => {
        const provider = findResource(run, "pulumi:providers:kubernetes", `${C}-k8s`);
        const kubeconfig = JSON.parse(provider.inputs.kubeconfig as string);
        expect(kubeconfig.clusters[0].cluster.server).to.match(/^https:\/\/[0-9A-F]{32}\.gr7\.us-west-2\.eks\.amazonaws\.com$/);
        expect(kubeconfig.users[0].user.exec.args).to.deep.equal(["eks", "get-token", "--cluster-name", C, "--region", "us-west-2", "--output", "json"]);
        const trust = jsonInput<{ Statement: Array<{ Principal: { Federated: string } }> }>(findResource(run, "aws:iam/role:Role", `${C}-karpenter-controller`), "assumeRolePolicy");
        expect(trust.Statement[0].Principal.Federated).to.match(new RegExp(`^arn:aws:iam::123456789012:oidc-provider/oidc\\.eks\\.us-west-2\\.amazonaws\\.com/id/[0-9A-F]{32}$`));
    });

    it("runs the controller on the existing nodes it was told about, never on Karpenter's", () => {
        const values = findResource(run, "kubernetes:helm.sh/v3:Release", `${C}-karpenter-controller`).inputs.values as KarpenterChartValues;
        expect(values.nodeSelector).to.deep.equal({ "kubernetes.io/os": "linux", "eks.amazonaws.com/nodegroup": "core" });
        expect(values.affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms[0].matchExpressions).to.deep.include({ key: "karpenter.sh/nodepool", operator: "DoesNotExist" });
        expect(values.tolerations).to.deep.equal([{ key: "CriticalAddonsOnly", operator: "Exists" }]);
    });

    it("sweeps before its discovery tags are removed on destroy", () => {
        const cleanup = findResource(run, "pulumi-nodejs:dynamic:Resource", `${C}-karpenter-cleanup`);
        const subnetTags = resourcesOfType(run, "aws:ec2/tag:Tag").filter((t) => String(t.inputs.resourceId).startsWith("subnet-"));
        expect(cleanup.dependencies).to.include.members(subnetTags.map((t) => t.urn));
    });

    it("plans cleanly offline with the policy pack", async () => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "plan-existing-"));
        try {
            const result = await planStack({ stack: "existing-cluster", stackFile: EXAMPLE, outDir: out, log: () => undefined });
            expect(result.findings).to.deep.equal([]);
            expect(result.exitCode).to.equal(0);
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
        }
    });

    it("refuses settings that only make sense for a cluster the stack creates, and needs to know where the controller runs", () => {
        const { controllerNodeSelector: _omit, ...withoutSelector } = existing;
        expect(problemsOf("dev", { "aws:region": "us-west-2", availabilityZoneCount: undefined, natGateways: undefined, controlPlaneLogRetentionDays: undefined, secretsKeyDeletionWindowDays: undefined, systemNodeGroup: undefined, existingCluster: withoutSelector })).to.deep.equal([
            'eks-karpenter:existingCluster.controllerNodeSelector: is required: the labels of existing nodes the controller runs on, e.g. { "eks.amazonaws.com/nodegroup": "core" }.',
        ]);
        expect(problemsOf("dev", { availabilityZoneCount: undefined, natGateways: undefined, controlPlaneLogRetentionDays: undefined, secretsKeyDeletionWindowDays: undefined, existingCluster: existing })).to.deep.equal([
            "eks-karpenter:systemNodeGroup: has no effect with eks-karpenter:existingCluster: the existing cluster already has its network and nodes. Remove it.",
        ]);
    });
});
