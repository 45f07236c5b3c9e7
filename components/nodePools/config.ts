import { Problems, RawReader, isRecord, readEnum, readInt, readList, readString, readStringMap, unknownKeys } from "../validate";

/**
 * NodePool settings from stack config (`nodePools`, a list). Each entry becomes one karpenter.sh/v1 NodePool and
 * its karpenter.k8s.aws/v1 EC2NodeClass. Rules checked here are the ones the Karpenter v1.14.1 CRDs enforce with
 * CEL (which the generated schemas cannot check) and the ones this project adds (limits are mandatory).
 */

export const CAPACITY_TYPES = ["spot", "on-demand", "reserved"] as const;
export type CapacityType = (typeof CAPACITY_TYPES)[number];
export const ARCHITECTURES = ["amd64", "arm64"] as const;
export const CONSOLIDATION_POLICIES = ["WhenEmpty", "WhenEmptyOrUnderutilized"] as const;
export const DISRUPTION_REASONS = ["Underutilized", "Empty", "Drifted"] as const;
export const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;
/** AMI families this project supports through an alias (Karpenter also knows al2 and Windows). */
export const AMI_FAMILIES = ["al2023", "bottlerocket"] as const;

export interface DisruptionBudget {
    /** A node count or a percentage: "10%", "0", "3". */
    nodes: string;
    /** Cron schedule in UTC during which the budget applies; requires `duration`. */
    schedule?: string;
    /** How long the budget applies after each `schedule` start, e.g. "8h". */
    duration?: string;
    reasons?: Array<(typeof DISRUPTION_REASONS)[number]>;
}

export interface NodePoolConfig {
    /** NodePool and EC2NodeClass name (a DNS label). */
    name: string;
    /** Fills the keys the pool leaves out; "gpu": GPU families, on-demand, tainted nvidia.com/gpu:NoSchedule. @default unset */
    preset?: keyof typeof POOL_PRESETS;
    capacityTypes: CapacityType[];
    /** Exact instance types; combine with the filters below or use them instead. @default unset */
    instanceTypes?: string[];
    /** e.g. ["c", "m", "r"]. @default unset */
    instanceCategories?: string[];
    /** e.g. ["m7i", "c7g"]. @default unset */
    instanceFamilies?: string[];
    /** Lowest instance generation allowed, e.g. 6. @default unset */
    instanceGenerationMin?: number;
    /** e.g. ["large", "xlarge"]. @default unset */
    instanceSizes?: string[];
    /** @default ["amd64"] */
    architectures: Array<(typeof ARCHITECTURES)[number]>;
    /** Availability zones; unset means every zone of the discovered subnets. @default unset */
    zones?: string[];
    /** On-demand capacity reservations ("cr-..."), required with capacity type "reserved". @default unset */
    capacityReservationIds?: string[];
    /** Ceiling on what the pool may launch, e.g. { cpu: "100", memory: "400Gi" }. Required. */
    limits: { cpu: string; memory: string };
    /** @default "WhenEmptyOrUnderutilized" */
    consolidationPolicy: (typeof CONSOLIDATION_POLICIES)[number];
    /** @default "1m" */
    consolidateAfter: string;
    /** @default [{ nodes: "10%" }] */
    budgets: DisruptionBudget[];
    /** Maximum node lifetime. @default "720h" */
    expireAfter: string;
    /**
     * How long Karpenter may drain a node it removes (destroy, drift, expiry) before it deletes the remaining pods,
     * bypassing PodDisruptionBudgets and karpenter.sh/do-not-disrupt (NodePool spec.template.spec.
     * terminationGracePeriod). @default "30m": unset, one blocking pod keeps its node, and `pulumi destroy`, waiting
     * forever; 30 minutes lets well-behaved workloads move within their budgets and bounds the NodePool's delete.
     */
    terminationGracePeriod: string;
    /** Priority among pools, 1 to 100 (higher wins). @default unset */
    weight?: number;
    /** @default {} */
    labels: Record<string, string>;
    /** @default [] */
    taints: Array<{ key: string; value?: string; effect: (typeof TAINT_EFFECTS)[number] }>;
    /** AMI alias "<family>@<version>": family al2023 or bottlerocket; version "latest" or a release. @default "al2023@latest" */
    amiAlias: string;
    /** Root (AL2023) or data (Bottlerocket) volume size. @default 20 */
    volumeSizeGiB: number;
    /** Extra tags for the EC2 resources Karpenter creates. @default {} */
    tags: Record<string, string>;
}

