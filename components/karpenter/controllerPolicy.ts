import { AwsScope, PolicyDocument, Statement } from "../iam";

/**
 * The Karpenter controller's IAM permissions, statement for statement as the upstream getting-started
 * CloudFormation template of aws/karpenter-provider-aws v1.14.1 grants them (same Sids, actions, resources and
 * conditions), scoped to one cluster, region, partition and account. Like upstream, they are split into six
 * managed policies by function, so no document nears IAM's 6,144-character limit however long the cluster name.
 */

export interface ControllerPolicyScope extends AwsScope {
    clusterName: string;
    /** ARN of the node role Karpenter passes to the instances it launches. */
    nodeRoleArn: string;
    /** ARN of the interruption queue. */
    queueArn: string;
}

export const CONTROLLER_POLICIES = ["NodeLifecycle", "IAMIntegration", "EKSIntegration", "Interruption", "ZonalShift", "ResourceDiscovery"] as const;
export type ControllerPolicy = (typeof CONTROLLER_POLICIES)[number];

/** Upstream's managed policy name: KarpenterController<Function>Policy-<cluster>. */
export function controllerPolicyName(policy: ControllerPolicy, clusterName: string): string {
    return `KarpenterController${policy}Policy-${clusterName}`;
}

/** Tags Karpenter puts on everything it creates for a cluster; the conditions below key on them. */
function clusterTag(clusterName: string): string {
    return `kubernetes.io/cluster/${clusterName}`;
}

