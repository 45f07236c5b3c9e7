import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { CloudState, pulumiCloud } from "./pulumiCloud";

/**
 * A strict, offline stand-in for the AWS and Kubernetes providers: for each resource type the program uses it
 * returns what the provider would (the inputs as state, plus the outputs AWS computes: ids, ARNs, physical names),
 * in the shape of a real account (123456789012) in the configured region. A type or invoke it does not know fails
 * with "Mock not implemented: <token>", so a new resource type cannot slip through with invented outputs.
 */

export const ACCOUNT_ID = "123456789012";

export interface CloudScope {
    region: string;
    partition: string;
    dnsSuffix: string;
}

/** Partition and DNS suffix of a region, as `aws.getPartition` reports them. */
export function scopeOf(region: string): CloudScope {
    if (region.startsWith("cn-")) return { region, partition: "aws-cn", dnsSuffix: "amazonaws.com.cn" };
    if (region.startsWith("us-gov-")) return { region, partition: "aws-us-gov", dnsSuffix: "amazonaws.com" };
    return { region, partition: "aws", dnsSuffix: "amazonaws.com" };
}

/** Deterministic hex of a string: stable physical names and ids across runs. */
export function hex(seed: string, length: number): string {
    return createHash("sha256").update(seed).digest("hex").slice(0, length);
}

/**
 * Pulumi's auto-naming: the logical name, "-" and 7 random hex characters (here derived from the name, so
 * stable). The AWS provider refuses at preview when that is longer than the name limit.
 */
export function autoName(name: string, given?: unknown): string {
    return typeof given === "string" ? given : `${name}-${hex(name, 7)}`;
}

/** Longest physical name AWS accepts, per resource type (API references of IAM, EventBridge, SQS, EKS, KMS, Logs). */
export const NAME_LIMITS: Record<string, { key: string; max: number }> = {
    "aws:iam/role:Role": { key: "name", max: 64 },
    "aws:iam/policy:Policy": { key: "name", max: 128 },
    "aws:cloudwatch/eventRule:EventRule": { key: "name", max: 64 },
    "aws:sqs/queue:Queue": { key: "name", max: 80 },
    "aws:eks/nodeGroup:NodeGroup": { key: "nodeGroupName", max: 63 },
    "aws:eks/cluster:Cluster": { key: "name", max: 100 },
    "aws:kms/alias:Alias": { key: "name", max: 256 },
    "aws:cloudwatch/logGroup:LogGroup": { key: "name", max: 512 },
};

/** The physical name of a resource that AWS would refuse as too long, or undefined. */
export function nameLimitProblem(type: string, name: string, state: Record<string, unknown>): string | undefined {
    const limit = NAME_LIMITS[type];
    const physical = limit ? state[limit.key] : undefined;
    if (limit && typeof physical === "string" && physical.length > limit.max) {
        return `${type} ${name}: ${limit.key} "${physical}" has ${physical.length} characters; AWS allows ${limit.max}`;
    }
    return undefined;
}

type Outputs = (args: pulumi.runtime.MockResourceArgs, s: CloudScope, id: string) => Record<string, unknown>;

function arn(s: CloudScope, service: string, resource: string, region = s.region, account: string = ACCOUNT_ID): string {
    return `arn:${s.partition}:${service}:${region}:${account}:${resource}`;
}

