/**
 * What each resource type does when its inputs change: which input properties force a replacement, and whether
 * the provider replaces it delete-first on its own. The day-2 change plan (offline/change.ts) reads this table;
 * tests/change.spec.ts fails when the program registers a type the table lacks.
 *
 * Sources, by provider:
 * - AWS (pulumi-aws bridges terraform-provider-aws): the "Forces new resource" / `ForceNew: true` properties of
 *   each resource (terraform-provider-aws `website/docs/r/<resource>.html.markdown` and
 *   `internal/service/<service>/<resource>.go`). @pulumi/aws's TypeScript declarations do not carry them.
 *   Delete-first: pulumi-terraform-bridge `pkg/tfbridge` `nameRequiresDeleteBeforeReplace` answers
 *   `DeleteBeforeReplace: true` when an auto-nameable property (every string input literally called `name`,
 *   `ProviderInfo.SetAutonaming`) was given by the program instead of the auto-namer (pulumi/pulumi-terraform#465).
 *   So a fixed `name` is replaced delete-first; a fixed identity that is NOT a `name` property (an access entry's
 *   principal, an add-on's name) is replaced create-first and collides.
 * - Kubernetes (pulumi-kubernetes `provider/pkg/provider/provider.go` Diff): a change of `metadata.name` or
 *   `metadata.namespace`, or of a field the API server declares immutable, replaces the object; a named object
 *   replaced under the same name is deleted first (condition quoted in pulumi/pulumi-terraform#383).
 * - Helm releases: a release is identified by its name and namespace (`helm upgrade` can change neither).
 * - Dynamic providers: their own `diff` (components/karpenter/cleanup.ts replaces on cluster name or region).
 * - Remote components (eks:index:Cluster, awsx:ec2:Vpc): the inputs that reach a force-new property of the child
 *   they create (pulumi-eks v4.3.0 passes `name` → aws_eks_cluster.name, `vpcId`/subnets → vpc_config,
 *   `encryptionConfigKeyArn` → encryption_config; awsx v3.9.0 passes `cidrBlock` → aws_vpc.cidr_block and the
 *   AZ count / subnet layout → aws_subnet.cidr_block and availability_zone).
 */
export interface ReplacementRule {
    /** Input property paths (Pulumi names, dotted for nested) whose change replaces the resource. */
    forceNew: string[];
    /**
     * How the provider orders a replacement when the program did not set `deleteBeforeReplace`:
     * "name" → delete-first when `name` was given explicitly (bridge auto-naming rule);
     * "k8s-name" → delete-first when `metadata.name` is given and unchanged (pulumi-kubernetes);
     * "create-first" → always create-first (Pulumi's default).
     */
    order: "name" | "k8s-name" | "create-first";
    /**
     * Input paths that together identify the physical object in its account or cluster when `name` does not:
     * a create-first replacement with these unchanged collides with the object it replaces.
     */
    identity?: string[];
    /** Where the facts come from. */
    source: string;
}

const TF = (resource: string) => `terraform-provider-aws ${resource}: ForceNew properties`;

const K8S_OBJECT: ReplacementRule = {
    forceNew: ["metadata.name", "metadata.namespace"],
    order: "k8s-name",
    source: "pulumi-kubernetes Diff: name/namespace changes replace; named objects are replaced delete-first",
};

