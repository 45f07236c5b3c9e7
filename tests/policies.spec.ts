import { expect } from "chai";
import { controlPlaneLogging, publicEndpointRestricted, secretsEncryption } from "../policies/eks";
import { noBroadManagedPolicies, noUnscopedMutations, noWildcardActions, passRoleScoped, permissionsBoundary, policySize, trustPolicy } from "../policies/iam";
import { amiPinned, controllerReplicas, interruptionHandling, nodeClassHardening, nodePoolLimits, spotDiversity } from "../policies/karpenter";
import { discoveryTags, requiredTags } from "../policies/tagging";
import { packConfigFor, runPolicies } from "../offline/policies";
import { runStack } from "./helpers/run";
import { FakeResource, resourceViolations, stackViolations } from "./helpers/policy";

const policy = (...Statement: unknown[]) => ({ type: "aws:iam/policy:Policy", props: { policy: JSON.stringify({ Version: "2012-10-17", Statement }) } });
const role = (trust: unknown, extra: Record<string, unknown> = {}) => ({ type: "aws:iam/role:Role", props: { assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [trust] }), ...extra } });
const nodePool = (spec: Record<string, unknown>) => ({ type: "kubernetes:karpenter.sh/v1:NodePool", props: { metadata: { name: "p" }, spec } });
const nodeClass = (spec: Record<string, unknown>) => ({ type: "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", props: { metadata: { name: "c" }, spec } });
const hardenedSpec = {
    metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
    blockDeviceMappings: [{ deviceName: "/dev/xvda", rootVolume: true, ebs: { encrypted: true } }],
    amiSelectorTerms: [{ alias: "al2023@v20260923" }],
};

