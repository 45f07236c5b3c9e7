import * as pulumi from "@pulumi/pulumi";
import {
    AWS_TAG_KEY,
    AWS_TAG_VALUE,
    Problems,
    RawReader,
    readBool,
    nonPublicRange,
    readCidr,
    readEnum,
    readInt,
    readList,
    readString,
    readStringMap,
    unknownKeys,
} from "./validate";
import { DemoWorkloadConfig, parseDemoWorkload } from "./demoConfig";
import { KarpenterConfig, parseKarpenter } from "./karpenter/config";
import { NodePoolConfig, parseNodePools, restrictedTagProblem } from "./nodePools/config";
import { LEGACY_STACK_KEYS } from "./nodePools/legacy";

/** EKS control-plane log types (https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html). */
export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;
export type ControlPlaneLogType = (typeof CONTROL_PLANE_LOG_TYPES)[number];

/** Retention values CloudWatch Logs accepts (PutRetentionPolicy). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** EKS managed node group AMI types this project supports for the system node group (AL2023 and Bottlerocket). */
export const SYSTEM_AMI_TYPES = ["AL2023_x86_64_STANDARD", "AL2023_ARM_64_STANDARD", "BOTTLEROCKET_x86_64", "BOTTLEROCKET_ARM_64"] as const;

/** Tag keys the stack sets itself on every taggable resource (through the AWS provider's `defaultTags`). */
export const REQUIRED_TAG_KEYS = ["environment", "project", "owner", "managed-by"] as const;

export type NatGatewayStrategy = "single" | "onePerAz";

/** The cluster's EKS add-ons: two this stack installs, two pulumi-eks installs (kube-proxy, vpc-cni). */
export const EKS_ADDONS = ["coredns", "eks-pod-identity-agent", "kube-proxy", "vpc-cni"] as const;
export type EksAddon = (typeof EKS_ADDONS)[number];

/** An existing VPC to install into instead of creating one. */
export interface ExistingVpcConfig {
    vpcId: string;
    /** Subnets for nodes (at least two, in different AZs); they get the Karpenter discovery tag. */
    privateSubnetIds: string[];
    /** Subnets for internet-facing load balancers; may be empty. */
    publicSubnetIds: string[];
    /**
     * Say that the subnets lack the load balancer tags (`kubernetes.io/role/internal-elb` on the private ones,
     * `kubernetes.io/role/elb` on the public ones) and the stack should add them. A tag resource deletes its tag
     * on destroy, even a tag that was there before the stack, so shared subnets that already carry them must keep
     * this false: then only `karpenter.sh/discovery` is added. @default false
     */
    addLoadBalancerTags: boolean;
}

export interface NetworkConfig {
    /** @default "10.0.0.0/16" */
    vpcCidr: string;
    /** @default 3 */
    availabilityZoneCount: number;
    /** @default "onePerAz" */
    natGateways: NatGatewayStrategy;
    /** When set, no VPC is created. @default undefined */
    existingVpc?: ExistingVpcConfig;
    /** Flow logs (all traffic, to CloudWatch Logs) for a VPC the stack creates. @default true */
    vpcFlowLogs: boolean;
    /** Retention of the flow log group, one of CloudWatch Logs' periods. @default 30 */
    vpcFlowLogRetentionDays: number;
}

export interface SystemNodeGroupConfig {
    /** @default ["t3.medium"] */
    instanceTypes: string[];
    /** @default "ON_DEMAND" */
    capacityType: "ON_DEMAND" | "SPOT";
    /** @default 1 */
    minSize: number;
    /** @default 1 */
    desiredSize: number;
    /** @default 2 */
    maxSize: number;
    /** @default 20 */
    diskSizeGiB: number;
    /** @default "AL2023_x86_64_STANDARD" */
    amiType: (typeof SYSTEM_AMI_TYPES)[number];
}