export const REPLACEMENT_RULES: Record<string, ReplacementRule> = {
    // IAM
    "aws:iam/role:Role": { forceNew: ["name", "namePrefix", "path"], order: "name", source: TF("aws_iam_role") },
    "aws:iam/policy:Policy": { forceNew: ["name", "namePrefix", "path", "description"], order: "name", source: TF("aws_iam_policy") },
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": { forceNew: ["role", "policyArn"], order: "create-first", source: TF("aws_iam_role_policy_attachment") },
    "aws:iam/rolePolicy:RolePolicy": { forceNew: ["name", "namePrefix", "role"], order: "name", source: TF("aws_iam_role_policy") },
    "aws:iam/serviceLinkedRole:ServiceLinkedRole": {
        forceNew: ["awsServiceName", "customSuffix"],
        order: "create-first",
        identity: ["awsServiceName", "customSuffix"],
        source: TF("aws_iam_service_linked_role"),
    },
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": { forceNew: ["url"], order: "create-first", identity: ["url"], source: TF("aws_iam_openid_connect_provider") },
    "aws:iam/instanceProfile:InstanceProfile": { forceNew: ["name", "namePrefix", "path"], order: "name", source: TF("aws_iam_instance_profile") },
    // EKS
    "aws:eks/cluster:Cluster": {
        forceNew: ["name", "roleArn", "vpcConfig.subnetIds", "encryptionConfig", "kubernetesNetworkConfig", "bootstrapSelfManagedAddons", "outpostConfig"],
        order: "name",
        source: TF("aws_eks_cluster"),
    },
    "aws:eks/nodeGroup:NodeGroup": {
        forceNew: ["amiType", "capacityType", "clusterName", "diskSize", "instanceTypes", "nodeGroupName", "nodeGroupNamePrefix", "nodeRoleArn", "remoteAccess", "subnetIds", "launchTemplate.id", "launchTemplate.name"],
        order: "create-first",
        source: TF("aws_eks_node_group"),
    },
    "aws:eks/addon:Addon": { forceNew: ["clusterName", "addonName"], order: "create-first", identity: ["clusterName", "addonName"], source: TF("aws_eks_addon") },
    "aws:eks/accessEntry:AccessEntry": {
        forceNew: ["clusterName", "principalArn", "type"],
        order: "create-first",
        identity: ["clusterName", "principalArn"],
        source: TF("aws_eks_access_entry"),
    },
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": {
        forceNew: ["clusterName", "principalArn", "policyArn", "accessScope"],
        order: "create-first",
        source: TF("aws_eks_access_policy_association"),
    },
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": {
        forceNew: ["clusterName", "namespace", "serviceAccount"],
        order: "create-first",
        identity: ["clusterName", "namespace", "serviceAccount"],
        source: TF("aws_eks_pod_identity_association"),
    },
    // EC2 and VPC
    "aws:ec2/launchTemplate:LaunchTemplate": { forceNew: ["name", "namePrefix"], order: "name", source: TF("aws_launch_template") },
    "aws:ec2/tag:Tag": { forceNew: ["resourceId", "key"], order: "create-first", source: TF("aws_ec2_tag") },
    "aws:ec2/vpc:Vpc": { forceNew: ["cidrBlock", "instanceTenancy", "ipv4IpamPoolId"], order: "create-first", source: TF("aws_vpc") },
    "aws:ec2/subnet:Subnet": { forceNew: ["vpcId", "cidrBlock", "availabilityZone", "availabilityZoneId"], order: "create-first", source: TF("aws_subnet") },
    // Children of the awsx VPC (modelled, offline/remoteChildren.ts).
    "aws:ec2/internetGateway:InternetGateway": { forceNew: [], order: "create-first", source: "terraform-provider-aws aws_internet_gateway: no ForceNew property (vpc_id is attached and detached in place)" },
    "aws:ec2/routeTable:RouteTable": { forceNew: ["vpcId"], order: "create-first", source: TF("aws_route_table") },
    "aws:ec2/routeTableAssociation:RouteTableAssociation": { forceNew: ["subnetId", "gatewayId"], order: "create-first", source: TF("aws_route_table_association (vpc_route_table_association.go)") },
    "aws:ec2/route:Route": { forceNew: ["routeTableId", "destinationCidrBlock", "destinationIpv6CidrBlock", "destinationPrefixListId"], order: "create-first", source: TF("aws_route (vpc_route.go)") },
    "aws:ec2/eip:Eip": { forceNew: ["address", "domain", "ipamPoolId", "networkBorderGroup", "publicIpv4Pool"], order: "create-first", source: TF("aws_eip (ec2_eip.go)") },
    "aws:ec2/natGateway:NatGateway": {
        forceNew: ["allocationId", "connectivityType", "privateIp", "secondaryPrivateIpAddressCount", "subnetId"],
        order: "create-first",
        source: TF("aws_nat_gateway (vpc_nat_gateway.go)"),
    },
    "aws:ec2/securityGroup:SecurityGroup": { forceNew: ["name", "namePrefix", "vpcId", "description"], order: "name", source: TF("aws_security_group") },
    "aws:ec2/securityGroupRule:SecurityGroupRule": {
        forceNew: ["type", "securityGroupId", "protocol", "fromPort", "toPort", "cidrBlocks", "sourceSecurityGroupId", "self"],
        order: "create-first",
        source: TF("aws_security_group_rule"),
    },
    "aws:ec2/flowLog:FlowLog": { forceNew: ["vpcId", "subnetId", "logDestination", "logDestinationType", "trafficType", "logFormat", "iamRoleArn"], order: "create-first", source: TF("aws_flow_log") },
    // Queue, rules, logs, keys
    "aws:sqs/queue:Queue": { forceNew: ["name", "namePrefix", "fifoQueue"], order: "name", source: TF("aws_sqs_queue") },
    "aws:sqs/queuePolicy:QueuePolicy": { forceNew: ["queueUrl"], order: "create-first", source: TF("aws_sqs_queue_policy") },
    "aws:cloudwatch/eventRule:EventRule": { forceNew: ["name", "namePrefix", "eventBusName"], order: "name", source: TF("aws_cloudwatch_event_rule") },
    "aws:cloudwatch/eventTarget:EventTarget": { forceNew: ["rule", "targetId", "eventBusName"], order: "create-first", identity: ["rule", "targetId"], source: TF("aws_cloudwatch_event_target") },
    "aws:cloudwatch/logGroup:LogGroup": { forceNew: ["name", "namePrefix", "logGroupClass"], order: "name", source: TF("aws_cloudwatch_log_group") },
    "aws:kms/key:Key": { forceNew: ["customerMasterKeySpec", "keyUsage", "multiRegion", "customKeyStoreId", "xksKeyId"], order: "create-first", source: TF("aws_kms_key") },
    "aws:kms/alias:Alias": { forceNew: ["name", "namePrefix"], order: "name", source: TF("aws_kms_alias") },
    "aws:s3/bucket:Bucket": { forceNew: ["bucket", "bucketPrefix"], order: "create-first", identity: ["bucket"], source: TF("aws_s3_bucket") },
    // Kubernetes
    "kubernetes:core/v1:Namespace": K8S_OBJECT,
    "kubernetes:apps/v1:Deployment": { ...K8S_OBJECT, forceNew: [...K8S_OBJECT.forceNew, "spec.selector"], source: `${K8S_OBJECT.source}; Deployment spec.selector is immutable (apps/v1 API)` },
    "kubernetes:karpenter.sh/v1:NodePool": K8S_OBJECT,
    "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass": K8S_OBJECT,
    "kubernetes:flowcontrol.apiserver.k8s.io/v1:FlowSchema": K8S_OBJECT,
    "kubernetes:helm.sh/v3:Release": { forceNew: ["name", "namespace"], order: "create-first", source: "Helm: a release is identified by name and namespace" },
    // Providers and dynamic resources
    "pulumi:providers:aws": { forceNew: ["region"], order: "create-first", source: "pulumi-aws DiffConfig: a provider in another region replaces every resource it manages" },
    "pulumi:providers:kubernetes": { forceNew: ["kubeconfig"], order: "create-first", source: "pulumi-kubernetes DiffConfig: a kubeconfig for another cluster replaces the provider and its objects" },
    "pulumi-nodejs:dynamic:Resource": { forceNew: ["clusterName", "region"], order: "create-first", source: "components/karpenter/cleanup.ts diff" },
    // Remote components: their children are replaced (see the module comment).
    "eks:index:Cluster": {
        forceNew: ["name", "vpcId", "privateSubnetIds", "publicSubnetIds", "encryptionConfigKeyArn", "kubernetesServiceIpAddressRange", "ipFamily"],
        order: "name",
        source: "pulumi-eks v4.3.0 → aws_eks_cluster ForceNew properties",
    },
    "awsx:ec2:Vpc": {
        forceNew: ["cidrBlock", "numberOfAvailabilityZones", "availabilityZoneNames", "availabilityZoneCidrMask", "subnetSpecs", "subnetStrategy"],
        order: "create-first",
        source: "awsx v3.9.0 → aws_vpc / aws_subnet ForceNew properties (CIDR, availability zone)",
    },
};

/** Project components register no cloud state: they are never replaced, only their children. */
export function isProjectComponent(type: string): boolean {
    return type.startsWith("eks-karpenter:");
}

/** The rule of a type, or an error naming the type (a new type must be added with its source). */
export function replacementRule(type: string): ReplacementRule {
    const rule = REPLACEMENT_RULES[type];
    if (!rule) throw new Error(`no replacement rule for ${type}: add it to offline/replacement.ts with its source`);
    return rule;
}
