import type { ProgramRun } from "../../offline/engine";
import { ACCOUNT_ID } from "../../offline/cloud";
import { add, editDocument, pick, set, sid } from "./mutate";

/**
 * Realistic insecure edits a careless change to this program could make, each with the policies that must block
 * it (mandatory under the stack's policy-config/<stack>.json). tests/policyMutations.spec.ts applies them to the
 * dev and prod stacks as the real program registers them under the offline engine.
 */

export interface InsecureEdit {
    family: string;
    edit: string;
    /** Policies whose mandatory violations the edit must raise (exactly these). */
    blockedBy: string[];
    /** Stack config the edit starts from (e.g. a permissions boundary), beside the stack file's. */
    config?: Record<string, unknown>;
    apply(run: ProgramRun, stack: Stack): void;
}

export interface Stack {
    clusterName: string;
    /** Logical name prefix of every resource (the cluster name). */
    prefix: string;
}

const BOUNDARY = "arn:aws:iam::123456789012:policy/org-boundary";
export const R = {
    role: "aws:iam/role:Role",
    policy: "aws:iam/policy:Policy",
    attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    queuePolicy: "aws:sqs/queuePolicy:QueuePolicy",
    nodePool: "kubernetes:karpenter.sh/v1:NodePool",
    nodeClass: "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass",
    cluster: "eks:index:Cluster",
    component: { cluster: "eks-karpenter:cluster:Cluster", karpenter: "eks-karpenter:karpenter:KarpenterController", network: "eks-karpenter:network:Network" },
};
const component = (run: ProgramRun, type: string) => run.resources.find((r) => r.type === type)!;
const nodeLifecycle = (run: ProgramRun) => pick(run, R.policy, "-karpenter-NodeLifecycle");
const iamIntegration = (run: ProgramRun) => pick(run, R.policy, "-karpenter-IAMIntegration");
const controllerRole = (run: ProgramRun) => pick(run, R.role, "-karpenter-controller");
const deleteCondition = (statement: Record<string, any>, operator: string, key: string) => {
    delete statement.Condition[operator][key];
    if (Object.keys(statement.Condition[operator]).length === 0) delete statement.Condition[operator];
};
const firstOf = (run: ProgramRun, type: string) => run.resources.find((r) => r.type === type)!;

