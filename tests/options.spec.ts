import { expect } from "chai";
import { KarpenterChartValues } from "../components/karpenter/helmValues";
import { findResource, resourcesOfType } from "../offline/engine";
import { checkManifests } from "../offline/checks";
import { renderArtifacts } from "../offline/render";
import { runPolicies } from "../offline/policies";
import { jsonInput, runStack } from "./helpers/run";
import { parsed, problemsOf } from "./helpers/scenario";

const C = "eks-karpenter-dev";
const fieldTrees = require("../offline/fieldTrees.json");

describe("optional modes and extras", () => {
    it("IRSA: the controller role trusts the cluster's OIDC provider for kube-system/karpenter and sts.amazonaws.com only, and the service account carries the role", async () => {
        const run = await runStack("dev", { karpenter: { replicas: 1, auth: "irsa" } });
        const role = findResource(run, "aws:iam/role:Role", `${C}-karpenter-controller`);
        const issuer = String(run.outputs.oidcProviderArn).split("oidc-provider/")[1];
        expect(jsonInput(role, "assumeRolePolicy")).to.deep.equal({
            Version: "2012-10-17",
            Statement: [
                {
                    Effect: "Allow",
                    Principal: { Federated: run.outputs.oidcProviderArn },
                    Action: "sts:AssumeRoleWithWebIdentity",
                    Condition: { StringEquals: { [`${issuer}:aud`]: "sts.amazonaws.com", [`${issuer}:sub`]: "system:serviceaccount:kube-system:karpenter" } },
                },
            ],
        });
        expect(resourcesOfType(run, "aws:eks/podIdentityAssociation:PodIdentityAssociation")).to.deep.equal([]);
        const values = findResource(run, "kubernetes:helm.sh/v3:Release", `${C}-karpenter-controller`).inputs.values as KarpenterChartValues;
        expect(values.serviceAccount).to.deep.equal({ create: true, name: "karpenter", annotations: { "eks.amazonaws.com/role-arn": role.state.arn } });
        const trustViolations = (await runPolicies(run, {})).filter((v) => v.policy === "iam-trust-policy");
        expect(trustViolations, "the pinned OIDC trust passes the pack").to.deep.equal([]);
    });

    it("IAM path and permissions boundary reach every role and policy the stack creates", async () => {
        const boundary = "arn:aws:iam::123456789012:policy/org-boundary";
        const run = await runStack("prod", { iam: { path: "/platform/", permissionsBoundaryArn: boundary } });
        const roles = resourcesOfType(run, "aws:iam/role:Role");
        // System nodes, the cluster's service role, Karpenter's nodes and controller, the VPC flow logs.
        expect(roles).to.have.length(5);
        for (const r of roles) expect(r.inputs, r.name).to.deep.include({ path: "/platform/", permissionsBoundary: boundary });
        for (const p of resourcesOfType(run, "aws:iam/policy:Policy")) expect(p.inputs.path, p.name).to.equal("/platform/");
        const violations = await runPolicies(run, { "iam-permissions-boundary": { permissionsBoundaryArn: boundary } });
        expect(violations.filter((v) => v.policy === "iam-permissions-boundary")).to.deep.equal([]);
        expect((await runPolicies(await runStack("prod"), { "iam-permissions-boundary": { permissionsBoundaryArn: boundary } })).filter((v) => v.policy === "iam-permissions-boundary")).to.have.length(5);
        // The stack's own setting suffices: one role losing the boundary fails without a policy config repeating it.
        const flowLogRole = roles.find((r) => r.name.endsWith("-flow-logs"))!;
        delete flowLogRole.inputs.permissionsBoundary;
        delete flowLogRole.state.permissionsBoundary;
        expect((await runPolicies(run, {})).filter((v) => v.policy === "iam-permissions-boundary").map((v) => v.message)).to.deep.equal([
            `role ${flowLogRole.state.name} has permissions boundary none; the stack requires ${boundary}.`,
        ]);
    });

    it("extras are off by default: no Spot service-linked role, no ServiceMonitor, no FlowSchemas, no GPU pool", async () => {
        const run = await runStack("prod");
        expect(resourcesOfType(run, "aws:iam/serviceLinkedRole:ServiceLinkedRole")).to.deep.equal([]);
        expect(resourcesOfType(run, "kubernetes:flowcontrol.apiserver.k8s.io/v1:FlowSchema")).to.deep.equal([]);
        expect((findResource(run, "kubernetes:helm.sh/v3:Release", "eks-karpenter-prod-karpenter-controller").inputs.values as KarpenterChartValues).serviceMonitor).to.equal(undefined);
        expect(parsed("prod").nodePools.some((p) => p.preset === "gpu")).to.equal(false);
    });

    it("never manages the account-wide EC2 Spot service-linked role: a second stack would collide, a destroy would remove it for all", () => {
        // One role per account (AWSServiceRoleForEC2Spot); upstream's getting-started creates it once, outside any
        // stack: aws iam create-service-linked-role --aws-service-name spot.amazonaws.com
        expect(problemsOf("dev", { createSpotServiceLinkedRole: "true" })).to.deep.equal([
            `eks-karpenter:createSpotServiceLinkedRole: is no longer supported: the EC2 Spot service-linked role is one per account, so a stack must not create (or, on destroy, delete) it. Create it once per account with "aws iam create-service-linked-role --aws-service-name spot.amazonaws.com" (see README "Deploying for real") and remove this key.`,
        ]);
    });

    it("turns on the chart's ServiceMonitor and upstream's FlowSchemas, which pass their schema", async () => {
        const run = await runStack("dev", { karpenter: { replicas: 1, serviceMonitor: true, flowSchemas: true } });
        expect(resourcesOfType(run, "aws:iam/serviceLinkedRole:ServiceLinkedRole")).to.deep.equal([]);
        expect((findResource(run, "kubernetes:helm.sh/v3:Release", `${C}-karpenter-controller`).inputs.values as KarpenterChartValues).serviceMonitor).to.deep.equal({ enabled: true });
        const schemas = resourcesOfType(run, "kubernetes:flowcontrol.apiserver.k8s.io/v1:FlowSchema");
        expect(schemas.map((s) => [(s.inputs.metadata as { name: string }).name, (s.inputs.spec as { priorityLevelConfiguration: { name: string } }).priorityLevelConfiguration.name])).to.deep.equal([
            ["karpenter-leader-election", "leader-election"],
            ["karpenter-workload", "workload-high"],
        ]);
        const manifests = renderArtifacts(run).manifests.filter((m) => m.content.kind === "FlowSchema");
        expect(await checkManifests(manifests.map((m) => ({ where: m.file, object: m.content })), fieldTrees)).to.deep.equal([]);
    });

    it("GPU preset: GPU families, on-demand, tainted nvidia.com/gpu:NoSchedule, overridable", () => {
        const [gpu] = parsed("dev", { nodePools: [{ name: "gpu", preset: "gpu", limits: { cpu: "64", memory: "512Gi" } }] }).nodePools;
        expect(gpu).to.deep.include({ capacityTypes: ["on-demand"], instanceFamilies: ["g5", "g6", "g6e", "p4d", "p5"], taints: [{ key: "nvidia.com/gpu", effect: "NoSchedule" }] });
        const [spotGpu] = parsed("dev", { nodePools: [{ name: "gpu", preset: "gpu", capacityTypes: ["spot"], limits: { cpu: "64", memory: "512Gi" } }] }).nodePools;
        expect(spotGpu.capacityTypes).to.deep.equal(["spot"]);
    });
});