export interface ClusterConfig {
    /** @default "1.36" */
    kubernetesVersion: string;
    /** @default true */
    endpointPrivateAccess: boolean;
    /** Empty disables the public endpoint. @default ["0.0.0.0/0"] */
    endpointPublicAccessCidrs: string[];
    /** @default ["api", "audit", "authenticator"] */
    controlPlaneLogTypes: ControlPlaneLogType[];
    /** @default 30 */
    controlPlaneLogRetentionDays: number;
    /** IAM role or user ARNs granted AmazonEKSClusterAdminPolicy. @default [] */
    adminPrincipalArns: string[];
    /** @default 30 */
    secretsKeyDeletionWindowDays: number;
    /** Pulumi `protect` on the cluster and the secrets KMS key. @default false */
    protect: boolean;
    /**
     * Exact versions of the cluster's EKS add-ons; an add-on left out gets AWS's default version for
     * `kubernetesVersion` (so it moves with it). @default {}
     */
    addonVersions: Partial<Record<EksAddon, string>>;
    systemNodeGroup: SystemNodeGroupConfig;
}

/** An EKS cluster (and its VPC) that the stack installs Karpenter into instead of creating one. */
export interface ExistingClusterConfig {
    name: string;
    vpcId: string;
    privateSubnetIds: string[];
    publicSubnetIds: string[];
    /** The security group Karpenter nodes join, e.g. the cluster security group. */
    securityGroupId: string;
    /** Labels of the existing nodes the Karpenter controller runs on (never nodes Karpenter launched). */
    controllerNodeSelector: Record<string, string>;
    /** Taint keys of those nodes that the controller tolerates. @default ["CriticalAddonsOnly"] */
    controllerTolerations: string[];
}

/** IAM settings organizations impose on every role the stack creates. */
export interface IamConfig {
    /** Path of every IAM role and policy. @default "/" */
    path: string;
    /** Permissions boundary of every role. @default unset */
    permissionsBoundaryArn?: string;
}

export interface StackConfig {
    project: string;
    stack: string;
    /** @default the stack name */
    environment: string;
    /** @default "<project>-<stack>" */
    clusterName: string;
    /** From `aws:region` (required). */
    region: string;
    /** The required tags plus `extraTags`; applied as the AWS provider's defaultTags. */
    tags: Record<string, string>;
    network: NetworkConfig;
    cluster: ClusterConfig;
    karpenter: KarpenterConfig;
    iam: IamConfig;
    /** Install into this cluster instead of creating the network and the cluster. @default unset */
    existingCluster?: ExistingClusterConfig;
    /** One NodePool and EC2NodeClass each. @default [] */
    nodePools: NodePoolConfig[];
    demoWorkload: DemoWorkloadConfig;
}

/** What Pulumi hands the program: the project, the stack and every config value as a string, keyed "namespace:key". */
export interface RawStackConfig {
    project: string;
    stack: string;
    values: Record<string, string>;
}

/**
 * Defaults of the scalar keys, also declared in Pulumi.yaml's `config:` block (a test keeps the two equal).
 * Structured keys (objects, lists of objects) are documented in the README.
 */
export const SCALAR_DEFAULTS = {
    kubernetesVersion: "1.36",
    vpcCidr: "10.0.0.0/16",
    availabilityZoneCount: 3,
    natGateways: "onePerAz",
    endpointPrivateAccess: true,
    endpointPublicAccessCidrs: ["0.0.0.0/0"],
    controlPlaneLogTypes: ["api", "audit", "authenticator"],
    controlPlaneLogRetentionDays: 30,
    adminPrincipalArns: [] as string[],
    secretsKeyDeletionWindowDays: 30,
    protect: false,
    vpcFlowLogs: true,
    vpcFlowLogRetentionDays: 30,
} as const;

export const SYSTEM_NODE_GROUP_DEFAULTS: SystemNodeGroupConfig = {
    instanceTypes: ["t3.medium"],
    capacityType: "ON_DEMAND",
    minSize: 1,
    desiredSize: 1,
    maxSize: 2,
    diskSizeGiB: 20,
    amiType: "AL2023_x86_64_STANDARD",
};