export const NODE_POOL_DEFAULTS = {
    architectures: ["amd64"],
    consolidationPolicy: "WhenEmptyOrUnderutilized",
    consolidateAfter: "1m",
    budgets: [{ nodes: "10%" }],
    expireAfter: "720h",
    terminationGracePeriod: "30m",
    labels: {},
    taints: [],
    amiAlias: "al2023@latest",
    volumeSizeGiB: 20,
    tags: {},
} as const;

/** Presets fill the keys a pool leaves out. gpu: NVIDIA GPU families, on-demand, tainted so only GPU pods land. */
export const POOL_PRESETS = {
    gpu: {
        capacityTypes: ["on-demand"],
        instanceFamilies: ["g5", "g6", "g6e", "p4d", "p5"],
        taints: [{ key: "nvidia.com/gpu", effect: "NoSchedule" }],
        labels: { "eks-karpenter/accelerator": "nvidia" },
    },
} as const;

const POOL_KEYS = [
    "name",
    "preset",
    "capacityTypes",
    "instanceTypes",
    "instanceCategories",
    "instanceFamilies",
    "instanceGenerationMin",
    "instanceSizes",
    "architectures",
    "zones",
    "capacityReservationIds",
    "limits",
    "consolidationPolicy",
    "consolidateAfter",
    "budgets",
    "expireAfter",
    "terminationGracePeriod",
    "weight",
    "labels",
    "taints",
    "amiAlias",
    "volumeSizeGiB",
    "tags",
] as const;

const DNS_LABEL = { pattern: /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, describe: "a DNS label: lowercase letters, digits and hyphens, at most 63 characters" };
const INSTANCE_TYPE = { pattern: /^[a-z][a-z0-9-]*\.[a-z0-9]+$/, describe: 'an EC2 instance type such as "m7i.large"' };
const WORD = { pattern: /^[a-z][a-z0-9-]*$/, describe: 'an instance family such as "m7i"' };
const ZONE = { pattern: /^[a-z]{2}(-gov)?-[a-z]+-[0-9][a-z]$/, describe: 'an availability zone such as "us-west-2a"' };
const DURATION_OR_NEVER = { pattern: /^(([0-9]+(s|m|h))+|Never)$/, describe: 'a duration such as "720h", or "Never"' };
/** NodeClaimTemplateSpec.terminationGracePeriod at v1.14.1: a duration, no "Never". */
const DURATION = { pattern: /^([0-9]+(s|m|h))+$/, describe: 'a duration such as "30m" or "2h"' };
const BUDGET_NODES = { pattern: /^((100|[0-9]{1,2})%|[0-9]+)$/, describe: 'a node count or a percentage such as "10%"' };
const BUDGET_DURATION = { pattern: /^((([0-9]+(h|m))|([0-9]+h[0-9]+m))(0s)?)$/, describe: 'hours and minutes such as "8h" or "1h30m"' };
const CRON = { pattern: /^(@(annually|yearly|monthly|weekly|daily|midnight|hourly))|((.+)\s(.+)\s(.+)\s(.+)\s(.+))$/, describe: 'a cron schedule such as "0 9 * * mon-fri"' };
const CPU = { pattern: /^[0-9]+(\.[0-9]+)?m?$/, describe: 'a CPU quantity such as "100" or "500m"' };
const MEMORY = { pattern: /^[0-9]+(Ki|Mi|Gi|Ti)$/, describe: 'a memory quantity such as "400Gi"' };
/** Kubernetes qualified name, the shape of label and taint keys. */
const LABEL_KEY = {
    pattern: /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/,
    describe: 'a Kubernetes label key such as "team" or "example.com/team"',
};
const LABEL_VALUE = { pattern: /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/, describe: "a label value: at most 63 letters, digits, '-', '_' or '.'" };
const TAG_KEY = { pattern: /^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u, describe: "a tag key of 1 to 128 characters, not starting with aws:" };
const TAG_VALUE = { pattern: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u, describe: "a tag value of at most 256 characters" };

