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
     * Paths that replace the resource only in one direction (terraform-provider-aws `CustomizeDiff` rules):
     * "removed" → set before and unset now (`customdiff.ForceNewIfChange` on going from one block to none);
     * "changed-from-set" → set before and different now (adding it where it was unset is an in-place update).
     */
    forceNewWhen?: { path: string; when: "removed" | "changed-from-set" }[];
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

/**
 * terraform-provider-aws source read for each entry (the `ForceNew: true` schema attributes, or
 * `RequiresReplace()` plan modifiers for Plugin Framework resources), as stored in the upstream index; the
 * commit is the one the file was read at. @pulumi/aws 7.48.0 declares no upstream version in its package, so
 * the newest stored file versions were read and their attribute names checked against @pulumi/aws 7.48.0's
 * `*Args` declarations (tests/replacement.spec.ts, fixture tests/fixtures/upstream-forcenew.json).
 */
const TF = (resource: string, file: string, commit: string) => `terraform-provider-aws ${resource} (${file} @ ${commit.slice(0, 12)}): ForceNew properties`;

const K8S_OBJECT: ReplacementRule = {
    forceNew: ["metadata.name", "metadata.namespace"],
    order: "k8s-name",
    source: "pulumi-kubernetes Diff: name/namespace changes replace; named objects are replaced delete-first",
};