/** Outputs the EKS component returns, derived from its inputs (no children exist offline). */
function eksClusterOutputs(args: pulumi.runtime.MockResourceArgs, s: CloudScope): Record<string, unknown> {
    const name: string = args.inputs.name ?? autoName(`${args.name}-eksCluster`);
    const oidcId = hex(`${name}-oidc`, 32).toUpperCase();
    const oidcUrl = `oidc.eks.${s.region}.${s.dnsSuffix}/id/${oidcId}`;
    const oidcArn = `arn:${s.partition}:iam::${ACCOUNT_ID}:oidc-provider/${oidcUrl}`;
    const endpoint = `https://${hex(`${name}-endpoint`, 32).toUpperCase()}.gr7.${s.region}.eks.${s.dnsSuffix}`;
    const clusterSecurityGroupId = `sg-${hex(`${name}-cluster-sg`, 17)}`;
    const kubeconfig = {
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "kubernetes", cluster: { server: endpoint, "certificate-authority-data": "LS0tLS1CRUdJTi1PRkZMSU5FLUNBLS0tLS0=" } }],
        contexts: [{ name: "aws", context: { cluster: "kubernetes", user: "aws" } }],
        "current-context": "aws",
        users: [{ name: "aws", user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws", args: ["eks", "get-token", "--cluster-name", name, "--output", "json"] } } }],
    };
    const eksCluster = {
        name,
        arn: arn(s, "eks", `cluster/${name}`),
        endpoint,
        version: args.inputs.version,
        vpcConfig: { clusterSecurityGroupId, vpcId: args.inputs.vpcId, subnetIds: [...(args.inputs.privateSubnetIds ?? []), ...(args.inputs.publicSubnetIds ?? [])] },
        identities: [{ oidcs: [{ issuer: `https://${oidcUrl}` }] }],
    };
    return {
        eksCluster,
        core: { cluster: eksCluster, oidcProvider: { arn: oidcArn, url: oidcUrl }, endpoint, clusterSecurityGroupId },
        kubeconfig,
        kubeconfigJson: JSON.stringify(kubeconfig),
        oidcProviderArn: oidcArn,
        oidcProviderUrl: oidcUrl,
        oidcIssuer: oidcUrl,
        clusterSecurityGroupId,
    };
}

/** Outputs of the awsx VPC component: one private and one public subnet per AZ. */
function vpcOutputs(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
    const azCount: number = args.inputs.numberOfAvailabilityZones ?? args.inputs.availabilityZoneNames?.length ?? 3;
    const subnets = (kind: string) => Array.from({ length: azCount }, (_, i) => `subnet-${hex(`${args.name}-${kind}-${i}`, 17)}`);
    return { vpcId: `vpc-${hex(args.name, 17)}`, privateSubnetIds: subnets("private"), publicSubnetIds: subnets("public"), isolatedSubnetIds: [] };
}

/** The Kubernetes kinds the program declares; the API server stores them as applied. */
const KUBERNETES_KINDS = new Set([
    "kubernetes:core/v1:Namespace",
    "kubernetes:apps/v1:Deployment",
    "kubernetes:karpenter.sh/v1:NodePool",
    "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass",
    "kubernetes:flowcontrol.apiserver.k8s.io/v1:FlowSchema",
]);

/** A Kubernetes object as the API server stores it: what was applied, plus a uid. */
const kubernetesObject: Outputs = (a) => ({ metadata: { ...(a.inputs.metadata ?? {}), uid: hex(`${a.type}/${a.name}`, 32) } });