/** Keys this project no longer reads, with why and what to do instead (reported like LEGACY_STACK_KEYS). */
export const REMOVED_KEYS: Record<string, string> = {
    createSpotServiceLinkedRole:
        'is no longer supported: the EC2 Spot service-linked role is one per account, so a stack must not create (or, on destroy, delete) it. Create it once per account with "aws iam create-service-linked-role --aws-service-name spot.amazonaws.com" (see README "Deploying for real") and remove this key',
};

/** Every key this project reads from its own namespace; anything else is reported as unknown. */
export const KNOWN_KEYS = [
    "environment",
    "owner",
    "clusterName",
    "extraTags",
    "existingVpc",
    "systemNodeGroup",
    "karpenter",
    "nodePools",
    "demoWorkload",
    "iam",
    "existingCluster",
    "addonVersions",
    ...Object.keys(SCALAR_DEFAULTS),
] as const;

const NAME = { pattern: /^[a-z][a-z0-9-]{0,31}$/, describe: "lowercase letters, digits and hyphens, starting with a letter, at most 32 characters" };
/**
 * Longest cluster name. EKS allows 100, but the names of IAM roles derive from it: the longest auto-named one is
 * the cluster's service role "<cluster>-cluster-role-<7 hex>" (40 + 21 ≤ IAM's 64); the fixed names
 * "<cluster>-karpenter-node" and the EventBridge rules are shorter. (pulumi-eks's own service role,
 * "<cluster>-eks-eksRole-role-<7 hex>", would need ≤ 39: the stack gives pulumi-eks its role instead.)
 */
export const MAX_CLUSTER_NAME_LENGTH = 40;
const clusterNamePattern = (max: number) => ({
    pattern: new RegExp(`^[A-Za-z0-9][A-Za-z0-9_-]{0,${max - 1}}$`),
    describe: `an EKS cluster name: letters, digits, hyphens and underscores, starting with a letter or digit, at most ${max} characters (names of IAM roles derive from it)`,
});
const CLUSTER_NAME = clusterNamePattern(MAX_CLUSTER_NAME_LENGTH);
const K8S_VERSION = { pattern: /^1\.[0-9]{2}$/, describe: 'a Kubernetes minor version such as "1.36"' };
const REGION = { pattern: /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$/, describe: 'an AWS region such as "us-west-2"' };
const PRINCIPAL_ARN = {
    pattern: /^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)\/[\w+=,.@/-]+$/,
    describe: 'an IAM role or user ARN such as "arn:aws:iam::123456789012:role/platform-admin"',
};
const VPC_ID = { pattern: /^vpc-[0-9a-f]{8,17}$/, describe: 'a VPC id such as "vpc-0123456789abcdef0"' };
const SUBNET_ID = { pattern: /^subnet-[0-9a-f]{8,17}$/, describe: 'a subnet id such as "subnet-0123456789abcdef0"' };
const INSTANCE_TYPE = { pattern: /^[a-z][a-z0-9-]*\.[a-z0-9]+$/, describe: 'an EC2 instance type such as "t3.medium"' };

/** Thrown once with every problem; a RunError so the Pulumi CLI prints the message without a stack trace. */
export class StackConfigError extends pulumi.RunError {
    constructor(
        readonly stack: string,
        readonly problems: string[],
    ) {
        super(
            `Stack "${stack}" has ${problems.length} configuration problem${problems.length > 1 ? "s" : ""}:\n` +
                problems.map((problem, i) => `  ${i + 1}. ${problem}`).join("\n") +
                `\n${fixCommand(stack, problems)}`,
        );
        this.name = "StackConfigError";
    }
}

/**
 * How to fix the problems: `pulumi config set` for top-level keys; for a key inside a list or an object (e.g.
 * nodePools[0].consolidateAfter), `pulumi config set --path` with that path, or an edit of the stack file.
 */
export function fixCommand(stack: string, problems: string[]): string {
    const nested = problems
        .map((problem) => /^[\w-]+:([A-Za-z]\w*)(\[\d+\])?(?: \([^)]*\))?((?:\.[A-Za-z]\w*|\[\d+\])*)/.exec(problem))
        .find((m) => m && (m[2] || m[3]));
    const file = `Pulumi.${stack}.yaml`;
    const reference = 'see README "Configuration reference".';
    if (!nested) return `Fix them with "pulumi config set <key> <value>" (or edit ${file}); ${reference}`;
    const example = `${nested[1]}${nested[2] ?? ""}${nested[3]}`;
    return `Fix them by editing ${file}, or with "pulumi config set <key> <value>" for top-level keys and "pulumi config set --path '${example}' <value>" for keys inside lists and objects; ${reference}`;
}