describe("policy pack", () => {
    describe("IAM", () => {
        it("iam-no-wildcard-actions: flags * and service:* in an Allow, accepts named actions and Deny sqs:*", async () => {
            expect(await resourceViolations(noWildcardActions, policy({ Sid: "All", Effect: "Allow", Action: ["s3:*"], Resource: "*" }))).to.deep.equal([
                "All allows s3:*; name the actions it needs.",
            ]);
            expect(await resourceViolations(noWildcardActions, policy({ Sid: "Any", Effect: "Allow", Action: "*", Resource: "*" }))).to.deep.equal(["Any allows *; name the actions it needs."]);
            expect(await resourceViolations(noWildcardActions, policy({ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }))).to.deep.equal([]);
            const queuePolicy = { type: "aws:sqs/queuePolicy:QueuePolicy", props: { policy: JSON.stringify({ Statement: [{ Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: "q" }] }) } };
            expect(await resourceViolations(noWildcardActions, queuePolicy)).to.deep.equal([]);
        });

        it("iam-no-unscoped-mutations: flags a write on Resource * without a condition; read-only actions and conditioned writes pass", async () => {
            expect(await resourceViolations(noUnscopedMutations, policy({ Sid: "W", Effect: "Allow", Action: ["ec2:TerminateInstances", "ec2:DescribeInstances"], Resource: "*" }))).to.deep.equal([
                'W allows ec2:TerminateInstances (Write) on Resource "*" without a Condition; scope the resources or add a condition.',
            ]);
            expect(await resourceViolations(noUnscopedMutations, policy({ Effect: "Allow", Action: ["pricing:GetProducts", "iam:ListInstanceProfiles"], Resource: "*" }))).to.deep.equal([]);
            expect(
                await resourceViolations(noUnscopedMutations, policy({ Effect: "Allow", Action: "ec2:TerminateInstances", Resource: "*", Condition: { StringEquals: { "aws:ResourceTag/x": "y" } } })),
            ).to.deep.equal([]);
        });

        it("iam-no-broad-managed-policies: flags AdministratorAccess and *FullAccess, accepts the node policies", async () => {
            const attach = (policyArn: string) => ({ type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", props: { role: "r", policyArn } });
            expect(await resourceViolations(noBroadManagedPolicies, attach("arn:aws:iam::aws:policy/AdministratorAccess"))).to.deep.equal([
                "attaches arn:aws:iam::aws:policy/AdministratorAccess, which grants far more than a workload needs; write a scoped policy.",
            ]);
            expect(await resourceViolations(noBroadManagedPolicies, attach("arn:aws:iam::aws:policy/AmazonEC2FullAccess"))).to.have.length(1);
            expect(await resourceViolations(noBroadManagedPolicies, attach("arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"))).to.deep.equal([]);
        });

        it("iam-passrole-scoped: flags PassRole on * or without iam:PassedToService, accepts upstream's statement", async () => {
            expect(await resourceViolations(passRoleScoped, policy({ Sid: "P", Effect: "Allow", Action: "iam:PassRole", Resource: "*" }))).to.deep.equal([
                "P allows iam:PassRole on *; name the roles.",
                "P allows iam:PassRole without an iam:PassedToService condition.",
            ]);
            expect(
                await resourceViolations(
                    passRoleScoped,
                    policy({ Effect: "Allow", Action: "iam:PassRole", Resource: "arn:aws:iam::1:role/node", Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } } }),
                ),
            ).to.deep.equal([]);
        });

        it("iam-trust-policy: an OIDC principal must pin :sub and :aud; unexpected services and everyone are refused", async () => {
            const federated = { Effect: "Allow", Principal: { Federated: "arn:aws:iam::1:oidc-provider/oidc.eks.x/id/A" }, Action: "sts:AssumeRoleWithWebIdentity" };
            expect(await resourceViolations(trustPolicy, role({ ...federated, Condition: { StringEquals: { "oidc.eks.x/id/A:aud": "sts.amazonaws.com" } } }))).to.deep.equal([
                "trusts federated principal arn:aws:iam::1:oidc-provider/oidc.eks.x/id/A without pinning :sub; any service account could assume it.",
            ]);
            expect(
                await resourceViolations(trustPolicy, role({ ...federated, Condition: { StringEquals: { "oidc.eks.x/id/A:aud": "sts.amazonaws.com", "oidc.eks.x/id/A:sub": "system:serviceaccount:kube-system:karpenter" } } })),
            ).to.deep.equal([]);
            expect(await resourceViolations(trustPolicy, role({ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }))).to.deep.equal([
                "trusts service principal lambda.amazonaws.com, which is not in allowedServicePrincipals (ec2.amazonaws.com, ec2.amazonaws.com.cn, pods.eks.amazonaws.com, eks.amazonaws.com, vpc-flow-logs.amazonaws.com).",
            ]);
            expect(await resourceViolations(trustPolicy, role({ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }))).to.deep.equal(["the trust policy lets anyone assume the role."]);
            expect(await resourceViolations(trustPolicy, role({ Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] }))).to.deep.equal([]);
        });

        it("iam-policy-size: flags a managed policy over 6,144 characters without whitespace", async () => {
            const big = policy(...Array.from({ length: 60 }, (_, i) => ({ Sid: `S${i}`, Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::bucket-number-${i}/prefix/*` })));
            const [message] = await resourceViolations(policySize, big);
            expect(message).to.match(/^its managed policy document has \d+ characters without whitespace; IAM allows 6144\. Split it into several managed policies\.$/);
            expect(await resourceViolations(policySize, policy({ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }))).to.deep.equal([]);
        });

        it("iam-permissions-boundary: the policy config's boundary, or the one the stack's roles carry, is on every role", async () => {
            const boundary = "arn:aws:iam::123456789012:policy/boundary";
            const trust = { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" };
            const bare = { ...role(trust, { name: "bare" }), name: "bare" };
            const bounded = { ...role(trust, { name: "bounded", permissionsBoundary: boundary }), name: "bounded" };
            expect(await stackViolations(permissionsBoundary, [bare], { permissionsBoundaryArn: boundary })).to.deep.equal([`role bare has permissions boundary none; the stack requires ${boundary}.`]);
            // No second file: the stack's own bounded role says a boundary is configured.
            expect(await stackViolations(permissionsBoundary, [bounded, bare])).to.deep.equal([`role bare has permissions boundary none; the stack requires ${boundary}.`]);
            expect(await stackViolations(permissionsBoundary, [bounded], { permissionsBoundaryArn: boundary })).to.deep.equal([]);
            expect(await stackViolations(permissionsBoundary, [bare])).to.deep.equal([]);
        });
    });

    describe("tagging", () => {
        it("required-tags: an untagged bucket fails; the provider's defaultTags count; untaggable types are skipped", async () => {
            expect(await resourceViolations(requiredTags, { type: "aws:s3/bucket:Bucket", props: {} })).to.deep.equal([
                "is missing required tags environment, project, owner, managed-by (set them on the resource or in the AWS provider's defaultTags).",
            ]);
            const viaProvider: FakeResource = { type: "aws:sqs/queue:Queue", props: { tags: { owner: "o" } }, providerProps: { defaultTags: JSON.stringify({ tags: { environment: "dev", project: "p", "managed-by": "pulumi" } }) } };
            expect(await resourceViolations(requiredTags, viaProvider)).to.deep.equal([]);
            expect(await resourceViolations(requiredTags, { type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", props: {} })).to.deep.equal([]);
        });

        it("karpenter-discovery-tags: only private subnets and the node security group carry the tag, with the cluster's name", async () => {
            // A stack policy sees outputs: the aws:eks/cluster:Cluster's name (pulumi-eks's child, or the program's own).
            const cluster = { type: "aws:eks/cluster:Cluster", props: { name: "demo" } };
            const vpc = (specs: unknown[]) => ({ type: "awsx:ec2:Vpc", props: { subnetSpecs: specs } });
            const sgTag = { type: "aws:ec2/tag:Tag", props: { resourceId: "sg-1", key: "karpenter.sh/discovery", value: "demo" } };
            const nc = nodeClass(hardenedSpec);
            const good = [cluster, vpc([{ type: "Private", tags: { "karpenter.sh/discovery": "demo" } }, { type: "Public", tags: {} }]), sgTag, nc];
            expect(await stackViolations(discoveryTags, good)).to.deep.equal([]);
            // The eks:index:Cluster component's outputs (eksCluster, kubeconfig, ...) carry no name: not read as the
            // cluster (before, a real preview compared every tag with "undefined": mandatory violations).
            const componentOutputs = { type: "eks:index:Cluster", props: { kubeconfig: "{}", eksCluster: { urn: "urn:x" } } };
            expect(await stackViolations(discoveryTags, [componentOutputs, ...good])).to.deep.equal([]);
            expect(await stackViolations(discoveryTags, [...good, { type: "aws:s3/bucket:Bucket", name: "logs", props: { tags: { "karpenter.sh/discovery": "demo" } } }])).to.deep.equal([
                "aws:s3/bucket:Bucket logs carries karpenter.sh/discovery; only private subnets and the node security group may.",
            ]);
            expect(await stackViolations(discoveryTags, [cluster, vpc([{ type: "Private", tags: { "karpenter.sh/discovery": "other" } }]), sgTag, nc])).to.deep.equal([
                "awsx:ec2:Vpc r1 has karpenter.sh/discovery=other, but the cluster is demo.",
            ]);
            expect(await stackViolations(discoveryTags, [cluster, vpc([{ type: "Private", tags: {} }]), nc])).to.deep.equal([
                "no private subnet carries karpenter.sh/discovery=demo; Karpenter would find nowhere to launch nodes.",
                "no security group carries karpenter.sh/discovery=demo; Karpenter would find nowhere to launch nodes.",
            ]);
            // A shared VPC: the per-cluster key karpenter.sh/discovery/<cluster> (components/discovery.ts), named for this cluster.
            const shared = (key: string) => [cluster, ...["subnet-1", "sg-1"].map((resourceId) => ({ type: "aws:ec2/tag:Tag", name: resourceId, props: { resourceId, key, value: "demo" } })), nc];
            expect(await stackViolations(discoveryTags, shared("karpenter.sh/discovery/demo"))).to.deep.equal([]);
            expect(await stackViolations(discoveryTags, shared("karpenter.sh/discovery/other"))).to.deep.equal([
                "aws:ec2/tag:Tag subnet-1 has karpenter.sh/discovery=other, but the cluster is demo.",
                "aws:ec2/tag:Tag sg-1 has karpenter.sh/discovery=other, but the cluster is demo.",
            ]);
        });
    });

    describe("Karpenter and EKS", () => {
        it("karpenter-nodepool-limits: a NodePool without limits fails", async () => {
            expect(await resourceViolations(nodePoolLimits, nodePool({ limits: { cpu: "10" } }))).to.deep.equal(["NodePool p has no memory limit; a runaway workload could launch without bound."]);
            expect(await resourceViolations(nodePoolLimits, nodePool({ limits: { cpu: "10", memory: "10Gi" } }))).to.deep.equal([]);
        });

        it("karpenter-ec2nodeclass-hardening: IMDSv1, a hop limit of 2 or an unencrypted root volume fail", async () => {
            expect(await resourceViolations(nodeClassHardening, nodeClass({ metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 2 }, blockDeviceMappings: [] }))).to.deep.equal([
                "EC2NodeClass c does not require IMDSv2 (metadataOptions.httpTokens is optional).",
                "EC2NodeClass c has IMDS hop limit 2; 1 keeps pods from the node role's credentials.",
                "EC2NodeClass c does not encrypt its root volume (set blockDeviceMappings with ebs.encrypted: true).",
            ]);
            expect(await resourceViolations(nodeClassHardening, nodeClass(hardenedSpec))).to.deep.equal([]);
        });

        it("karpenter-ami-pinned: @latest fails, a release passes", async () => {
            expect(await resourceViolations(amiPinned, nodeClass({ amiSelectorTerms: [{ alias: "al2023@latest" }] }))).to.deep.equal([
                "EC2NodeClass c uses al2023@latest; pin a release such as al2023@v20260923.",
            ]);
            expect(await resourceViolations(amiPinned, nodeClass(hardenedSpec))).to.deep.equal([]);
        });

        it("karpenter-controller-replicas: fewer replicas than configured fail", async () => {
            const release = (replicas: number) => ({ type: "kubernetes:helm.sh/v3:Release", props: { chart: "oci://public.ecr.aws/karpenter/karpenter", values: { replicas } } });
            expect(await resourceViolations(controllerReplicas, release(1))).to.deep.equal(["the Karpenter controller runs 1 replica; at least 2 required."]);
            expect(await resourceViolations(controllerReplicas, release(2))).to.deep.equal([]);
        });

        it("karpenter-spot-diversity: a spot-only pool listing too few types fails", async () => {
            const pool = (types: string[]) =>
                nodePool({
                    template: {
                        spec: {
                            requirements: [
                                { key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] },
                                { key: "node.kubernetes.io/instance-type", operator: "In", values: types },
                            ],
                        },
                    },
                });
            expect(await resourceViolations(spotDiversity, pool(["t3.medium", "t2.micro"]))).to.deep.equal([
                "spot-only NodePool p allows 2 instance types; at least 10 keep spot capacity within reach.",
            ]);
            expect(await resourceViolations(spotDiversity, pool(["t3.medium", "t2.micro"]), { minInstanceTypes: 2 })).to.deep.equal([]);
        });

        it("eks-control-plane-logging and eks-secrets-encryption", async () => {
            const cluster = (props: Record<string, unknown>) => ({ type: "eks:index:Cluster", props: { name: "demo", ...props } });
            expect(await resourceViolations(controlPlaneLogging, cluster({ enabledClusterLogTypes: ["api"] }))).to.deep.equal(["EKS cluster demo does not log audit, authenticator."]);
            expect(await resourceViolations(controlPlaneLogging, cluster({ enabledClusterLogTypes: ["api", "audit", "authenticator"] }))).to.deep.equal([]);
            expect(await resourceViolations(secretsEncryption, cluster({}))).to.deep.equal(["EKS cluster demo does not encrypt secrets with KMS."]);
            expect(await resourceViolations(secretsEncryption, cluster({ encryptionConfigKeyArn: "arn:aws:kms:us-west-2:1:key/k" }))).to.deep.equal([]);
        });

        it("eks-public-endpoint-restricted: 0.0.0.0/0 and CIDRs outside the allowed list fail", async () => {
            const cluster = (props: Record<string, unknown>) => ({ type: "eks:index:Cluster", props: { name: "demo", ...props } });
            expect(await resourceViolations(publicEndpointRestricted, cluster({ endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] }))).to.have.length(1);
            expect(await resourceViolations(publicEndpointRestricted, cluster({ endpointPublicAccess: true, publicAccessCidrs: ["198.51.100.0/24"] }), { allowedCidrs: ["203.0.113.0/24"] })).to.deep.equal([
                "the public API endpoint allows 198.51.100.0/24, which is not in allowedCidrs (203.0.113.0/24).",
            ]);
            expect(await resourceViolations(publicEndpointRestricted, cluster({ endpointPublicAccess: false }))).to.deep.equal([]);
        });

        it("karpenter-interruption-queue: an unencrypted queue without a TLS-only policy and with missing rules fails", async () => {
            const release = { type: "kubernetes:helm.sh/v3:Release", props: { chart: "oci://public.ecr.aws/karpenter/karpenter", values: { settings: { interruptionQueue: "demo" } } } };
            const queue = { type: "aws:sqs/queue:Queue", props: { name: "demo", url: "https://q/demo", arn: "arn:aws:sqs:us-west-2:1:demo" } };
            const messages = await stackViolations(interruptionHandling, [release, queue]);
            expect(messages.slice(0, 2)).to.deep.equal(["queue demo is not encrypted (set sqsManagedSseEnabled or a KMS key).", "queue demo has no policy denying requests without TLS (aws:SecureTransport false)."]);
            expect(messages.slice(2)).to.have.length(5);
            expect(messages[2]).to.equal('no EventBridge rule sends "AWS Health Event" (aws.health) to queue demo.');
        });
    });

    describe("the whole pack over the stacks", () => {
        it("finds no mandatory violation in dev or prod with their policy configs", async () => {
            for (const stack of ["dev", "prod"]) {
                const violations = await runPolicies(await runStack(stack), packConfigFor(stack));
                expect(violations.filter((v) => v.enforcementLevel === "mandatory"), stack).to.deep.equal([]);
            }
        });

        it("reports dev's deliberate shortcuts as advisory: @latest AMI, one controller replica, an open endpoint", async () => {
            const violations = await runPolicies(await runStack("dev"), packConfigFor("dev"));
            expect(violations.map((v) => [v.policy, v.enforcementLevel])).to.have.deep.members([
                ["karpenter-ami-pinned", "advisory"],
                ["karpenter-controller-replicas", "advisory"],
                // Twice: on pulumi-eks's component and on the aws:eks/cluster:Cluster it creates (modelled child).
                ["eks-public-endpoint-restricted", "advisory"],
                ["eks-public-endpoint-restricted", "advisory"],
            ]);
        });

        it("makes dev's shortcuts (and its 7-day log retention) mandatory violations under prod's policy config (an open endpoint stays advisory: prod ships open)", async () => {
            const violations = await runPolicies(await runStack("dev"), packConfigFor("prod"));
            expect(new Set(violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => v.policy))).to.deep.equal(
                new Set(["karpenter-ami-pinned", "karpenter-controller-replicas", "cloudwatch-log-retention"]),
            );
            expect(violations.filter((v) => v.policy === "eks-public-endpoint-restricted").map((v) => v.enforcementLevel)).to.include("advisory");
        });

        it("catches required tags missing from the provider in the real program", async () => {
            const shared = await runStack("dev");
            // A copy with the provider's defaultTags cut down (the shared run stays as it is).
            const run = {
                ...shared,
                resources: shared.resources.map((r) => (r.type === "pulumi:providers:aws" ? { ...r, inputs: { ...r.inputs, defaultTags: JSON.stringify({ tags: { environment: "dev" } }) } } : r)),
            };
            const tagViolations = (await runPolicies(run, {})).filter((v) => v.policy === "required-tags");
            expect(tagViolations.length).to.be.above(10);
            expect(tagViolations[0].message).to.equal("is missing required tags project, owner, managed-by (set them on the resource or in the AWS provider's defaultTags).");
        });
    });
});
