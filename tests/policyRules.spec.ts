import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { allPolicies } from "../policies/all";
import { launchTemplateHardening, noOpenIngress, vpcFlowLogs } from "../policies/ec2";
import { clusterAdminAllowList, privateEndpoint } from "../policies/eks";
import { trustPolicy } from "../policies/iam";
import { nodePoolLimits, parseQuantity } from "../policies/karpenter";
import { UPSTREAM_SCOPING, controllerScoping, deriveScoping } from "../policies/karpenterScoping";
import { nodeClassPrivateSubnets } from "../policies/karpenterSubnets";
import { kmsKeyHardening } from "../policies/kms";
import { logRetention } from "../policies/logs";
import { s3BucketHardening } from "../policies/s3";
import { queuePolicyPrincipals } from "../policies/sqs";
import { crossAccountTrust } from "../policies/trust";
import { FakeResource, UNKNOWN, resourceViolations, stackViolations } from "./helpers/policy";

const doc = (...Statement: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const upstream = (require("./fixtures/upstream-controller-policies.json") as { policies: Record<string, unknown> }).policies;

describe("policy rules: one violating and one compliant case each", () => {
    describe("karpenter-controller-scoping", () => {
        it("its table is what deriveScoping reads from upstream v1.14.1's documents (every mutating EC2 and IAM grant)", async () => {
            const derived = await deriveScoping(upstream);
            expect(UPSTREAM_SCOPING.grants).to.deep.equal(derived);
            expect(UPSTREAM_SCOPING.version).to.equal("v1.14.1");
            // The deletion and instance-profile grants carry the cluster tag, as upstream's security model requires.
            const deletion = derived.filter((g) => g.action === "ec2:TerminateInstances");
            expect(deletion.map((g) => g.condition.StringEquals)).to.deep.equal([{ "aws:ResourceTag/kubernetes.io/cluster/${ClusterName}": ["owned"] }, { "aws:ResourceTag/kubernetes.io/cluster/${ClusterName}": ["owned"] }]);
            expect(new Set(derived.map((g) => g.action))).to.include.members(["iam:PassRole", "iam:CreateInstanceProfile", "iam:DeleteInstanceProfile", "ec2:CreateTags"]);
            expect(derived.some((g) => g.action.startsWith("ec2:Describe") || g.action === "iam:GetInstanceProfile")).to.equal(false);
        });

        const stack = (deletion: Record<string, unknown>, extra: FakeResource[] = []): FakeResource[] => [
            { type: "aws:eks/cluster:Cluster", props: { name: "demo" } },
            { type: "pulumi:providers:aws", props: { region: "us-west-2" } },
            { type: "aws:iam/role:Role", name: "controller", props: { name: "demo-karpenter", arn: "arn:aws:iam::123456789012:role/demo-karpenter" } },
            { type: "aws:iam/role:Role", name: "node", props: { name: "demo-karpenter-node", arn: "arn:aws:iam::123456789012:role/demo-karpenter-node" } },
            { type: "aws:eks/podIdentityAssociation:PodIdentityAssociation", props: { serviceAccount: "karpenter", roleArn: "arn:aws:iam::123456789012:role/demo-karpenter" } },
            { type: "aws:iam/policy:Policy", props: { name: "lifecycle", arn: "arn:aws:iam::123456789012:policy/lifecycle", policy: doc({ Sid: "AllowScopedDeletion", Effect: "Allow", Action: "ec2:TerminateInstances", Resource: "arn:aws:ec2:us-west-2:*:instance/*", ...deletion }) } },
            { type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", props: { role: "demo-karpenter", policyArn: "arn:aws:iam::123456789012:policy/lifecycle" } },
            ...extra,
        ];
        const scoped = { Condition: { StringEquals: { "aws:ResourceTag/kubernetes.io/cluster/demo": "owned" }, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } } };

        it("passes upstream's scoping; refuses a deletion without the cluster tag", async () => {
            expect(await stackViolations(controllerScoping, stack(scoped))).to.deep.equal([]);
            expect(await stackViolations(controllerScoping, stack({ Condition: { StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } } }))).to.deep.equal([
                "role demo-karpenter (lifecycle): AllowScopedDeletion grants ec2:TerminateInstances on arn:aws:ec2:us-west-2:*:instance/* without StringEquals aws:ResourceTag/kubernetes.io/cluster/demo=owned (upstream v1.14.1 AllowScopedDeletion); the controller could touch resources of other clusters.",
            ]);
        });

        it("installing into an existing cluster (no cluster resource), takes the cluster name from the chart's settings", async () => {
            const release = { type: "kubernetes:helm.sh/v3:Release", props: { chart: "oci://public.ecr.aws/karpenter/karpenter", values: { settings: { clusterName: "demo" } } } };
            const withoutCluster = (deletion: Record<string, unknown>) => [...stack(deletion).slice(1), release];
            expect(await stackViolations(controllerScoping, withoutCluster(scoped))).to.deep.equal([]);
            expect(await stackViolations(controllerScoping, withoutCluster({}))).to.have.length(1);
        });

        it("follows property dependencies where a first preview does not know the ARNs yet (reading them would throw)", async () => {
            // As a real first preview hands them over: the ARNs AWS assigns are unknown values, which @pulumi/policy's
            // proxy refuses to read; the property dependencies say which resource each came from.
            const unknownArns = stack({}).map((r): FakeResource => {
                if (r.type === "aws:iam/role:Role") return { ...r, props: { ...r.props, arn: UNKNOWN, id: UNKNOWN } };
                if (r.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation") return { ...r, props: { serviceAccount: "karpenter", roleArn: UNKNOWN }, propertyDependencies: { roleArn: ["controller"] } };
                if (r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment") return { ...r, props: { role: "demo-karpenter", policyArn: UNKNOWN }, propertyDependencies: { policyArn: ["lifecycle"] } };
                if (r.type === "aws:iam/policy:Policy") return { ...r, name: "lifecycle", props: { ...r.props, arn: UNKNOWN } };
                return r;
            });
            expect(await stackViolations(controllerScoping, unknownArns)).to.have.length(1);
            expect((await stackViolations(controllerScoping, unknownArns))[0]).to.match(/^role demo-karpenter \(lifecycle\): AllowScopedDeletion grants ec2:TerminateInstances .* without StringEquals aws:ResourceTag\/kubernetes.io\/cluster\/demo=owned, StringLike aws:ResourceTag\/karpenter.sh\/nodepool=\*/);
        });

        it("refuses the controller's permissions on another role", async () => {
            const attachToNode = { type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", props: { role: "demo-karpenter-node", policyArn: "arn:aws:iam::123456789012:policy/lifecycle" } };
            expect(await stackViolations(controllerScoping, stack(scoped, [attachToNode]))).to.deep.equal([
                "role demo-karpenter-node (lifecycle): AllowScopedDeletion grants the Karpenter controller's ec2:TerminateInstances; only the controller's role may hold them.",
            ]);
        });
    });

    it("iam-trust-policy: a wildcard in an OIDC :sub is refused; the exact service account passes", async () => {
        const trust = (sub: Record<string, unknown>) => ({
            type: "aws:iam/role:Role",
            props: { assumeRolePolicy: doc({ Effect: "Allow", Principal: { Federated: "arn:aws:iam::1:oidc-provider/oidc.eks.x/id/A" }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { "oidc.eks.x/id/A:aud": "sts.amazonaws.com" }, ...sub } }) },
        });
        expect(await resourceViolations(trustPolicy, trust({ StringLike: { "oidc.eks.x/id/A:sub": "system:serviceaccount:*:*" } }))).to.deep.equal([
            "trusts federated principal arn:aws:iam::1:oidc-provider/oidc.eks.x/id/A for oidc.eks.x/id/A:sub StringLike system:serviceaccount:*:*; a wildcard lets other service accounts assume the role. Name the one service account.",
        ]);
        expect(await resourceViolations(trustPolicy, trust({ StringLike: { "oidc.eks.x/id/A:sub": "system:serviceaccount:kube-system:karpenter" } }))).to.deep.equal([]);
    });

    it("iam-trust-cross-account: another account needs sts:ExternalId or an organization condition; the stack's own account does not", async () => {
        const own = { type: "aws:eks/podIdentityAssociation:PodIdentityAssociation", props: { roleArn: "arn:aws:iam::123456789012:role/x" } };
        const role = (principal: string, condition?: unknown) => ({ type: "aws:iam/role:Role", props: { name: "r", assumeRolePolicy: doc({ Effect: "Allow", Principal: { AWS: principal }, Action: "sts:AssumeRole", Condition: condition }) } });
        expect(await stackViolations(crossAccountTrust, [own, role("arn:aws:iam::999999999999:root")])).to.deep.equal([
            "role r trusts arn:aws:iam::999999999999:root from another account without sts:ExternalId or an aws:PrincipalOrgID condition (confused deputy).",
        ]);
        expect(await stackViolations(crossAccountTrust, [own, role("arn:aws:iam::999999999999:root", { StringEquals: { "sts:ExternalId": "x" } })])).to.deep.equal([]);
        expect(await stackViolations(crossAccountTrust, [own, role("arn:aws:iam::123456789012:role/ci")])).to.deep.equal([]);
        // At a first preview the ARNs AWS assigns are unknown; the ones inside the stack's own policies are not.
        const policy = { type: "aws:iam/policy:Policy", props: { policy: doc({ Effect: "Allow", Action: "iam:GetInstanceProfile", Resource: "arn:aws:iam::123456789012:instance-profile/*" }) } };
        expect(await stackViolations(crossAccountTrust, [policy, role("arn:aws:iam::123456789012:role/ci")])).to.deep.equal([]);
    });

    it("sqs-queue-policy-principals: everyone may not send; EventBridge and SQS may", async () => {
        const queue = (principal: unknown) => ({ type: "aws:sqs/queuePolicy:QueuePolicy", props: { policy: doc({ Sid: "Send", Effect: "Allow", Principal: principal, Action: "sqs:SendMessage", Resource: "q" }) } });
        expect(await resourceViolations(queuePolicyPrincipals, queue("*"))).to.deep.equal([
            'Send allows sqs:SendMessage to everyone (Principal "*"); anyone could send fake interruption events. Allow only events.amazonaws.com, sqs.amazonaws.com, events.amazonaws.com.cn, sqs.amazonaws.com.cn.',
        ]);
        expect(await resourceViolations(queuePolicyPrincipals, queue({ Service: ["events.amazonaws.com", "sqs.amazonaws.com"] }))).to.deep.equal([]);
    });

    it("karpenter-nodepool-limits: limits above the stack's ceiling are refused; Kubernetes quantities are compared as numbers", async () => {
        const pool = (limits: Record<string, string>) => ({ type: "kubernetes:karpenter.sh/v1:NodePool", props: { metadata: { name: "p" }, spec: { limits } } });
        expect(await resourceViolations(nodePoolLimits, pool({ cpu: "100000", memory: "1Ti" }), { maxCpu: "64", maxMemory: "256Gi" })).to.deep.equal([
            "NodePool p limits cpu to 100000, above this stack's ceiling of 64; a limit that high is no limit.",
            "NodePool p limits memory to 1Ti, above this stack's ceiling of 256Gi; a limit that high is no limit.",
        ]);
        expect(await resourceViolations(nodePoolLimits, pool({ cpu: "64000m", memory: "262144Mi" }), { maxCpu: "64", maxMemory: "256Gi" })).to.deep.equal([]);
        expect([parseQuantity("500m"), parseQuantity("1Ki"), parseQuantity("2G"), parseQuantity("lots")]).to.deep.equal([0.5, 1024, 2e9, undefined]);
    });

    it("karpenter-nodeclass-private-subnets: a selector matching the public subnets' tags or ids is refused", async () => {
        const vpc = { type: "awsx:ec2:Vpc", props: { publicSubnetIds: ["subnet-pub"], subnetSpecs: [{ type: "Private", tags: { "karpenter.sh/discovery": "demo" } }, { type: "Public", tags: { "kubernetes.io/role/elb": "1" } }] } };
        const nc = (terms: unknown[]) => ({ type: "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", props: { metadata: { name: "c" }, spec: { subnetSelectorTerms: terms } } });
        expect(await stackViolations(nodeClassPrivateSubnets, [vpc, nc([{ tags: { "kubernetes.io/role/elb": "*" } }, { id: "subnet-pub" }])])).to.deep.equal([
            'EC2NodeClass c selects subnets tagged {"kubernetes.io/role/elb":"*"}, which public subnets carry; select the private subnets only.',
            "EC2NodeClass c selects public subnet subnet-pub; nodes there would get public addresses next to the load balancers.",
        ]);
        expect(await stackViolations(nodeClassPrivateSubnets, [vpc, nc([{ tags: { "karpenter.sh/discovery": "demo" } }])])).to.deep.equal([]);
    });

    it("kms-key-hardening: a key without rotation or with Principal * is refused", async () => {
        const key = (props: Record<string, unknown>) => ({ type: "aws:kms/key:Key", props: { description: "secrets", ...props } });
        expect(await resourceViolations(kmsKeyHardening, key({ enableKeyRotation: false, policy: doc({ Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Resource: "*" }) }))).to.deep.equal([
            'KMS key "secrets" does not rotate (enableKeyRotation is false); a leaked key version stays valid forever.',
            'the policy of KMS key "secrets" allows kms:Decrypt to everyone (Principal "*"); name the account or roles.',
        ]);
        expect(await resourceViolations(kmsKeyHardening, key({ enableKeyRotation: true }))).to.deep.equal([]);
    });

    it("ec2-launch-template-hardening: IMDSv1, a hop limit above the ceiling and an unencrypted volume are refused", async () => {
        const lt = (md: Record<string, unknown>, encrypted: string) => ({ type: "aws:ec2/launchTemplate:LaunchTemplate", name: "system", props: { metadataOptions: md, blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted } }] } });
        expect(await resourceViolations(launchTemplateHardening, lt({ httpTokens: "optional", httpPutResponseHopLimit: 3 }, "false"))).to.deep.equal([
            "launch template system does not require IMDSv2 (metadataOptions.httpTokens is optional); IMDSv1 hands the node role's credentials to any SSRF.",
            "launch template system has IMDS hop limit 3; at most 2, so pods beyond the controller cannot reach the node role's credentials.",
            "launch template system does not encrypt /dev/xvda (ebs.encrypted is false).",
        ]);
        expect(await resourceViolations(launchTemplateHardening, lt({ httpTokens: "required", httpPutResponseHopLimit: 2 }, "true"))).to.deep.equal([]);
    });

    it("ec2-no-open-ingress: 0.0.0.0/0 and ::/0 ingress is refused; a VPC CIDR passes", async () => {
        const sg = (cidrBlocks: string[]) => ({ type: "aws:ec2/securityGroup:SecurityGroup", name: "debug", props: { ingress: [{ fromPort: 22, toPort: 22, cidrBlocks }] } });
        expect(await resourceViolations(noOpenIngress, sg(["0.0.0.0/0"]))).to.deep.equal([
            "debug admits 0.0.0.0/0 on ports 22-22; the whole internet could reach the nodes. Allow the CIDRs or security groups that need it.",
        ]);
        expect(await resourceViolations(noOpenIngress, { type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name: "v6", props: { cidrIpv6: "::/0", fromPort: 443, toPort: 443 } })).to.have.length(1);
        expect(await resourceViolations(noOpenIngress, sg(["10.0.0.0/16"]))).to.deep.equal([]);
    });

    it("vpc-flow-logs: a VPC without a flow log of ALL traffic is refused", async () => {
        const vpc = { type: "awsx:ec2:Vpc", name: "vpc", props: { vpcId: "vpc-1" } };
        expect(await stackViolations(vpcFlowLogs, [vpc])).to.deep.equal(["VPC vpc has no flow log; rejected and accepted connections would leave no trace for an investigation."]);
        expect(await stackViolations(vpcFlowLogs, [vpc, { type: "aws:ec2/flowLog:FlowLog", props: { vpcId: "vpc-1", trafficType: "REJECT" } }])).to.deep.equal(["VPC vpc logs only REJECT traffic; record ALL."]);
        expect(await stackViolations(vpcFlowLogs, [vpc, { type: "aws:ec2/flowLog:FlowLog", props: { vpcId: "vpc-1", trafficType: "ALL" } }])).to.deep.equal([]);
        expect(await stackViolations(vpcFlowLogs, [{ type: "aws:ec2/vpc:Vpc", name: "plain", props: { id: "vpc-2" } }])).to.deep.equal([
            "VPC plain has no flow log; rejected and accepted connections would leave no trace for an investigation.",
        ]);
    });

    it("s3-bucket-hardening: a bare bucket is refused; blocked, encrypted and private passes", async () => {
        const bucket = { type: "aws:s3/bucket:Bucket", props: { bucket: "logs" } };
        expect(await stackViolations(s3BucketHardening, [bucket])).to.deep.equal([
            "bucket logs has no public access block with blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets; one policy or ACL edit would publish its objects.",
            "bucket logs has no server-side encryption configuration; set one (KMS for anything sensitive).",
        ]);
        const pab = { type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", props: { bucket: "logs", blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true } };
        const sse = { type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", props: { bucket: "logs", rules: [] } };
        expect(await stackViolations(s3BucketHardening, [bucket, pab, sse])).to.deep.equal([]);
        const open = { type: "aws:s3/bucketPolicy:BucketPolicy", props: { bucket: "logs", policy: doc({ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::logs/*" }) } };
        expect(await stackViolations(s3BucketHardening, [bucket, pab, sse, open])).to.deep.equal(['the policy of bucket logs allows s3:GetObject to everyone (Principal "*").']);
    });

    it("cloudwatch-log-retention: below the floor is refused; the floor and never-expire pass", async () => {
        const group = (retentionInDays?: number) => ({ type: "aws:cloudwatch/logGroup:LogGroup", props: { name: "/aws/eks/demo/cluster", retentionInDays } });
        expect(await resourceViolations(logRetention, group(1), { minRetentionDays: 7 })).to.deep.equal([
            "log group /aws/eks/demo/cluster keeps events 1 days; at least 7, or the evidence of an incident is gone before anyone looks.",
        ]);
        expect(await resourceViolations(logRetention, group(7), { minRetentionDays: 7 })).to.deep.equal([]);
        expect(await resourceViolations(logRetention, group(undefined), { minRetentionDays: 7 })).to.deep.equal([]);
    });

    it("eks-private-endpoint: a cluster without the private endpoint is refused", async () => {
        expect(await resourceViolations(privateEndpoint, { type: "eks:index:Cluster", props: { name: "demo", endpointPrivateAccess: false } })).to.deep.equal([
            "EKS cluster demo has no private API endpoint; node and pod traffic to the API would leave the VPC.",
        ]);
        expect(await resourceViolations(privateEndpoint, { type: "eks:index:Cluster", props: { name: "demo", endpointPrivateAccess: true } })).to.deep.equal([]);
    });

    it("eks-cluster-admin-allowlist: cluster admin only for allowed principals", async () => {
        const arn = "arn:aws:iam::123456789012:role/platform-admin";
        const cluster = { type: "eks:index:Cluster", props: { accessEntries: { a: { principalArn: arn, accessPolicies: { admin: { policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" } } } } } };
        expect(await resourceViolations(clusterAdminAllowList, cluster)).to.deep.equal([`${arn} gets cluster-admin access, but is not in allowedAdminPrincipalArns (empty).`]);
        expect(await resourceViolations(clusterAdminAllowList, cluster, { allowedAdminPrincipalArns: [arn] })).to.deep.equal([]);
    });

    it("every policy has an enforcement level in every stack's policy-config file, and no config names an unknown policy", () => {
        const dir = path.join(__dirname, "..", "policy-config");
        const names = allPolicies.map((p) => p.name);
        for (const file of fs.readdirSync(dir)) {
            const config = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as Record<string, unknown>;
            for (const name of names) {
                const entry = config[name];
                const level = typeof entry === "string" ? entry : (entry as { enforcementLevel?: string } | undefined)?.enforcementLevel;
                expect(["advisory", "mandatory", "remediate", "disabled"], `${file}: ${name}`).to.include(level);
            }
            expect(Object.keys(config).filter((k) => k !== "all" && !names.includes(k)), file).to.deep.equal([]);
        }
    });
});