/**
 * Turns raw stack config into a typed, defaulted StackConfig, or throws one StackConfigError listing every
 * problem. Pure: reads nothing but its argument.
 */
export function parseStackConfig(raw: RawStackConfig): StackConfig {
    const p = new Problems();
    const r = new RawReader(raw, p);
    const prefix = `${raw.project}:`;

    const ownKeys = Object.keys(raw.values)
        .filter((k) => k.startsWith(prefix))
        .map((k) => k.slice(prefix.length));
    unknownKeys(p, prefix, Object.fromEntries(ownKeys.map((k) => [k, true])), KNOWN_KEYS, { ...LEGACY_STACK_KEYS, ...REMOVED_KEYS });

    const region = raw.values["aws:region"];
    if (region === undefined) p.say("aws:region", 'is not set; run "pulumi config set aws:region us-west-2" (or your region).');
    else readString(p, "aws:region", region, REGION);

    const environment = readString(p, r.path("environment"), r.text("environment") ?? raw.stack, NAME);
    const owner = r.has("owner")
        ? readString(p, r.path("owner"), r.text("owner"), { pattern: /^\S.{0,255}$/, describe: "a team or person, at most 256 characters" })
        : p.say(r.path("owner"), 'is required: who owns this stack (a team or an email); run "pulumi config set owner platform-team".');
    const existingName = (r.json("existingCluster") as { name?: unknown } | undefined)?.name;
    if (r.has("existingCluster") && r.has("clusterName") && r.text("clusterName") !== existingName) {
        p.say(r.path("clusterName"), `differs from ${r.path("existingCluster")}.name; with an existing cluster, its name is the cluster name. Remove clusterName.`);
    }
    const clusterName = readString(p, r.path("clusterName"), typeof existingName === "string" ? existingName : (r.text("clusterName") ?? `${raw.project}-${raw.stack}`), CLUSTER_NAME);
    const extraTags = r.has("extraTags") ? readStringMap(p, r.path("extraTags"), r.json("extraTags"), { key: AWS_TAG_KEY, value: AWS_TAG_VALUE }) : {};
    for (const key of Object.keys(extraTags ?? {})) {
        // extraTags also reach the EC2 resources Karpenter launches, where its own tag keys are refused.
        const reserved = restrictedTagProblem(key);
        if (reserved) p.say(`${r.path("extraTags")}.${key}`, `${reserved}.`);
        if ((REQUIRED_TAG_KEYS as readonly string[]).includes(key)) {
            p.say(`${r.path("extraTags")}.${key}`, `is set by the stack itself; set it with the "${key === "managed-by" || key === "project" ? "(fixed)" : key}" key instead.`);
        }
    }

    const network = parseNetwork(r);
    const cluster = parseCluster(r);
    const karpenter = parseKarpenter(r, cluster?.kubernetesVersion);
    const nodePools = parseNodePools(r, { region, spotToSpotConsolidation: karpenter?.spotToSpotConsolidation ?? false });
    const demoWorkload = parseDemoWorkload(r, r.has("existingCluster"));
    const iam = parseIam(r);
    const existingCluster = r.has("existingCluster") ? parseExistingCluster(r) : undefined;

    if (!p.empty) throw new StackConfigError(raw.stack, p.list);
    return {
        project: raw.project,
        stack: raw.stack,
        environment: environment!,
        clusterName: clusterName!,
        region: region!,
        tags: { ...extraTags, environment: environment!, project: raw.project, owner: owner!, "managed-by": "pulumi" },
        network: network!,
        cluster: cluster!,
        karpenter: karpenter!,
        nodePools: nodePools!,
        demoWorkload: demoWorkload!,
        iam: iam!,
        ...(existingCluster ? { existingCluster } : {}),
    };
}