export function controllerPolicyDocuments(s: ControllerPolicyScope): Record<ControllerPolicy, PolicyDocument> {
    const ec2 = (resource: string, account = "*") => `arn:${s.partition}:ec2:${s.region}:${account}:${resource}`;
    const instanceProfiles = `arn:${s.partition}:iam::${s.accountId}:instance-profile/*`;
    const clusterArn = `arn:${s.partition}:eks:${s.region}:${s.accountId}:cluster/${s.clusterName}`;
    const cluster = clusterTag(s.clusterName);
    const launched = ["fleet/*", "instance/*", "volume/*", "network-interface/*", "launch-template/*", "spot-instances-request/*"].map((r) => ec2(r));
    const ownedByNodePool = { StringEquals: { [`aws:ResourceTag/${cluster}`]: "owned" }, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } };
    const requestTagsForCluster = {
        [`aws:RequestTag/${cluster}`]: "owned",
        "aws:RequestTag/eks:eks-cluster-name": s.clusterName,
    };
    const doc = (...Statement: Statement[]): PolicyDocument => ({ Version: "2012-10-17", Statement });

    return {
        NodeLifecycle: doc(
            {
                Sid: "AllowScopedEC2InstanceAccessActions",
                Effect: "Allow",
                Resource: [
                    ec2("image/*", ""),
                    ec2("snapshot/*", ""),
                    ec2("security-group/*"),
                    ec2("subnet/*"),
                    ec2("capacity-reservation/*"),
                    ec2("placement-group/*"),
                ],
                Action: ["ec2:RunInstances", "ec2:CreateFleet"],
            },
            {
                Sid: "AllowScopedEC2LaunchTemplateAccessActions",
                Effect: "Allow",
                Resource: ec2("launch-template/*"),
                Action: ["ec2:RunInstances", "ec2:CreateFleet"],
                Condition: ownedByNodePool,
            },
            {
                Sid: "AllowScopedEC2InstanceActionsWithTags",
                Effect: "Allow",
                Resource: launched,
                Action: ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
                Condition: { StringEquals: requestTagsForCluster, StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" } },
            },
            {
                Sid: "AllowScopedResourceCreationTagging",
                Effect: "Allow",
                Resource: launched,
                Action: "ec2:CreateTags",
                Condition: {
                    StringEquals: { ...requestTagsForCluster, "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"] },
                    StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
                },
            },
            {
                Sid: "AllowScopedResourceTagging",
                Effect: "Allow",
                Resource: ec2("instance/*"),
                Action: "ec2:CreateTags",
                Condition: {
                    ...ownedByNodePool,
                    StringEqualsIfExists: { "aws:RequestTag/eks:eks-cluster-name": s.clusterName },
                    "ForAllValues:StringEquals": { "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"] },
                },
            },
            {
                Sid: "AllowScopedDeletion",
                Effect: "Allow",
                Resource: [ec2("instance/*"), ec2("launch-template/*")],
                Action: ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
                Condition: ownedByNodePool,
            },
        ),
        IAMIntegration: doc(
            {
                Sid: "AllowPassingInstanceRole",
                Effect: "Allow",
                Resource: s.nodeRoleArn,
                Action: "iam:PassRole",
                Condition: { StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"] } },
            },
            {
                Sid: "AllowScopedInstanceProfileCreationActions",
                Effect: "Allow",
                Resource: instanceProfiles,
                Action: ["iam:CreateInstanceProfile"],
                Condition: {
                    StringEquals: { ...requestTagsForCluster, "aws:RequestTag/topology.kubernetes.io/region": s.region },
                    StringLike: { "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" },
                },
            },
            {
                Sid: "AllowScopedInstanceProfileTagActions",
                Effect: "Allow",
                Resource: instanceProfiles,
                Action: ["iam:TagInstanceProfile"],
                Condition: {
                    StringEquals: {
                        [`aws:ResourceTag/${cluster}`]: "owned",
                        "aws:ResourceTag/topology.kubernetes.io/region": s.region,
                        ...requestTagsForCluster,
                        "aws:RequestTag/topology.kubernetes.io/region": s.region,
                    },
                    StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*", "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" },
                },
            },
            {
                Sid: "AllowScopedInstanceProfileActions",
                Effect: "Allow",
                Resource: instanceProfiles,
                Action: ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"],
                Condition: {
                    StringEquals: { [`aws:ResourceTag/${cluster}`]: "owned", "aws:ResourceTag/topology.kubernetes.io/region": s.region },
                    StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*" },
                },
            },
        ),
        EKSIntegration: doc({ Sid: "AllowAPIServerEndpointDiscovery", Effect: "Allow", Resource: clusterArn, Action: "eks:DescribeCluster" }),
        Interruption: doc({
            Sid: "AllowInterruptionQueueActions",
            Effect: "Allow",
            Resource: s.queueArn,
            Action: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
        }),
        ZonalShift: doc({
            Sid: "AllowZonalShiftStatusReadOnly",
            Effect: "Allow",
            Resource: "*",
            Action: ["arc-zonal-shift:GetManagedResource"],
            Condition: { StringEquals: { "arc-zonal-shift:ResourceIdentifier": clusterArn } },
        }),
        ResourceDiscovery: doc(
            {
                Sid: "AllowRegionalReadActions",
                Effect: "Allow",
                Resource: "*",
                Action: [
                    "ec2:DescribeCapacityReservations",
                    "ec2:DescribeImages",
                    "ec2:DescribeInstances",
                    "ec2:DescribeInstanceStatus",
                    "ec2:DescribeInstanceTypeOfferings",
                    "ec2:DescribeInstanceTypes",
                    "ec2:DescribeLaunchTemplates",
                    "ec2:DescribePlacementGroups",
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeSpotPriceHistory",
                    "ec2:DescribeSubnets",
                ],
                Condition: { StringEquals: { "aws:RequestedRegion": s.region } },
            },
            { Sid: "AllowSSMReadActions", Effect: "Allow", Resource: `arn:${s.partition}:ssm:${s.region}::parameter/aws/service/*`, Action: "ssm:GetParameter" },
            { Sid: "AllowPricingReadActions", Effect: "Allow", Resource: "*", Action: "pricing:GetProducts" },
            { Sid: "AllowUnscopedInstanceProfileListAction", Effect: "Allow", Resource: "*", Action: "iam:ListInstanceProfiles" },
            { Sid: "AllowInstanceProfileReadActions", Effect: "Allow", Resource: instanceProfiles, Action: "iam:GetInstanceProfile" },
        ),
    };
}

/** Trust of the controller role for EKS Pod Identity (AWS EKS User Guide, "pod-id-role"). */
export function podIdentityTrustPolicy(dnsSuffix: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "AllowEksAuthToAssumeRoleForPodIdentity",
                Effect: "Allow",
                Principal: { Service: `pods.eks.${dnsSuffix}` },
                Action: ["sts:AssumeRole", "sts:TagSession"],
            },
        ],
    };
}

/**
 * Trust of the controller role for IRSA: the cluster's OIDC provider, pinned to the controller's service account
 * (`:sub`) and to STS as the audience (`:aud`), as the upstream migration guide sets it.
 */
export function irsaTrustPolicy(oidcProviderArn: string, oidcProviderUrl: string, namespace: string, serviceAccount: string): PolicyDocument {
    const issuer = oidcProviderUrl.replace(/^https:\/\//, "");
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Federated: oidcProviderArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: { StringEquals: { [`${issuer}:aud`]: "sts.amazonaws.com", [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}` } },
            },
        ],
    };
}