const RESOURCES: Record<string, Outputs> = {
    "pulumi:providers:aws": () => ({}),
    "pulumi:providers:kubernetes": () => ({}),
    "awsx:ec2:Vpc": (a) => vpcOutputs(a),
    "eks:index:Cluster": (a, s) => eksClusterOutputs(a, s),
    "aws:kms/key:Key": (_, s, id) => ({ keyId: id, arn: arn(s, "kms", `key/${id}`) }),
    "aws:kms/alias:Alias": (a, s) => ({ arn: arn(s, "kms", a.inputs.name) }),
    "aws:cloudwatch/logGroup:LogGroup": (a, s) => ({ name: autoName(a.name, a.inputs.name), arn: arn(s, "logs", `log-group:${autoName(a.name, a.inputs.name)}`) }),
    "aws:ec2/tag:Tag": () => ({}),
    // The Karpenter cleanup (a dynamic provider): its outputs are its inputs.
    "pulumi-nodejs:dynamic:Resource": () => ({}),
    "aws:ec2/launchTemplate:LaunchTemplate": (a, s, id) => ({ name: autoName(a.name, a.inputs.name), arn: arn(s, "ec2", `launch-template/lt-${hex(id, 17)}`), latestVersion: 1, defaultVersion: 1 }),
    "aws:iam/role:Role": (a, s) => {
        const name = autoName(a.name, a.inputs.name);
        return { name, arn: `arn:${s.partition}:iam::${ACCOUNT_ID}:role${a.inputs.path ?? "/"}${name}`, uniqueId: `AROA${hex(name, 17).toUpperCase()}` };
    },
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": () => ({}),
    "aws:iam/rolePolicy:RolePolicy": (a) => ({ name: autoName(a.name, a.inputs.name) }),
    "aws:ec2/flowLog:FlowLog": (_, s, id) => ({ arn: arn(s, "ec2", `vpc-flow-log/fl-${hex(id, 17)}`) }),
    "aws:eks/nodeGroup:NodeGroup": (a, s) => {
        const nodeGroupName = autoName(a.name, a.inputs.nodeGroupName);
        return { nodeGroupName, arn: arn(s, "eks", `nodegroup/${a.inputs.clusterName}/${nodeGroupName}/${hex(nodeGroupName, 8)}`), status: "ACTIVE" };
    },
    "aws:eks/accessEntry:AccessEntry": (a, s) => ({ accessEntryArn: arn(s, "eks", `access-entry/${a.inputs.clusterName}/role/${ACCOUNT_ID}/${hex(a.name, 8)}`) }),
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": (a, s) => {
        const associationId = `a-${hex(a.name, 17)}`;
        return { associationId, associationArn: arn(s, "eks", `podidentityassociation/${a.inputs.clusterName}/${associationId}`) };
    },
    "aws:iam/policy:Policy": (a, s) => {
        const name = autoName(a.name, a.inputs.name);
        return { name, arn: `arn:${s.partition}:iam::${ACCOUNT_ID}:policy${a.inputs.path ?? "/"}${name}`, policyId: `ANPA${hex(name, 17).toUpperCase()}` };
    },
    "aws:sqs/queue:Queue": (a, s) => {
        const name = autoName(a.name, a.inputs.name);
        return { name, arn: arn(s, "sqs", name), url: `https://sqs.${s.region}.${s.dnsSuffix}/${ACCOUNT_ID}/${name}` };
    },
    "aws:sqs/queuePolicy:QueuePolicy": () => ({}),
    "aws:cloudwatch/eventRule:EventRule": (a, s) => {
        const name = autoName(a.name, a.inputs.name);
        return { name, arn: arn(s, "events", `rule/${name}`) };
    },
    "aws:cloudwatch/eventTarget:EventTarget": () => ({}),
    "kubernetes:helm.sh/v3:Release": (a) => ({
        status: { name: a.inputs.name, namespace: a.inputs.namespace, chart: String(a.inputs.chart).split("/").pop(), version: a.inputs.version, status: "deployed", revision: 1 },
    }),
    "aws:eks/addon:Addon": (a, s) => ({ arn: arn(s, "eks", `addon/${a.inputs.clusterName}/${a.inputs.addonName}/${hex(a.name, 8)}`), addonVersion: a.inputs.addonVersion ?? `default(${a.inputs.addonName})` }),
};

/**
 * A first preview (`pulumi preview` of a stack with no state): what a create step shows before AWS has answered.
 * The provider's Check has auto-named the resource and passed its inputs through; everything AWS assigns on create
 * (ids, ARNs, URLs, endpoints, versions it picks) is unknown (the SDK's sentinel; the program sees an unknown
 * Output, and a policy reading it raises UnknownValueError). Stricter than a real preview where in doubt: a value
 * the provider might compute from inputs alone is unknown here too.
 */
export const UNKNOWN = pulumi.runtime.unknownValue;

/** Outputs the provider's Check fills in before create (so they are inputs to the engine): the auto-generated physical name. */
export const CHECK_FILLED = new Set(["name", "nodeGroupName"]);