function parseNetwork(r: RawReader): NetworkConfig | undefined {
    const p = r.p;
    const existing = r.has("existingVpc") ? parseExistingVpc(r) : undefined;
    if (r.has("existingVpc")) {
        for (const key of ["vpcCidr", "availabilityZoneCount", "natGateways"] as const) {
            // Pulumi passes Pulumi.yaml defaults as if set, so only a value other than the default conflicts.
            if (r.has(key) && r.text(key) !== String(SCALAR_DEFAULTS[key])) p.say(r.path(key), `cannot be set together with ${r.path("existingVpc")}: the existing VPC already has its layout. Remove one of them.`);
        }
    }
    const vpcCidr = readCidr(p, r.path("vpcCidr"), r.text("vpcCidr") ?? SCALAR_DEFAULTS.vpcCidr, 16, 22);
    const availabilityZoneCount = readInt(p, r.path("availabilityZoneCount"), r.text("availabilityZoneCount") ?? SCALAR_DEFAULTS.availabilityZoneCount, 2, 4);
    const natGateways = readEnum<NatGatewayStrategy>(p, r.path("natGateways"), r.text("natGateways") ?? SCALAR_DEFAULTS.natGateways, ["single", "onePerAz"]);
    const vpcFlowLogs = readBool(p, r.path("vpcFlowLogs"), r.text("vpcFlowLogs") ?? SCALAR_DEFAULTS.vpcFlowLogs);
    const vpcFlowLogRetentionDays = readInt(p, r.path("vpcFlowLogRetentionDays"), r.text("vpcFlowLogRetentionDays") ?? SCALAR_DEFAULTS.vpcFlowLogRetentionDays, 1, 3653);
    if (vpcFlowLogRetentionDays !== undefined && !(LOG_RETENTION_DAYS as readonly number[]).includes(vpcFlowLogRetentionDays)) {
        p.add(r.path("vpcFlowLogRetentionDays"), vpcFlowLogRetentionDays, `one of the retention periods CloudWatch Logs accepts: ${LOG_RETENTION_DAYS.join(", ")}`);
    }
    if (vpcCidr === undefined || availabilityZoneCount === undefined || natGateways === undefined || vpcFlowLogs === undefined || vpcFlowLogRetentionDays === undefined) return undefined;
    if (r.has("existingVpc") && existing === undefined) return undefined;
    return { vpcCidr, availabilityZoneCount, natGateways, vpcFlowLogs, vpcFlowLogRetentionDays, ...(existing ? { existingVpc: existing } : {}) };
}

function parseExistingVpc(r: RawReader): ExistingVpcConfig | undefined {
    const p = r.p;
    const read = r.object("existingVpc", ["vpcId", "privateSubnetIds", "publicSubnetIds", "addLoadBalancerTags"], true);
    if (!read) return undefined;
    const { path, value } = read;
    const vpcId = readString(p, `${path}.vpcId`, value.vpcId, VPC_ID);
    const subnet = (itemPath: string, v: unknown) => readString(p, itemPath, v, SUBNET_ID);
    const privateSubnetIds = readList(p, `${path}.privateSubnetIds`, value.privateSubnetIds, subnet, { min: 2, unique: true });
    const publicSubnetIds = readList(p, `${path}.publicSubnetIds`, value.publicSubnetIds ?? [], subnet, { unique: true });
    const addLoadBalancerTags = readBool(p, `${path}.addLoadBalancerTags`, value.addLoadBalancerTags ?? false);
    if (!vpcId || !privateSubnetIds || !publicSubnetIds || addLoadBalancerTags === undefined) return undefined;
    return { vpcId, privateSubnetIds, publicSubnetIds, addLoadBalancerTags };
}