/** Label keys the Karpenter CRDs reserve (CEL on NodePool labels at v1.14.1), and the system node group's own. */
export function restrictedLabelProblem(key: string): string | undefined {
    if (key === "eks-karpenter/node-group") return 'label "eks-karpenter/node-group" marks the system node group; Karpenter nodes must not carry it';
    const domain = key.includes("/") ? key.split("/")[0] : "";
    if (key === "kubernetes.io/hostname") return 'label "kubernetes.io/hostname" is restricted';
    if (key === "karpenter.sh/nodepool") return 'label "karpenter.sh/nodepool" is restricted';
    if (domain.endsWith("karpenter.sh") && key !== "karpenter.sh/capacity-type") return 'label domain "karpenter.sh" is restricted';
    if (domain.endsWith("karpenter.k8s.aws")) return 'label domain "karpenter.k8s.aws" is restricted (set instance properties with the pool\'s instance* keys instead)';
    return undefined;
}

/** Tag keys Karpenter sets itself and its EC2NodeClass CRD rejects. */
export function restrictedTagProblem(key: string): string | undefined {
    const restricted = [/^kubernetes\.io\/cluster\//, /^karpenter\.sh\/nodepool$/, /^eks:eks-cluster-name$/, /^karpenter\.k8s\.aws\/ec2nodeclass$/, /^karpenter\.sh\/nodeclaim$/];
    return restricted.some((r) => r.test(key)) ? `tag "${key}" is set by Karpenter and cannot be overridden` : undefined;
}

/** Checks an AMI alias as the EC2NodeClass CRD does, narrowed to the families this project supports. */
export function amiAliasProblem(alias: string): string | undefined {
    const allowed = `"<family>@<version>" with family ${AMI_FAMILIES.join(" or ")} and version "latest" or a release such as "v20260801" (al2023) or "v1.40.0" (bottlerocket)`;
    const m = /^([a-zA-Z0-9]+)@(.+)$/.exec(alias);
    if (!m || alias.length > 30) return allowed;
    const [, family, version] = m;
    if (!(AMI_FAMILIES as readonly string[]).includes(family)) return allowed;
    if (version === "latest") return undefined;
    const release = family === "al2023" ? /^v[0-9]{8}$/ : /^v[0-9]+\.[0-9]+\.[0-9]+$/;
    return release.test(version) ? undefined : allowed;
}

export function parseNodePools(r: RawReader): NodePoolConfig[] | undefined {
    const p = r.p;
    const path = r.path("nodePools");
    const value = r.has("nodePools") ? r.json("nodePools") : [];
    const pools = readList(p, path, value, (itemPath, item) => parseNodePool(p, itemPath, item), { max: 20 });
    if (!pools) return undefined;
    const names = pools.map((pool) => pool.name);
    names.forEach((name, i) => {
        if (names.indexOf(name) !== i) p.say(`${path}[${i}].name`, `"${name}" is used by another pool; NodePool names must be unique.`);
    });
    return p.empty ? pools : undefined;
}

function parseNodePool(p: Problems, path: string, raw: unknown): NodePoolConfig | undefined {
    if (!isRecord(raw)) return p.add(path, raw, "an object with at least name, capacityTypes and limits");
    unknownKeys(p, `${path}.`, raw, POOL_KEYS);
    if (raw.preset !== undefined && readEnum(p, `${path}.preset`, raw.preset, Object.keys(POOL_PRESETS) as Array<keyof typeof POOL_PRESETS>) === undefined) return undefined;
    const preset = raw.preset === undefined ? {} : (JSON.parse(JSON.stringify(POOL_PRESETS[raw.preset as keyof typeof POOL_PRESETS])) as Record<string, unknown>);
    const value: Record<string, unknown> = { ...preset, ...raw };
    const d = NODE_POOL_DEFAULTS;
    const at = (key: string) => `${path}.${key}`;
    const strings = (key: string, rule: { pattern: RegExp; describe: string }) =>
        value[key] === undefined ? undefined : readList(p, at(key), value[key], (ip, v) => readString(p, ip, v, rule), { min: 1, unique: true });
    let ok = true;
    const need = <T>(v: T | undefined): T => {
        if (v === undefined) ok = false;
        return v as T;
    };

    const name = need(readString(p, at("name"), value.name, DNS_LABEL));
    const capacityTypes = need(readList(p, at("capacityTypes"), value.capacityTypes, (ip, v) => readEnum(p, ip, v, CAPACITY_TYPES), { min: 1, unique: true }));
    const instanceTypes = strings("instanceTypes", INSTANCE_TYPE);
    const instanceCategories = strings("instanceCategories", { pattern: /^[a-z]+$/, describe: 'an instance category such as "m"' });
    const instanceFamilies = strings("instanceFamilies", WORD);
    const instanceSizes = strings("instanceSizes", { pattern: /^[a-z0-9][a-z0-9-]*$/, describe: 'an instance size such as "large" or "2xlarge"' });
    const zones = strings("zones", ZONE);
    const capacityReservationIds = strings("capacityReservationIds", { pattern: /^cr-[0-9a-z]+$/, describe: 'a capacity reservation id such as "cr-0123456789abcdef0"' });
    if (capacityTypes?.includes("reserved") && value.capacityReservationIds === undefined) {
        ok = fail(p.say(at("capacityReservationIds"), 'is required with capacity type "reserved": name the reservations the pool may use.'));
    }
    if (value.capacityReservationIds !== undefined && capacityTypes && !capacityTypes.includes("reserved")) {
        ok = fail(p.say(at("capacityReservationIds"), 'is only used with capacity type "reserved"; add it to capacityTypes or remove the reservations.'));
    }
    const instanceGenerationMin = value.instanceGenerationMin === undefined ? undefined : readInt(p, at("instanceGenerationMin"), value.instanceGenerationMin, 1, 20);
    const architectures = need(readList(p, at("architectures"), value.architectures ?? d.architectures, (ip, v) => readEnum(p, ip, v, ARCHITECTURES), { min: 1, unique: true }));

    let limits: NodePoolConfig["limits"] | undefined;
    if (!isRecord(value.limits)) {
        p.add(at("limits"), value.limits, 'an object with cpu and memory, such as { "cpu": "100", "memory": "400Gi" } (every pool needs a ceiling)');
    } else {
        unknownKeys(p, `${at("limits")}.`, value.limits, ["cpu", "memory"]);
        const cpu = readString(p, at("limits.cpu"), typeof value.limits.cpu === "number" ? String(value.limits.cpu) : value.limits.cpu, CPU);
        const memory = readString(p, at("limits.memory"), value.limits.memory, MEMORY);
        if (cpu && memory) limits = { cpu, memory };
    }
    need(limits);

    const consolidationPolicy = need(readEnum(p, at("consolidationPolicy"), value.consolidationPolicy ?? d.consolidationPolicy, CONSOLIDATION_POLICIES));
    const consolidateAfter = need(readString(p, at("consolidateAfter"), value.consolidateAfter ?? d.consolidateAfter, DURATION_OR_NEVER));
    const budgets = need(readList(p, at("budgets"), value.budgets ?? d.budgets, (ip, v) => parseBudget(p, ip, v), { min: 1, max: 50 }));
    const expireAfter = need(readString(p, at("expireAfter"), value.expireAfter ?? d.expireAfter, DURATION_OR_NEVER));
    const terminationGracePeriod = need(readString(p, at("terminationGracePeriod"), value.terminationGracePeriod ?? d.terminationGracePeriod, DURATION));
    const weight = value.weight === undefined ? undefined : need(readInt(p, at("weight"), value.weight, 1, 100));
    const labels = need(readStringMap(p, at("labels"), value.labels ?? d.labels, { key: LABEL_KEY, value: LABEL_VALUE }));
    for (const key of Object.keys(labels ?? {})) {
        const problem = restrictedLabelProblem(key);
        if (problem) ok = fail(p.say(`${at("labels")}.${key}`, `${problem}.`));
    }
    const taints = need(readList(p, at("taints"), value.taints ?? d.taints, (ip, v) => parseTaint(p, ip, v)));
    const amiAlias = need(readString(p, at("amiAlias"), value.amiAlias ?? d.amiAlias));
    if (amiAlias !== undefined) {
        const problem = amiAliasProblem(amiAlias);
        if (problem) ok = fail(p.add(at("amiAlias"), amiAlias, problem));
    }
    const volumeSizeGiB = need(readInt(p, at("volumeSizeGiB"), value.volumeSizeGiB ?? d.volumeSizeGiB, 20, 16384));
    const tags = need(readStringMap(p, at("tags"), value.tags ?? d.tags, { key: TAG_KEY, value: TAG_VALUE }));
    for (const key of Object.keys(tags ?? {})) {
        const problem = restrictedTagProblem(key);
        if (problem) ok = fail(p.say(`${at("tags")}.${key}`, `${problem}.`));
    }
    for (const [key, v] of [
        ["instanceTypes", instanceTypes],
        ["instanceCategories", instanceCategories],
        ["instanceFamilies", instanceFamilies],
        ["instanceSizes", instanceSizes],
        ["zones", zones],
        ["capacityReservationIds", capacityReservationIds],
        ["instanceGenerationMin", instanceGenerationMin],
    ] as const) {
        if (value[key] !== undefined && v === undefined) ok = false;
    }
    if (!ok) return undefined;
    return {
        name,
        ...(raw.preset !== undefined ? { preset: raw.preset as keyof typeof POOL_PRESETS } : {}),
        capacityTypes,
        ...(instanceTypes ? { instanceTypes } : {}),
        ...(instanceCategories ? { instanceCategories } : {}),
        ...(instanceFamilies ? { instanceFamilies } : {}),
        ...(instanceGenerationMin !== undefined ? { instanceGenerationMin } : {}),
        ...(instanceSizes ? { instanceSizes } : {}),
        architectures,
        ...(zones ? { zones } : {}),
        ...(capacityReservationIds ? { capacityReservationIds } : {}),
        limits: limits!,
        consolidationPolicy,
        consolidateAfter,
        budgets,
        expireAfter,
        terminationGracePeriod,
        ...(weight !== undefined ? { weight } : {}),
        labels,
        taints,
        amiAlias,
        volumeSizeGiB,
        tags,
    };
}

/** Records that a reported problem makes the pool invalid. */
function fail(_reported: undefined): false {
    return false;
}

function parseBudget(p: Problems, path: string, value: unknown): DisruptionBudget | undefined {
    if (!isRecord(value)) return p.add(path, value, 'an object such as { "nodes": "10%" }');
    unknownKeys(p, `${path}.`, value, ["nodes", "schedule", "duration", "reasons"]);
    const nodes = readString(p, `${path}.nodes`, typeof value.nodes === "number" ? String(value.nodes) : value.nodes, BUDGET_NODES);
    const schedule = value.schedule === undefined ? undefined : readString(p, `${path}.schedule`, value.schedule, CRON);
    const duration = value.duration === undefined ? undefined : readString(p, `${path}.duration`, value.duration, BUDGET_DURATION);
    const reasons =
        value.reasons === undefined ? undefined : readList(p, `${path}.reasons`, value.reasons, (ip, v) => readEnum(p, ip, v, DISRUPTION_REASONS), { min: 1, unique: true });
    if ((value.schedule === undefined) !== (value.duration === undefined)) {
        return p.say(path, "'schedule' must be set with 'duration' (a budget with a schedule applies for a duration).");
    }
    if (nodes === undefined || (value.schedule !== undefined && !schedule) || (value.duration !== undefined && !duration) || (value.reasons !== undefined && !reasons)) {
        return undefined;
    }
    return { nodes, ...(schedule ? { schedule, duration } : {}), ...(reasons ? { reasons } : {}) };
}

function parseTaint(p: Problems, path: string, value: unknown): NodePoolConfig["taints"][number] | undefined {
    if (!isRecord(value)) return p.add(path, value, 'an object such as { "key": "dedicated", "value": "gpu", "effect": "NoSchedule" }');
    unknownKeys(p, `${path}.`, value, ["key", "value", "effect"]);
    const key = readString(p, `${path}.key`, value.key, LABEL_KEY);
    const taintValue = value.value === undefined ? undefined : readString(p, `${path}.value`, value.value, LABEL_VALUE);
    const effect = readEnum(p, `${path}.effect`, value.effect, TAINT_EFFECTS);
    if (!key || !effect || (value.value !== undefined && taintValue === undefined)) return undefined;
    return { key, ...(taintValue !== undefined ? { value: taintValue } : {}), effect };
}