export const REPLACEMENT_RULES: Record<string, ReplacementRule> = {
    // IAM
    // internal/service/iam/role.go: name, name_prefix, path ForceNew (checked by the table's first author).
    "aws:iam/role:Role": { forceNew: ["name", "namePrefix", "path"], order: "name", source: "terraform-provider-aws aws_iam_role (internal/service/iam/role.go): ForceNew properties" },
    // internal/service/iam/policy.go: description, name, name_prefix, path.
    "aws:iam/policy:Policy": { forceNew: ["name", "namePrefix", "path", "description"], order: "name", source: TF("aws_iam_policy", "internal/service/iam/policy.go", "01ccd9a2d118a3e81a9649759bf14303526dc9e6") },
    // internal/service/iam/role_policy_attachment.go: role, policy_arn.
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": { forceNew: ["role", "policyArn"], order: "create-first", source: TF("aws_iam_role_policy_attachment", "internal/service/iam/role_policy_attachment.go", "04c79849dbe7fbe76c3054b364357bcdaade9ac5") },
    // internal/service/iam/role_policy.go: name, name_prefix, role.
    "aws:iam/rolePolicy:RolePolicy": { forceNew: ["name", "namePrefix", "role"], order: "name", source: TF("aws_iam_role_policy", "internal/service/iam/role_policy.go", "02f97af85f89a04e8ed89f5e8b64a9a67f3cfe07") },
    // internal/service/iam/openid_connect_provider.go: url only (client_id_list and thumbprint_list update in place).
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": { forceNew: ["url"], order: "create-first", identity: ["url"], source: TF("aws_iam_openid_connect_provider", "internal/service/iam/openid_connect_provider.go", "01606926a0c0ab9174aec440f976a48b0baee722") },
    // EKS
    // internal/service/eks/cluster.go: name, role_arn, bootstrap_self_managed_addons,
    // access_config.bootstrap_cluster_creator_admin_permissions, kubernetes_network_config.{ip_family,service_ipv4_cidr},
    // outpost_config.{control_plane_instance_type,control_plane_placement.group_name}, remote_network_config (and its
    // cidrs). NOT vpc_config.subnet_ids (updated in place), NOT encryption_config except its removal
    // (customdiff.ForceNewIfChange 1 → 0), compute_config.node_role_arn only when an existing role changes.
    "aws:eks/cluster:Cluster": {
        forceNew: [
            "name",
            "roleArn",
            "bootstrapSelfManagedAddons",
            "accessConfig.bootstrapClusterCreatorAdminPermissions",
            "kubernetesNetworkConfig.ipFamily",
            "kubernetesNetworkConfig.serviceIpv4Cidr",
            "outpostConfig.controlPlaneInstanceType",
            "outpostConfig.controlPlanePlacement.groupName",
            "remoteNetworkConfig",
        ],
        forceNewWhen: [
            { path: "encryptionConfig", when: "removed" },
            { path: "computeConfig.nodeRoleArn", when: "changed-from-set" },
        ],
        order: "name",
        source: TF("aws_eks_cluster", "internal/service/eks/cluster.go", "00555dc5b38f92abbfa230badea0ed0754cea81e"),
    },
    // internal/service/eks/node_group.go: ami_type, capacity_type, cluster_name, disk_size, instance_types,
    // launch_template.{id,name}, node_group_name, node_group_name_prefix, node_role_arn, remote_access, subnet_ids.
    "aws:eks/nodeGroup:NodeGroup": {
        forceNew: ["amiType", "capacityType", "clusterName", "diskSize", "instanceTypes", "nodeGroupName", "nodeGroupNamePrefix", "nodeRoleArn", "remoteAccess", "subnetIds", "launchTemplate.id", "launchTemplate.name"],
        order: "create-first",
        source: TF("aws_eks_node_group", "internal/service/eks/node_group.go", "012e0a32f0686212f447447fd3d81c3d0ce256ad"),
    },
    // internal/service/eks/addon.go: addon_name, cluster_name.
    "aws:eks/addon:Addon": { forceNew: ["clusterName", "addonName"], order: "create-first", identity: ["clusterName", "addonName"], source: TF("aws_eks_addon", "internal/service/eks/addon.go", "00a35305dc1b297a6fcdecdfbba33f1e63c3da39") },
    // internal/service/eks/access_entry.go: cluster_name, principal_arn, type.
    "aws:eks/accessEntry:AccessEntry": {
        forceNew: ["clusterName", "principalArn", "type"],
        order: "create-first",
        identity: ["clusterName", "principalArn"],
        source: TF("aws_eks_access_entry", "internal/service/eks/access_entry.go", "01f431114674c27cf790fafb67ac274bf8f765e1"),
    },
    // internal/service/eks/pod_identity_association.go (Plugin Framework): RequiresReplace on cluster_name,
    // namespace, service_account; role_arn and target_role_arn update in place.
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": {
        forceNew: ["clusterName", "namespace", "serviceAccount"],
        order: "create-first",
        identity: ["clusterName", "namespace", "serviceAccount"],
        source: TF("aws_eks_pod_identity_association", "internal/service/eks/pod_identity_association.go", "00a35305dc1b297a6fcdecdfbba33f1e63c3da39"),
    },
    // EC2 and VPC
    // internal/service/ec2/ec2_launch_template.go, the whole schema read at 025e4f81cab8 (and c49358f89b43): only the
    // top-level name and name_prefix are ForceNew (no nested attribute; CustomizeDiff only marks default_version and
    // latest_version computed). An older file than the upstream of @pulumi/aws 7.48.0 (the newest stored).
    "aws:ec2/launchTemplate:LaunchTemplate": { forceNew: ["name", "namePrefix"], order: "name", source: TF("aws_launch_template", "internal/service/ec2/ec2_launch_template.go", "025e4f81cab8553cb052aebfcc5987e2aa8c702a") },
    // aws_ec2_tag (still an SDKv2 resource, resourceTag, per service_package_gen.go at 000cd09abd66): resource_id and
    // key ForceNew, value updated in place (Update), read in aws/resource_aws_ec2_tag.go at 299594d1f62a (the newest
    // version of its source stored; internal/service/ec2 moved it since). An older version had value ForceNew too.
    "aws:ec2/tag:Tag": { forceNew: ["resourceId", "key"], order: "create-first", source: TF("aws_ec2_tag", "aws/resource_aws_ec2_tag.go", "299594d1f62af7947b7512eb6ac17a096ba30217") },
    // internal/service/ec2/vpc_.go: cidr_block, ipv4_ipam_pool_id, ipv4_netmask_length. NOT instance_tenancy
    // (ModifyVpcTenancy in place).
    "aws:ec2/vpc:Vpc": { forceNew: ["cidrBlock", "ipv4IpamPoolId", "ipv4NetmaskLength"], order: "create-first", source: TF("aws_vpc", "internal/service/ec2/vpc_.go", "00081ce41cc691433ac19bf42227cdabffd0454d") },
    // internal/service/ec2/vpc_subnet.go: availability_zone, availability_zone_id, cidr_block, ipv4_ipam_pool_id,
    // ipv4_netmask_length, ipv6_ipam_pool_id, ipv6_native, ipv6_netmask_length, outpost_arn, vpc_id; ipv6_cidr_block
    // only when assign_ipv6_address_on_creation was true (CustomizeDiff; the program sets no IPv6).
    "aws:ec2/subnet:Subnet": {
        forceNew: ["vpcId", "cidrBlock", "availabilityZone", "availabilityZoneId", "ipv4IpamPoolId", "ipv4NetmaskLength", "ipv6IpamPoolId", "ipv6Native", "ipv6NetmaskLength", "outpostArn"],
        order: "create-first",
        source: TF("aws_subnet", "internal/service/ec2/vpc_subnet.go", "00cda125a19d31754cb0d073cf551264c57955cb"),
    },
    // Children of the awsx VPC (modelled, offline/remoteChildren.ts).
    // internal/service/ec2/vpc_internet_gateway.go: no ForceNew (vpc_id is attached and detached in place).
    "aws:ec2/internetGateway:InternetGateway": { forceNew: [], order: "create-first", source: TF("aws_internet_gateway", "internal/service/ec2/vpc_internet_gateway.go", "08923b68b5ad6fcfdd38362fb5247e39a9b07add") + " (none)" },
    // internal/service/ec2/vpc_route_table.go: vpc_id.
    "aws:ec2/routeTable:RouteTable": { forceNew: ["vpcId"], order: "create-first", source: TF("aws_route_table", "internal/service/ec2/vpc_route_table.go", "022092419b7cda11527df3c6b51cbfe1876c1722") },
    // internal/service/ec2/vpc_route_table_association.go: subnet_id, gateway_id (route_table_id is replaced in place).
    "aws:ec2/routeTableAssociation:RouteTableAssociation": { forceNew: ["subnetId", "gatewayId"], order: "create-first", source: TF("aws_route_table_association", "internal/service/ec2/vpc_route_table_association.go", "0be71beb458ad8875e0acc5c91519c0ceeb214aa") },
    // internal/service/ec2/vpc_route.go: route_table_id and the three destinations; targets are ReplaceRoute'd.
    "aws:ec2/route:Route": { forceNew: ["routeTableId", "destinationCidrBlock", "destinationIpv6CidrBlock", "destinationPrefixListId"], order: "create-first", source: TF("aws_route", "internal/service/ec2/vpc_route.go", "0128541e0711766f28540143a9d73738aced60aa") },
    // internal/service/ec2/ec2_eip.go: address, domain, ipam_pool_id, network_border_group, public_ipv4_pool.
    "aws:ec2/eip:Eip": { forceNew: ["address", "domain", "ipamPoolId", "networkBorderGroup", "publicIpv4Pool"], order: "create-first", source: TF("aws_eip", "internal/service/ec2/ec2_eip.go", "01606926a0c0ab9174aec440f976a48b0baee722") },
    // internal/service/ec2/vpc_nat_gateway.go: allocation_id, connectivity_type, private_ip,
    // secondary_private_ip_address_count, subnet_id.
    "aws:ec2/natGateway:NatGateway": {
        forceNew: ["allocationId", "connectivityType", "privateIp", "secondaryPrivateIpAddressCount", "subnetId"],
        order: "create-first",
        source: TF("aws_nat_gateway", "internal/service/ec2/vpc_nat_gateway.go", "04088eaa54948421bf1ef7494ae2b2c01d9243e3"),
    },
    // internal/service/ec2/vpc_flow_log.go: every argument but tags ("Tags only" update).
    "aws:ec2/flowLog:FlowLog": {
        forceNew: [
            "deliverCrossAccountRole",
            "destinationOptions",
            "eniId",
            "iamRoleArn",
            "logDestination",
            "logDestinationType",
            "logFormat",
            "maxAggregationInterval",
            "regionalNatGatewayId",
            "subnetId",
            "trafficType",
            "transitGatewayAttachmentId",
            "transitGatewayId",
            "vpcId",
        ],
        order: "create-first",
        source: TF("aws_flow_log", "internal/service/ec2/vpc_flow_log.go", "00a35305dc1b297a6fcdecdfbba33f1e63c3da39"),
    },
    // Queue, rules, logs, keys
    // internal/service/sqs/queue.go: fifo_queue, name, name_prefix.
    "aws:sqs/queue:Queue": { forceNew: ["name", "namePrefix", "fifoQueue"], order: "name", source: TF("aws_sqs_queue", "internal/service/sqs/queue.go", "00a35305dc1b297a6fcdecdfbba33f1e63c3da39") },
    // internal/service/sqs/queue_policy.go: queue_url.
    "aws:sqs/queuePolicy:QueuePolicy": { forceNew: ["queueUrl"], order: "create-first", source: TF("aws_sqs_queue_policy", "internal/service/sqs/queue_policy.go", "0148137dc6fb802b97b74036846777ab15c0f9ad") },
    // internal/service/events/rule.go: event_bus_name, name, name_prefix.
    "aws:cloudwatch/eventRule:EventRule": { forceNew: ["name", "namePrefix", "eventBusName"], order: "name", source: TF("aws_cloudwatch_event_rule", "internal/service/events/rule.go", "0cdab4ae09a963535e03dde0bff4784afe8e3517") },
    // internal/service/events/target.go: event_bus_name, rule, target_id.
    "aws:cloudwatch/eventTarget:EventTarget": { forceNew: ["rule", "targetId", "eventBusName"], order: "create-first", identity: ["rule", "targetId"], source: TF("aws_cloudwatch_event_target", "internal/service/events/target.go", "0762c41e2027fcd3cb8340d3e6886c6975fc0a59") },
    // internal/service/logs/group.go: log_group_class, name, name_prefix.
    "aws:cloudwatch/logGroup:LogGroup": { forceNew: ["name", "namePrefix", "logGroupClass"], order: "name", source: TF("aws_cloudwatch_log_group", "internal/service/logs/group.go", "0073593e7d6993ba482409f4dc35438daaa79bb3") },
    // internal/service/kms/key.go: custom_key_store_id, customer_master_key_spec, key_usage, multi_region, xks_key_id.
    "aws:kms/key:Key": { forceNew: ["customerMasterKeySpec", "keyUsage", "multiRegion", "customKeyStoreId", "xksKeyId"], order: "create-first", source: TF("aws_kms_key", "internal/service/kms/key.go", "00a35305dc1b297a6fcdecdfbba33f1e63c3da39") },
    // internal/service/kms/alias.go: name, name_prefix (target_key_id updates in place).
    "aws:kms/alias:Alias": { forceNew: ["name", "namePrefix"], order: "name", source: TF("aws_kms_alias", "internal/service/kms/alias.go", "01c08000ddb14181b5bd19201d8fca311dc570e4") },
    // Kubernetes
    "kubernetes:core/v1:Namespace": K8S_OBJECT,
    "kubernetes:apps/v1:Deployment": { ...K8S_OBJECT, forceNew: [...K8S_OBJECT.forceNew, "spec.selector"], source: `${K8S_OBJECT.source}; Deployment spec.selector is immutable (apps/v1 API)` },
    "kubernetes:karpenter.sh/v1:NodePool": K8S_OBJECT,
    "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass": K8S_OBJECT,
    "kubernetes:flowcontrol.apiserver.k8s.io/v1:FlowSchema": K8S_OBJECT,
    // pulumi-kubernetes provider/pkg/provider/helm_release.go Diff (read @ 01799d569956, not pinned to 4.34.2):
    // forceNewFields ".name", ".namespace"; DeleteBeforeReplace: false (create-first).
    "kubernetes:helm.sh/v3:Release": { forceNew: ["name", "namespace"], order: "create-first", source: "pulumi-kubernetes helm_release.go Diff: forceNewFields name, namespace; DeleteBeforeReplace false" },
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