function parseCluster(r: RawReader): ClusterConfig | undefined {
    const p = r.p;
    const d = SCALAR_DEFAULTS;
    const kubernetesVersion = readString(p, r.path("kubernetesVersion"), r.text("kubernetesVersion") ?? d.kubernetesVersion, K8S_VERSION);
    const endpointPrivateAccess = readBool(p, r.path("endpointPrivateAccess"), r.text("endpointPrivateAccess") ?? d.endpointPrivateAccess);
    const cidrs = r.has("endpointPublicAccessCidrs") ? r.json("endpointPublicAccessCidrs") : d.endpointPublicAccessCidrs;
    // The public endpoint sees the public source addresses of whoever calls it: a CIDR that holds none (RFC 5737
    // documentation, RFC 1918 private, ...) lets nothing in, so every Kubernetes resource of `pulumi up` times out.
    const publicCidr = (ip: string, v: unknown) => {
        const cidr = readCidr(p, ip, v);
        const kind = cidr === undefined ? undefined : nonPublicRange(cidr);
        if (kind === undefined) return cidr;
        return p.add(
            ip,
            cidr,
            `public addresses the deployer and the operators connect from: ${cidr} is ${kind}, so nothing reaches the public endpoint from it`,
            "Put your egress CIDRs here (see Pulumi.prod.yaml), or [] with the deployer inside the VPC.",
        );
    };
    const endpointPublicAccessCidrs = readList(p, r.path("endpointPublicAccessCidrs"), cidrs, publicCidr, { max: 40, unique: true });
    if (endpointPrivateAccess === false && endpointPublicAccessCidrs?.length === 0) {
        p.say(r.path("endpointPublicAccessCidrs"), "is empty while endpointPrivateAccess is false: the API server would be unreachable. Enable one of them.");
    }
    const logs = r.has("controlPlaneLogTypes") ? r.json("controlPlaneLogTypes") : d.controlPlaneLogTypes;
    const controlPlaneLogTypes = readList(p, r.path("controlPlaneLogTypes"), logs, (ip, v) => readEnum(p, ip, v, CONTROL_PLANE_LOG_TYPES), { unique: true });
    const retention = readInt(p, r.path("controlPlaneLogRetentionDays"), r.text("controlPlaneLogRetentionDays") ?? d.controlPlaneLogRetentionDays, 1, 3653);
    if (retention !== undefined && !(LOG_RETENTION_DAYS as readonly number[]).includes(retention)) {
        p.add(r.path("controlPlaneLogRetentionDays"), retention, `one of the retention periods CloudWatch Logs accepts: ${LOG_RETENTION_DAYS.join(", ")}`);
    }
    const admins = r.has("adminPrincipalArns") ? r.json("adminPrincipalArns") : d.adminPrincipalArns;
    const adminPrincipalArns = readList(p, r.path("adminPrincipalArns"), admins, (ip, v) => readString(p, ip, v, PRINCIPAL_ARN), { unique: true });
    const secretsKeyDeletionWindowDays = readInt(p, r.path("secretsKeyDeletionWindowDays"), r.text("secretsKeyDeletionWindowDays") ?? d.secretsKeyDeletionWindowDays, 7, 30);
    const protect = readBool(p, r.path("protect"), r.text("protect") ?? d.protect);
    const addonVersions = parseAddonVersions(r, kubernetesVersion);
    const systemNodeGroup = parseSystemNodeGroup(r);
    if (
        protect === undefined ||
        !addonVersions ||
        kubernetesVersion === undefined ||
        endpointPrivateAccess === undefined ||
        !endpointPublicAccessCidrs ||
        !controlPlaneLogTypes ||
        retention === undefined ||
        !adminPrincipalArns ||
        secretsKeyDeletionWindowDays === undefined ||
        !systemNodeGroup
    ) {
        return undefined;
    }
    return {
        kubernetesVersion,
        endpointPrivateAccess,
        endpointPublicAccessCidrs,
        controlPlaneLogTypes,
        controlPlaneLogRetentionDays: retention,
        adminPrincipalArns,
        secretsKeyDeletionWindowDays,
        protect,
        addonVersions,
        systemNodeGroup,
    };
}

const ADDON_VERSION = /^v[0-9]+\.[0-9]+\.[0-9]+-eksbuild\.[0-9]+$/;