const PREVIEW: Record<string, (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown>> = {
    // pulumi-eks: the aws.eks.Cluster child has the given (or auto-generated) name and the requested version; the
    // rest (ARN, endpoint, certificate, OIDC issuer, cluster security group) comes from EKS, and the kubeconfig and
    // the OIDC provider are built from those.
    "eks:index:Cluster": (args) => {
        const unknown = ["core", "kubeconfig", "kubeconfigJson", "oidcProviderArn", "oidcProviderUrl", "oidcIssuer", "clusterSecurityGroupId"];
        return {
            eksCluster: {
                name: autoName(`${args.name}-eksCluster`, args.inputs.name),
                version: args.inputs.version ?? UNKNOWN,
                arn: UNKNOWN,
                endpoint: UNKNOWN,
                vpcConfig: { clusterSecurityGroupId: UNKNOWN, vpcId: UNKNOWN, subnetIds: UNKNOWN },
                identities: UNKNOWN,
            },
            ...Object.fromEntries(unknown.map((k) => [k, UNKNOWN])),
        };
    },
    // awsx: the VPC's and subnets' ids come from EC2 (each list is one output built from the subnets' ids).
    "awsx:ec2:Vpc": () => ({ vpcId: UNKNOWN, privateSubnetIds: UNKNOWN, publicSubnetIds: UNKNOWN, isolatedSubnetIds: UNKNOWN }),
    // A Kubernetes object is previewed as applied; the API server assigns the uid.
    ...Object.fromEntries([...KUBERNETES_KINDS].map((kind) => [kind, (args: pulumi.runtime.MockResourceArgs) => ({ metadata: { ...(args.inputs.metadata ?? {}), uid: UNKNOWN } })])),
};

const computedCache = new Map<string, string[]>();

/**
 * The computed outputs of an AWS resource type, from the installed SDK's typings: an output declared
 * `pulumi.Output<T>` without `| undefined` is one the provider always sets (Terraform's Computed), so at a first
 * preview it is unknown unless the program gave it. e.g. aws:sqs/queue:Queue → arn, policy, url, tagsAll, ...
 */
export function computedOutputs(type: string): string[] {
    const cached = computedCache.get(type);
    if (cached) return cached;
    const match = /^aws:([A-Za-z0-9]+)\/([A-Za-z0-9]+):[A-Za-z0-9]+$/.exec(type);
    let names: string[] = [];
    if (match) {
        const file = path.join(path.dirname(require.resolve("@pulumi/aws/package.json")), match[1], `${match[2]}.d.ts`);
        const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
        const body = text.slice(text.indexOf("extends pulumi.CustomResource"), text.indexOf("constructor(name"));
        names = [...body.matchAll(/readonly (\w+): pulumi\.Output<([\s\S]*?)>;\n/g)].filter((m) => !/\| undefined\s*$/.test(m[2])).map((m) => m[1]);
    }
    computedCache.set(type, names);
    return names;
}

/** A resource's outputs at a first preview: the inputs, the auto-generated name, and every other output unknown. */
function previewOutputs(args: pulumi.runtime.MockResourceArgs, full: () => Record<string, unknown>): Record<string, unknown> {
    const special = PREVIEW[args.type];
    if (special) return special(args);
    const outputs = full();
    const keys = [...new Set([...Object.keys(outputs), ...computedOutputs(args.type)])];
    return Object.fromEntries(keys.map((k) => [k, CHECK_FILLED.has(k) && k in outputs ? outputs[k] : k in args.inputs ? args.inputs[k] : UNKNOWN]));
}

const INVOKES: Record<string, (inputs: Record<string, unknown>, s: CloudScope) => Record<string, unknown>> = {
    "aws:index/getCallerIdentity:getCallerIdentity": (_, s) => ({
        accountId: ACCOUNT_ID,
        arn: `arn:${s.partition}:iam::${ACCOUNT_ID}:user/offline-plan`,
        userId: "AIDAOFFLINEPLAN",
        id: ACCOUNT_ID,
    }),
    "aws:index/getRegion:getRegion": (_, s) => ({ name: s.region, region: s.region, id: s.region, endpoint: `ec2.${s.region}.${s.dnsSuffix}` }),
    // An existing cluster, as DescribeCluster reports it (name from the request).
    "aws:eks/getCluster:getCluster": (inputs, s) => {
        const name = String(inputs.name);
        const issuer = `https://oidc.eks.${s.region}.${s.dnsSuffix}/id/${hex(`${name}-oidc`, 32).toUpperCase()}`;
        return {
            id: name,
            name,
            arn: arn(s, "eks", `cluster/${name}`),
            endpoint: `https://${hex(`${name}-endpoint`, 32).toUpperCase()}.gr7.${s.region}.eks.${s.dnsSuffix}`,
            version: "1.36",
            certificateAuthorities: [{ data: "LS0tLS1CRUdJTi1PRkZMSU5FLUNBLS0tLS0=" }],
            identities: [{ oidcs: [{ issuer }] }],
            vpcConfig: { clusterSecurityGroupId: `sg-${hex(`${name}-cluster-sg`, 17)}` },
            accessConfigs: [{ authenticationMode: "API_AND_CONFIG_MAP" }],
            status: "ACTIVE",
        };
    },
    // DescribeAddonVersions: the default version of an add-on for a Kubernetes version, or the most recent. The
    // offline version names say which one was asked for (real ones look like "v1.12.3-eksbuild.1").
    "aws:eks/getAddonVersion:getAddonVersion": (inputs) => {
        const version = `${inputs.mostRecent ? "latest" : "default"}(${String(inputs.addonName)}@${String(inputs.kubernetesVersion)})`;
        return { id: String(inputs.addonName), addonName: inputs.addonName, kubernetesVersion: inputs.kubernetesVersion, mostRecent: inputs.mostRecent ?? false, version };
    },
    "aws:index/getPartition:getPartition": (_, s) => ({ partition: s.partition, dnsSuffix: s.dnsSuffix, id: s.partition, reverseDnsPrefix: "com.amazonaws" }),
};

/**
 * The engine's refusal when `pulumi:disable-default-providers` lists a package (or "*") and a resource or invoke
 * of it has no explicit provider (pulumi/pulumi sdk/go/common/diag/errors.go, error 2015). Provider resources
 * and components need none.
 */
export function defaultProviderProblem(disabled: readonly string[], token: string, custom: boolean, provider: string | undefined): string | undefined {
    const pkg = token.split(":")[0];
    if (!custom || provider || token.startsWith("pulumi:providers:") || pkg === "pulumi") return undefined;
    return disabled.includes(pkg) || disabled.includes("*") ? `Default provider for '${pkg}' disabled. '${token}' must use an explicit provider.` : undefined;
}

/**
 * The offline cloud as Pulumi mocks. `extra` lets a test add a result for one token on purpose;
 * `disabledDefaultProviders` is the stack's `pulumi:disable-default-providers`.
 */
export function offlineMocks(
    scope: CloudScope,
    extra: Partial<Record<string, Outputs>> = {},
    disabledDefaultProviders: readonly string[] = [],
    cloudState?: CloudState,
    firstPreview = false,
): pulumi.runtime.Mocks {
    // Pulumi Cloud (deployments/) keeps state between calls: a fresh one per run unless an earlier run's is given.
    const service = pulumiCloud(cloudState);
    return {
        newResource(args) {
            const noProvider = defaultProviderProblem(disabledDefaultProviders, args.type, args.custom !== false, args.provider);
            if (noProvider) throw new Error(noProvider);
            const outputs = extra[args.type] ?? service[args.type] ?? RESOURCES[args.type] ?? (KUBERNETES_KINDS.has(args.type) ? kubernetesObject : undefined);
            // Components of this project register no cloud state; any other unknown type is a gap in the mocks.
            if (!outputs && args.custom === false && args.type.startsWith("eks-karpenter:")) return { id: "", state: {} };
            if (!outputs) throw new Error(`Mock not implemented: ${args.type} (resource ${args.name})`);
            const assignedId = `${args.name}-${hex(`${args.type}/${args.name}`, 8)}`;
            // At a first preview a custom resource has no id yet (the SDK reads "" as unknown during a preview).
            const id = args.custom === false || firstPreview ? "" : assignedId;
            const computed = firstPreview ? previewOutputs(args, () => outputs(args, scope, assignedId)) : outputs(args, scope, id);
            // A provider returns the (checked) inputs with the computed outputs; a remote component's construct returns
            // its outputs only.
            const state = args.custom === false ? computed : { ...args.inputs, ...computed };
            const problem = nameLimitProblem(args.type, args.name, state);
            if (problem) throw new Error(problem);
            return { id, state };
        },
        call(args) {
            // The SDK reports a failed invoke by the gRPC error's `details`; a plain Error would lose its message.
            const fail = (message: string) => Object.assign(new Error(message), { details: message });
            const noProvider = defaultProviderProblem(disabledDefaultProviders, args.token, true, args.provider);
            if (noProvider) throw fail(`Invoke: ${noProvider}`);
            const invoke = INVOKES[args.token];
            if (!invoke) throw fail(`Mock not implemented: ${args.token}`);
            return invoke(args.inputs, scope);
        },
    };
}