export const EDITS: InsecureEdit[] = [
    // Karpenter's tag scoping: the controller may only touch what carries this cluster's tags.
    {
        family: "Karpenter tag scoping",
        edit: "AllowScopedDeletion loses its kubernetes.io/cluster/<name> tag condition",
        blockedBy: ["karpenter-controller-scoping"],
        apply: (run, s) => editDocument(nodeLifecycle(run), "policy", (d) => deleteCondition(sid(d, "AllowScopedDeletion"), "StringEquals", `aws:ResourceTag/kubernetes.io/cluster/${s.clusterName}`)),
    },
    {
        family: "Karpenter tag scoping",
        edit: "AllowScopedDeletion loses every condition (its resources are ARNs, not \"*\")",
        blockedBy: ["karpenter-controller-scoping"],
        apply: (run) => editDocument(nodeLifecycle(run), "policy", (d) => delete sid(d, "AllowScopedDeletion").Condition),
    },
    {
        family: "Karpenter tag scoping",
        edit: "AllowScopedDeletion's instance ARNs widened to every region",
        blockedBy: ["karpenter-controller-scoping"],
        apply: (run) => editDocument(nodeLifecycle(run), "policy", (d) => (sid(d, "AllowScopedDeletion").Resource = ["arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:*:*:launch-template/*"])),
    },
    {
        family: "Karpenter tag scoping",
        edit: "AllowScopedInstanceProfileActions loses its region condition",
        blockedBy: ["karpenter-controller-scoping"],
        apply: (run) => editDocument(iamIntegration(run), "policy", (d) => deleteCondition(sid(d, "AllowScopedInstanceProfileActions"), "StringEquals", "aws:ResourceTag/topology.kubernetes.io/region")),
    },
    {
        family: "Karpenter tag scoping",
        edit: "AllowScopedInstanceProfileCreationActions loses its ec2nodeclass condition",
        blockedBy: ["karpenter-controller-scoping"],
        apply: (run) => editDocument(iamIntegration(run), "policy", (d) => deleteCondition(sid(d, "AllowScopedInstanceProfileCreationActions"), "StringLike", "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass")),
    },
    {
        family: "Karpenter tag scoping",
        edit: "AllowScopedEC2InstanceActionsWithTags loses its karpenter.sh/nodepool request tag",
        blockedBy: ["karpenter-controller-scoping"],
        apply: (run) => editDocument(nodeLifecycle(run), "policy", (d) => deleteCondition(sid(d, "AllowScopedEC2InstanceActionsWithTags"), "StringLike", "aws:RequestTag/karpenter.sh/nodepool")),
    },
    {
        family: "Karpenter tag scoping",
        edit: "AllowScopedResourceCreationTagging loses its ec2:CreateAction condition",
        blockedBy: ["karpenter-controller-scoping"],
        apply: (run) => editDocument(nodeLifecycle(run), "policy", (d) => deleteCondition(sid(d, "AllowScopedResourceCreationTagging"), "StringEquals", "ec2:CreateAction")),
    },
    {
        family: "Karpenter tag scoping",
        edit: "the controller may pass the system node role instead of Karpenter's node role",
        blockedBy: ["karpenter-controller-scoping"],
        apply: (run) => {
            const systemRole = pick(run, R.role, "-system-node");
            editDocument(iamIntegration(run), "policy", (d) => (sid(d, "AllowPassingInstanceRole").Resource = systemRole.state.arn));
        },
    },
    {
        family: "Karpenter tag scoping",
        edit: "the controller gets ec2:DeleteSecurityGroup (upstream never grants it)",
        blockedBy: ["karpenter-controller-scoping"],
        apply: (run, s) =>
            editDocument(nodeLifecycle(run), "policy", (d) =>
                d.Statement.push({ Sid: "AllowSgCleanup", Effect: "Allow", Action: "ec2:DeleteSecurityGroup", Resource: "arn:aws:ec2:us-west-2:*:security-group/*", Condition: { StringEquals: { [`aws:ResourceTag/kubernetes.io/cluster/${s.clusterName}`]: "owned" } } }),
            ),
    },
    {
        family: "Karpenter tag scoping",
        edit: "the controller's NodeLifecycle policy is also attached to Karpenter's node role",
        blockedBy: ["karpenter-controller-scoping"],
        apply: (run, s) => {
            const policy = nodeLifecycle(run);
            add(run, component(run, R.component.karpenter), R.attachment, `${s.prefix}-karpenter-node-NodeLifecycle`, { role: `${s.clusterName}-karpenter-node`, policyArn: policy.state.arn });
        },
    },
    {
        family: "Karpenter tag scoping",
        edit: "the system node role gets an inline ec2:TerminateInstances (tag-conditioned)",
        blockedBy: ["karpenter-controller-scoping"],
        apply: (run, s) => {
            const role = pick(run, R.role, "-system-node");
            const policy = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "ec2:TerminateInstances", Resource: "arn:aws:ec2:us-west-2:*:instance/*", Condition: { StringEquals: { [`aws:ResourceTag/kubernetes.io/cluster/${s.clusterName}`]: "owned" } } }] };
            add(run, component(run, R.component.cluster), "aws:iam/rolePolicy:RolePolicy", `${s.prefix}-system-node-terminate`, { role: role.state.name, policy: JSON.stringify(policy) });
        },
    },
    // Trust policies.
    {
        family: "Trust policies",
        edit: "the controller role trusts every service account of the cluster (IRSA, :sub system:serviceaccount:*:*)",
        blockedBy: ["iam-trust-policy"],
        apply: (run) => {
            const cluster = firstOf(run, R.cluster);
            const issuer = String(cluster.state.oidcProviderUrl);
            const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: cluster.state.oidcProviderArn }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { [`${issuer}:aud`]: "sts.amazonaws.com" }, StringLike: { [`${issuer}:sub`]: "system:serviceaccount:*:*" } } }] };
            set(controllerRole(run), "assumeRolePolicy", JSON.stringify(trust));
        },
    },
    {
        family: "Trust policies",
        edit: "the controller role also trusts another account, without sts:ExternalId or an organization condition",
        blockedBy: ["iam-trust-cross-account"],
        apply: (run) => editDocument(controllerRole(run), "assumeRolePolicy", (d) => d.Statement.push({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::999999999999:root" }, Action: "sts:AssumeRole" })),
    },
    {
        family: "Trust policies",
        edit: "the node role trusts everyone (Principal AWS \"*\")",
        blockedBy: ["iam-trust-policy", "iam-trust-cross-account"],
        apply: (run) => editDocument(pick(run, R.role, "-karpenter-node"), "assumeRolePolicy", (d) => (d.Statement[0].Principal = { AWS: "*" })),
    },
    // Queue policies.
    {
        family: "Queue policies",
        edit: "anyone may send to the interruption queue (Principal \"*\")",
        blockedBy: ["sqs-queue-policy-principals"],
        apply: (run) => editDocument(pick(run, R.queuePolicy, "-karpenter-interruption"), "policy", (d) => (sid(d, "AllowEventBridgeToSend").Principal = "*")),
    },
    {
        family: "Queue policies",
        edit: "another account may send to the interruption queue",
        blockedBy: ["sqs-queue-policy-principals"],
        apply: (run) => editDocument(pick(run, R.queuePolicy, "-karpenter-interruption"), "policy", (d) => (sid(d, "AllowEventBridgeToSend").Principal = { AWS: "arn:aws:iam::999999999999:root" })),
    },
    // NodePool bounds.
    {
        family: "NodePool bounds",
        edit: "a NodePool's cpu limit raised to 100000",
        blockedBy: ["karpenter-nodepool-limits"],
        apply: (run) => {
            const pool = firstOf(run, R.nodePool);
            const spec = structuredClone(pool.inputs.spec) as Record<string, any>;
            spec.limits.cpu = "100000";
            set(pool, "spec", spec);
        },
    },
    {
        family: "NodePool bounds",
        edit: "a NodePool's memory limit raised to 100Ti",
        blockedBy: ["karpenter-nodepool-limits"],
        apply: (run) => {
            const pool = firstOf(run, R.nodePool);
            const spec = structuredClone(pool.inputs.spec) as Record<string, any>;
            spec.limits.memory = "100Ti";
            set(pool, "spec", spec);
        },
    },
    {
        family: "NodePool bounds",
        edit: "an EC2NodeClass selects subnets by the public subnets' kubernetes.io/role/elb tag",
        blockedBy: ["karpenter-nodeclass-private-subnets"],
        apply: (run) => {
            const nc = firstOf(run, R.nodeClass);
            const spec = structuredClone(nc.inputs.spec) as Record<string, any>;
            spec.subnetSelectorTerms = [{ tags: { "kubernetes.io/role/elb": "1" } }];
            set(nc, "spec", spec);
        },
    },
    {
        family: "NodePool bounds",
        edit: "an EC2NodeClass adds a public subnet by id",
        blockedBy: ["karpenter-nodeclass-private-subnets"],
        apply: (run) => {
            const nc = firstOf(run, R.nodeClass);
            const spec = structuredClone(nc.inputs.spec) as Record<string, any>;
            spec.subnetSelectorTerms = [...spec.subnetSelectorTerms, { id: (firstOf(run, "awsx:ec2:Vpc").state.publicSubnetIds as string[])[0] }];
            set(nc, "spec", spec);
        },
    },
    // The rest of the stack's hardening.
    {
        family: "Stack hardening",
        edit: "the secrets KMS key stops rotating",
        blockedBy: ["kms-key-hardening"],
        apply: (run) => set(firstOf(run, "aws:kms/key:Key"), "enableKeyRotation", false),
    },
    {
        family: "Stack hardening",
        edit: "the secrets KMS key gets a policy allowing kms:Decrypt to Principal \"*\"",
        blockedBy: ["kms-key-hardening"],
        apply: (run) =>
            set(
                firstOf(run, "aws:kms/key:Key"),
                "policy",
                JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "Root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:root` }, Action: "kms:*", Resource: "*" }, { Sid: "Open", Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Resource: "*" }] }),
            ),
    },
    {
        family: "Stack hardening",
        edit: "the system node launch template allows IMDSv1",
        blockedBy: ["ec2-launch-template-hardening"],
        apply: (run) => set(firstOf(run, "aws:ec2/launchTemplate:LaunchTemplate"), "metadataOptions", { httpEndpoint: "enabled", httpTokens: "optional", httpPutResponseHopLimit: 2 }),
    },
    {
        family: "Stack hardening",
        edit: "the system node launch template raises the IMDS hop limit to 3",
        blockedBy: ["ec2-launch-template-hardening"],
        apply: (run) => set(firstOf(run, "aws:ec2/launchTemplate:LaunchTemplate"), "metadataOptions", { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 3 }),
    },
    {
        family: "Stack hardening",
        edit: "the system node root volume is no longer encrypted",
        blockedBy: ["ec2-launch-template-hardening"],
        apply: (run) => {
            const lt = firstOf(run, "aws:ec2/launchTemplate:LaunchTemplate");
            const devices = structuredClone(lt.inputs.blockDeviceMappings) as Array<{ ebs: Record<string, unknown> }>;
            devices[0].ebs.encrypted = "false";
            set(lt, "blockDeviceMappings", devices);
        },
    },
    {
        family: "Stack hardening",
        edit: "a security group for debugging admits SSH from 0.0.0.0/0",
        blockedBy: ["ec2-no-open-ingress"],
        apply: (run, s) =>
            add(run, component(run, R.component.cluster), "aws:ec2/securityGroup:SecurityGroup", `${s.prefix}-debug`, {
                vpcId: firstOf(run, "awsx:ec2:Vpc").state.vpcId,
                ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }],
            }),
    },
    {
        family: "Stack hardening",
        edit: "an ingress rule opens the cluster security group to ::/0 on 443",
        blockedBy: ["ec2-no-open-ingress"],
        apply: (run, s) =>
            add(run, component(run, R.component.cluster), "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", `${s.prefix}-api-v6`, {
                securityGroupId: firstOf(run, R.cluster).state.clusterSecurityGroupId,
                ipProtocol: "tcp",
                fromPort: 443,
                toPort: 443,
                cidrIpv6: "::/0",
            }),
    },
    {
        family: "Stack hardening",
        edit: "a bucket for Karpenter logs without public access block or encryption",
        blockedBy: ["s3-bucket-hardening"],
        apply: (run, s) => add(run, component(run, R.component.karpenter), "aws:s3/bucket:Bucket", `${s.prefix}-logs`, { bucket: `${s.clusterName}-logs` }),
    },
    {
        family: "Stack hardening",
        edit: "a blocked, encrypted bucket whose policy allows s3:GetObject to everyone",
        blockedBy: ["s3-bucket-hardening"],
        apply: (run, s) => {
            const parent = component(run, R.component.karpenter);
            const bucket = `${s.clusterName}-assets`;
            add(run, parent, "aws:s3/bucket:Bucket", `${s.prefix}-assets`, { bucket }, { id: bucket, arn: `arn:aws:s3:::${bucket}` });
            add(run, parent, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `${s.prefix}-assets`, { bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
            add(run, parent, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", `${s.prefix}-assets`, { bucket, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }] });
            add(run, parent, "aws:s3/bucketPolicy:BucketPolicy", `${s.prefix}-assets`, {
                bucket,
                policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/*` }] }),
            });
        },
    },
    {
        family: "Stack hardening",
        edit: "the control-plane log group keeps one day",
        blockedBy: ["cloudwatch-log-retention"],
        apply: (run, s) => set(pick(run, "aws:cloudwatch/logGroup:LogGroup", `${s.prefix}-control-plane-logs`), "retentionInDays", 1),
    },
    {
        family: "Stack hardening",
        edit: "the EKS private endpoint is turned off",
        blockedBy: ["eks-private-endpoint"],
        apply: (run) => set(firstOf(run, R.cluster), "endpointPrivateAccess", false),
    },
    {
        family: "Stack hardening",
        edit: "a contractor's role becomes cluster admin through an access entry",
        blockedBy: ["eks-cluster-admin-allowlist"],
        apply: (run) => {
            const arn = "arn:aws:iam::123456789012:role/contractor";
            set(firstOf(run, R.cluster), "accessEntries", {
                contractor: { principalArn: arn, accessPolicies: { admin: { policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", accessScope: { type: "cluster" } } } },
            });
        },
    },
    {
        family: "Stack hardening",
        edit: "the VPC flow log is removed",
        blockedBy: ["vpc-flow-logs"],
        apply: (run) => {
            run.resources = run.resources.filter((r) => r.type !== "aws:ec2/flowLog:FlowLog");
        },
    },
    {
        family: "Stack hardening",
        edit: "the VPC flow log records rejected traffic only",
        blockedBy: ["vpc-flow-logs"],
        apply: (run) => set(firstOf(run, "aws:ec2/flowLog:FlowLog"), "trafficType", "REJECT"),
    },
    // A permissions boundary set by the stack itself.
    {
        family: "Permissions boundary",
        edit: "with iam.permissionsBoundaryArn set, one role loses the boundary (no second file repeats it)",
        blockedBy: ["iam-permissions-boundary"],
        config: { iam: { path: "/", permissionsBoundaryArn: BOUNDARY } },
        apply: (run) => set(controllerRole(run), "permissionsBoundary", undefined),
    },
    // What the pack caught before: kept in the table so a regression shows.
    {
        family: "Earlier rules",
        edit: "the controller's discovery statement allows ec2:*",
        blockedBy: ["iam-no-wildcard-actions", "iam-no-unscoped-mutations", "karpenter-controller-scoping"],
        apply: (run) =>
            editDocument(pick(run, R.policy, "-karpenter-ResourceDiscovery"), "policy", (d) => {
                sid(d, "AllowRegionalReadActions").Action = ["ec2:*"];
                delete sid(d, "AllowRegionalReadActions").Condition;
            }),
    },
    {
        family: "Earlier rules",
        edit: "an EC2NodeClass allows IMDSv1",
        blockedBy: ["karpenter-ec2nodeclass-hardening"],
        apply: (run) => {
            const nc = firstOf(run, R.nodeClass);
            const spec = structuredClone(nc.inputs.spec) as Record<string, any>;
            spec.metadataOptions = { ...spec.metadataOptions, httpTokens: "optional" };
            set(nc, "spec", spec);
        },
    },
    {
        family: "Earlier rules",
        edit: "the node role gets AdministratorAccess",
        blockedBy: ["iam-no-broad-managed-policies"],
        apply: (run, s) => add(run, component(run, R.component.karpenter), R.attachment, `${s.prefix}-karpenter-node-admin`, { role: `${s.clusterName}-karpenter-node`, policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }),
    },
    {
        family: "Earlier rules",
        edit: "the interruption queue loses its encryption",
        blockedBy: ["karpenter-interruption-queue"],
        apply: (run) => set(firstOf(run, "aws:sqs/queue:Queue"), "sqsManagedSseEnabled", false),
    },
];