function parseAddonVersions(r: RawReader, kubernetesVersion: string | undefined): Partial<Record<EksAddon, string>> | undefined {
    const p = r.p;
    const read = r.object("addonVersions", EKS_ADDONS);
    if (!read) return undefined;
    const { path, value } = read;
    const out: Partial<Record<EksAddon, string>> = {};
    let ok = true;
    for (const addon of EKS_ADDONS) {
        const v = value[addon];
        if (v === undefined) continue;
        const k8s = kubernetesVersion ?? SCALAR_DEFAULTS.kubernetesVersion;
        const version = readString(p, `${path}.${addon}`, v, {
            pattern: ADDON_VERSION,
            describe: `an EKS add-on version such as "v1.12.3-eksbuild.1" (aws eks describe-addon-versions --addon-name ${addon} --kubernetes-version ${k8s})`,
        });
        // kube-proxy is built per Kubernetes minor version and must match the cluster's.
        if (version && addon === "kube-proxy" && kubernetesVersion && !version.startsWith(`v${kubernetesVersion}.`)) {
            p.add(`${path}.${addon}`, version, `a kube-proxy version of Kubernetes ${kubernetesVersion} (v${kubernetesVersion}.<patch>-eksbuild.<n>): kube-proxy must match the cluster's minor version`);
            ok = false;
        } else if (version) out[addon] = version;
        else ok = false;
    }
    return ok ? out : undefined;
}

function parseSystemNodeGroup(r: RawReader): SystemNodeGroupConfig | undefined {
    const p = r.p;
    const d = SYSTEM_NODE_GROUP_DEFAULTS;
    const read = r.object("systemNodeGroup", Object.keys(d));
    if (!read) return undefined;
    const { path, value } = read;
    const instanceTypes = readList(p, `${path}.instanceTypes`, value.instanceTypes ?? d.instanceTypes, (ip, v) => readString(p, ip, v, INSTANCE_TYPE), {
        min: 1,
        max: 20,
        unique: true,
    });
    const capacityType = readEnum(p, `${path}.capacityType`, value.capacityType ?? d.capacityType, ["ON_DEMAND", "SPOT"] as const);
    const minSize = readInt(p, `${path}.minSize`, value.minSize ?? d.minSize, 1, 100);
    const desiredSize = readInt(p, `${path}.desiredSize`, value.desiredSize ?? d.desiredSize, 1, 100);
    const maxSize = readInt(p, `${path}.maxSize`, value.maxSize ?? d.maxSize, 1, 100);
    const diskSizeGiB = readInt(p, `${path}.diskSizeGiB`, value.diskSizeGiB ?? d.diskSizeGiB, 20, 16384);
    const amiType = readEnum(p, `${path}.amiType`, value.amiType ?? d.amiType, SYSTEM_AMI_TYPES);
    if (minSize !== undefined && desiredSize !== undefined && maxSize !== undefined && !(minSize <= desiredSize && desiredSize <= maxSize)) {
        p.add(path, { minSize, desiredSize, maxSize }, "minSize ≤ desiredSize ≤ maxSize");
    }
    if (!instanceTypes || !capacityType || minSize === undefined || desiredSize === undefined || maxSize === undefined || diskSizeGiB === undefined || !amiType) {
        return undefined;
    }
    return { instanceTypes, capacityType, minSize, desiredSize, maxSize, diskSizeGiB, amiType };
}

/** Keys that shape a cluster or VPC this stack creates: meaningless with an existing cluster. */
const CREATED_CLUSTER_KEYS = ["existingVpc", "systemNodeGroup", "vpcCidr", "availabilityZoneCount", "natGateways", "endpointPrivateAccess", "endpointPublicAccessCidrs", "controlPlaneLogTypes", "controlPlaneLogRetentionDays", "adminPrincipalArns", "secretsKeyDeletionWindowDays", "protect", "addonVersions", "vpcFlowLogs", "vpcFlowLogRetentionDays"] as const;

function parseExistingCluster(r: RawReader): ExistingClusterConfig | undefined {
    const p = r.p;
    const read = r.object("existingCluster", ["name", "vpcId", "privateSubnetIds", "publicSubnetIds", "securityGroupId", "controllerNodeSelector", "controllerTolerations"], true);
    if (!read) return undefined;
    const { path, value } = read;
    for (const key of CREATED_CLUSTER_KEYS) {
        const fallback = (SCALAR_DEFAULTS as Record<string, unknown>)[key];
        const set = r.has(key) && (fallback === undefined || r.text(key) !== (typeof fallback === "string" ? fallback : JSON.stringify(fallback)));
        if (set) p.say(r.path(key), `has no effect with ${path}: the existing cluster already has its network and nodes. Remove it.`);
    }
    const name = readString(p, `${path}.name`, value.name, CLUSTER_NAME);
    const vpcId = readString(p, `${path}.vpcId`, value.vpcId, VPC_ID);
    const subnet = (itemPath: string, v: unknown) => readString(p, itemPath, v, SUBNET_ID);
    const privateSubnetIds = readList(p, `${path}.privateSubnetIds`, value.privateSubnetIds, subnet, { min: 2, unique: true });
    const publicSubnetIds = readList(p, `${path}.publicSubnetIds`, value.publicSubnetIds ?? [], subnet, { unique: true });
    const securityGroupId = readString(p, `${path}.securityGroupId`, value.securityGroupId, { pattern: /^sg-[0-9a-f]{8,17}$/, describe: 'a security group id such as "sg-0123456789abcdef0"' });
    const controllerNodeSelector =
        value.controllerNodeSelector === undefined
            ? p.say(`${path}.controllerNodeSelector`, 'is required: the labels of existing nodes the controller runs on, e.g. { "eks.amazonaws.com/nodegroup": "core" }.')
            : readStringMap(p, `${path}.controllerNodeSelector`, value.controllerNodeSelector, {
                  key: { pattern: /^([a-z0-9.-]+\/)?[A-Za-z0-9][-A-Za-z0-9_.]*$/, describe: "a label key" },
                  value: { pattern: /^[A-Za-z0-9][-A-Za-z0-9_.]*$|^$/, describe: "a label value" },
              });
    const controllerTolerations = readList(p, `${path}.controllerTolerations`, value.controllerTolerations ?? ["CriticalAddonsOnly"], (ip, v) => readString(p, ip, v, { pattern: /^[A-Za-z0-9./_-]+$/, describe: "a taint key" }));
    if (!name || !vpcId || !privateSubnetIds || !publicSubnetIds || !securityGroupId || !controllerNodeSelector || !controllerTolerations) return undefined;
    if (Object.keys(controllerNodeSelector).length === 0) return p.say(`${path}.controllerNodeSelector`, "is empty; name at least one label of the nodes the controller runs on.");
    return { name, vpcId, privateSubnetIds, publicSubnetIds, securityGroupId, controllerNodeSelector, controllerTolerations };
}

function parseIam(r: RawReader): IamConfig | undefined {
    const p = r.p;
    const read = r.object("iam", ["path", "permissionsBoundaryArn"]);
    if (!read) return undefined;
    const { path, value } = read;
    const iamPath = readString(p, `${path}.path`, value.path ?? "/", { pattern: /^\/([\x21-\x7e]{0,510}\/)?$/, describe: 'an IAM path that starts and ends with "/", such as "/platform/"' });
    const boundary =
        value.permissionsBoundaryArn === undefined
            ? undefined
            : readString(p, `${path}.permissionsBoundaryArn`, value.permissionsBoundaryArn, {
                  pattern: /^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy\/[\w+=,.@/-]+$/,
                  describe: 'an IAM policy ARN such as "arn:aws:iam::123456789012:policy/boundary"',
              });
    if (iamPath === undefined || (value.permissionsBoundaryArn !== undefined && boundary === undefined)) return undefined;
    return { path: iamPath, ...(boundary ? { permissionsBoundaryArn: boundary } : {}) };
}

/** Reads the running program's config from the Pulumi runtime and parses it. */
export function loadStackConfig(): StackConfig {
    return parseStackConfig({
        project: pulumi.getProject(),
        stack: pulumi.getStack(),
        values: pulumi.runtime.allConfig(),
    });
}
