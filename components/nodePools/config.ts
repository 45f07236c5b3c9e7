import { AWS_TAG_KEY, AWS_TAG_VALUE, Problems, RawReader, isRecord, readEnum, readInt, readList, readString, readStringMap, unknownKeys } from "../validate";
import { INSTANCE_TYPE_NAME } from "./catalogue";
import {
    BUDGET_DURATION,
    BUDGET_NODES,
    CRON,
    DURATION_OR_NEVER,
    LABEL_KEY,
    LABEL_VALUE,
    MAX_BUDGETS,
    MAX_LABELS,
    POOL_NAME,
    QUANTITY,
    TAINT_KEY,
    TAINT_VALUE,
    TERMINATION_GRACE_PERIOD,
    amiAliasProblem,
    restrictedLabelProblem,
    restrictedTagProblem,
} from "./crd";
import { instanceProblems } from "./instanceChecks";
import { LEGACY_POOL_KEYS, durationHint } from "./legacy";

export { AMI_FAMILIES, amiAliasProblem, restrictedLabelProblem, restrictedTagProblem } from "./crd";

/**
 * NodePool settings from stack config (`nodePools`, a list). Each entry becomes one karpenter.sh/v1 NodePool and
 * its karpenter.k8s.aws/v1 EC2NodeClass. Values are checked against the Karpenter v1.14.1 CRD rules (crd.ts: schema
 * patterns and the CEL rules the generated schemas cannot check), the instance catalogue (catalogue.ts,
 * instanceChecks.ts) and this project's own rules (limits are mandatory), all problems at once. Pools are named
 * in messages by position and name: `nodePools[0] (spot)`.
 */

export const CAPACITY_TYPES = ["spot", "on-demand", "reserved"] as const;
export type CapacityType = (typeof CAPACITY_TYPES)[number];
export const ARCHITECTURES = ["amd64", "arm64"] as const;
export const CONSOLIDATION_POLICIES = ["WhenEmpty", "WhenEmptyOrUnderutilized"] as const;
export const DISRUPTION_REASONS = ["Underutilized", "Empty", "Drifted"] as const;
export const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;
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
    /**
     * Escape hatch for instance types newer than the catalogue (the pinned AWS SDK's enum): these names count as
     * known for this pool's checks (family, size... derived by the same rules) and are reported as a warning. They
     * select nothing by themselves: list them in instanceTypes, or match them with the filters. @default unset
     */
    extraInstanceTypes?: string[];
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
    limits: { cpu: string; memory: string } & Partial<Record<(typeof EXTRA_LIMIT_KEYS)[number], string>>;
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

/**
 * Presets fill the keys a pool leaves out.
 * gpu: NVIDIA GPU families on demand, tainted so only pods tolerating nvidia.com/gpu land there, on Bottlerocket:
 * Karpenter picks Bottlerocket's NVIDIA variant for GPU instance types, and that variant runs the NVIDIA device
 * plugin itself, so `nvidia.com/gpu` requests schedule without a DaemonSet (AL2023's NVIDIA AMIs lack the plugin).
 * The data volume is 100 GiB because CUDA images are several GiB each. Cost: from about $0.80/h (g6.xlarge) to
 * $55/h (p5.48xlarge) on demand in us-east-1 (README, "GPU pools"); set limits, including nvidia.com/gpu.
 */
export const POOL_PRESETS = {
    gpu: {
        capacityTypes: ["on-demand"],
        instanceFamilies: ["g5", "g6", "g6e", "p4d", "p5"],
        taints: [{ key: "nvidia.com/gpu", effect: "NoSchedule" }],
        labels: { "eks-karpenter/accelerator": "nvidia" },
        amiAlias: "bottlerocket@latest",
        volumeSizeGiB: 100,
    },
} as const;

const POOL_KEYS = [
    "name",
    "preset",
    "capacityTypes",
    "instanceTypes",
    "extraInstanceTypes",
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

// The first group is the zone's region: "us-west-2" of "us-west-2a" and of the Local Zone "us-west-2-lax-1a".
const ZONE = { pattern: /^([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-[0-9])(?:[a-z]|-[a-z]+-[0-9][a-z])$/, describe: 'an availability zone such as "us-west-2a", or a Local Zone such as "us-west-2-lax-1a"' };
const CAPACITY_RESERVATION = { pattern: /^cr-[0-9a-z]+$/, describe: 'a capacity reservation id such as "cr-0123456789abcdef0"' };
const WORD = (what: string) => ({ pattern: /^[a-z0-9][a-z0-9-]*$/, describe: what });
// At most 63 characters: the name becomes the node.kubernetes.io/instance-type label value of the pool's nodes.
const EXTRA_TYPE = {
    pattern: { test: (v: string) => v.length <= 63 && INSTANCE_TYPE_NAME.test(v) } as RegExp,
    describe: 'an instance-type name such as "m9z.large" (family with a generation number, a dot, a size; at most 63 characters)',
};
/** Resources a pool may limit besides cpu and memory (extended resources of accelerators, and storage). */
export const EXTRA_LIMIT_KEYS = ["nvidia.com/gpu", "aws.amazon.com/neuron", "ephemeral-storage", "pods"] as const;

/** What pool checks need from the rest of the stack's config. */
export interface PoolContext {
    /** The stack's `aws:region`; zones must belong to it. */
    region?: string;
    /** karpenter.spotToSpotConsolidation: spot pools then need 15 instance types. */
    spotToSpotConsolidation: boolean;
}

export function parseNodePools(r: RawReader, ctx: PoolContext): NodePoolConfig[] | undefined {
    const p = r.p;
    const path = r.path("nodePools");
    const value = r.has("nodePools") ? r.json("nodePools") : [];
    const pools = readList(p, path, value, (itemPath, item) => parseNodePool(p, poolPath(itemPath, item), item, ctx), { max: 20 });
    if (!pools) return undefined;
    const names = pools.map((pool) => pool.name);
    names.forEach((name, i) => {
        if (names.indexOf(name) !== i) p.say(`${path}[${i}] (${name}).name`, `"${name}" is used by another pool; NodePool names must be unique.`);
    });
    return p.empty ? pools : undefined;
}

/** "nodePools[0] (spot)": the list position a `pulumi config set --path` needs, and the name people know. */
export function poolPath(itemPath: string, item: unknown): string {
    const name = isRecord(item) && typeof item.name === "string" ? item.name : undefined;
    return name ? `${itemPath} (${name})` : itemPath;
}

function parseNodePool(p: Problems, path: string, raw: unknown, ctx: PoolContext): NodePoolConfig | undefined {
    if (!isRecord(raw)) return p.add(path, raw, "an object with at least name, capacityTypes and limits");
    unknownKeys(p, `${path}.`, raw, POOL_KEYS, LEGACY_POOL_KEYS);
    if (raw.preset !== undefined && readEnum(p, `${path}.preset`, raw.preset, Object.keys(POOL_PRESETS) as Array<keyof typeof POOL_PRESETS>) === undefined) return undefined;
    const preset = raw.preset === undefined ? {} : (JSON.parse(JSON.stringify(POOL_PRESETS[raw.preset as keyof typeof POOL_PRESETS])) as Record<string, unknown>);
    const value: Record<string, unknown> = { ...preset, ...raw };
    const d = NODE_POOL_DEFAULTS;
    const at = (key: string) => `${path}.${key}`;
    const strings = (key: string, rule: { pattern: RegExp; describe: string }) =>
        value[key] === undefined ? undefined : readList(p, at(key), value[key], (ip, v) => readString(p, ip, v, rule), { min: 1, unique: true });
    // Every reader reports what it refuses, so the pool is valid exactly when this pool added no problem.
    const reported = p.list.length;

    const name = readString(p, at("name"), value.name, POOL_NAME);
    const capacityTypes = readList(p, at("capacityTypes"), value.capacityTypes, (ip, v) => readEnum(p, ip, v, CAPACITY_TYPES), { min: 1, unique: true });
    const instanceTypes = strings("instanceTypes", { pattern: /^[a-z0-9][a-z0-9.-]*$/, describe: 'an EC2 instance type such as "m7i.large"' });
    const extraInstanceTypes = strings("extraInstanceTypes", EXTRA_TYPE);
    const instanceCategories = strings("instanceCategories", WORD('an instance category such as "m"'));
    const instanceFamilies = strings("instanceFamilies", WORD('an instance family such as "m7i"'));
    const instanceSizes = strings("instanceSizes", WORD('an instance size such as "large" or "2xlarge"'));
    const zones = strings("zones", ZONE);
    const capacityReservationIds = strings("capacityReservationIds", CAPACITY_RESERVATION);
    if (capacityTypes?.includes("reserved") && value.capacityReservationIds === undefined) {
        p.say(at("capacityReservationIds"), 'is required with capacity type "reserved": name the reservations the pool may use.');
    }
    if (value.capacityReservationIds !== undefined && capacityTypes && !capacityTypes.includes("reserved")) {
        p.say(at("capacityReservationIds"), 'is only used with capacity type "reserved"; add it to capacityTypes or remove the reservations.');
    }
    const instanceGenerationMin = value.instanceGenerationMin === undefined ? undefined : readInt(p, at("instanceGenerationMin"), value.instanceGenerationMin, 1, 99);
    const architectures = readList(p, at("architectures"), value.architectures ?? d.architectures, (ip, v) => readEnum(p, ip, v, ARCHITECTURES), { min: 1, unique: true });
    const region = ctx.region;
    zones?.forEach((zone, i) => {
        if (region && ZONE.pattern.exec(zone)?.[1] !== region) {
            p.say(`${at("zones")}[${i}]`, `"${zone}" is not a zone of the stack's region ${region} (aws:region); zones of ${region} look like "${region}a".`);
        }
    });

    const limits = parseLimits(p, at("limits"), value.limits);
    const consolidationPolicy =
        value.consolidationPolicy === "WhenUnderutilized"
            ? p.add(at("consolidationPolicy"), value.consolidationPolicy, CONSOLIDATION_POLICIES.map((c) => `"${c}"`).join(" or "), 'WhenUnderutilized is from Karpenter v1beta1; v1 calls it "WhenEmptyOrUnderutilized".')
            : value.consolidationPolicy === "Balanced"
              ? p.add(at("consolidationPolicy"), value.consolidationPolicy, CONSOLIDATION_POLICIES.map((c) => `"${c}"`).join(" or "), "Balanced is valid in Karpenter v1.14.1 but not supported here yet: the NodePool schemas this project validates with (@kubernetes-models/karpenter 2.0.0) predate it.")
              : readEnum(p, at("consolidationPolicy"), value.consolidationPolicy ?? d.consolidationPolicy, CONSOLIDATION_POLICIES);
    const consolidateAfter = readDuration(p, at("consolidateAfter"), value.consolidateAfter ?? d.consolidateAfter);
    const budgets = readList(p, at("budgets"), value.budgets ?? d.budgets, (ip, v) => parseBudget(p, ip, v), { min: 1, max: MAX_BUDGETS });
    const expireAfter = readDuration(p, at("expireAfter"), value.expireAfter ?? d.expireAfter);
    const terminationGracePeriod = readString(p, at("terminationGracePeriod"), value.terminationGracePeriod ?? d.terminationGracePeriod, TERMINATION_GRACE_PERIOD);
    const weight = value.weight === undefined ? undefined : readInt(p, at("weight"), value.weight, 1, 100);
    const labels = readStringMap(p, at("labels"), value.labels ?? d.labels, { key: LABEL_KEY, value: LABEL_VALUE });
    for (const key of Object.keys(labels ?? {})) {
        const problem = restrictedLabelProblem(key);
        if (problem) p.say(`${at("labels")}.${key}`, `${problem}.`);
    }
    if (labels && Object.keys(labels).length > MAX_LABELS) p.say(at("labels"), `has ${Object.keys(labels).length} labels; the NodePool CRD takes at most ${MAX_LABELS}.`);
    const taints = readList(p, at("taints"), value.taints ?? d.taints, (ip, v) => parseTaint(p, ip, v));
    const amiAlias = readString(p, at("amiAlias"), value.amiAlias ?? d.amiAlias);
    if (amiAlias !== undefined) {
        const problem = amiAliasProblem(amiAlias);
        if (problem) p.add(at("amiAlias"), amiAlias, problem);
    }
    const volumeSizeGiB = readInt(p, at("volumeSizeGiB"), value.volumeSizeGiB ?? d.volumeSizeGiB, 20, 16384);
    const tags = readStringMap(p, at("tags"), value.tags ?? d.tags, { key: AWS_TAG_KEY, value: AWS_TAG_VALUE });
    for (const key of Object.keys(tags ?? {})) {
        const problem = restrictedTagProblem(key);
        if (problem) p.say(`${at("tags")}.${key}`, `${problem}.`);
    }
    // The catalogue checks run with the rest, on what was read: a refused setting leaves its filter out, which only
    // widens the match, except a refused extraInstanceTypes, whose types would then be named as unknown.
    const extrasRead = value.extraInstanceTypes === undefined || extraInstanceTypes !== undefined;
    if (extrasRead && architectures && capacityTypes) {
        const filter = { instanceTypes, instanceFamilies, instanceCategories, instanceSizes, instanceGenerationMin, architectures };
        instanceProblems(p, path, { ...filter, extraInstanceTypes, capacityTypes }, ctx);
    }
    if (p.list.length > reported) return undefined;
    // Each value below was read without a problem, so it is defined where the type says so.
    return {
        name: name!,
        ...(raw.preset !== undefined ? { preset: raw.preset as keyof typeof POOL_PRESETS } : {}),
        capacityTypes: capacityTypes!,
        ...(instanceTypes ? { instanceTypes } : {}),
        ...(extraInstanceTypes ? { extraInstanceTypes } : {}),
        ...(instanceCategories ? { instanceCategories } : {}),
        ...(instanceFamilies ? { instanceFamilies } : {}),
        ...(instanceGenerationMin !== undefined ? { instanceGenerationMin } : {}),
        ...(instanceSizes ? { instanceSizes } : {}),
        architectures: architectures!,
        ...(zones ? { zones } : {}),
        ...(capacityReservationIds ? { capacityReservationIds } : {}),
        limits: limits!,
        consolidationPolicy: consolidationPolicy!,
        consolidateAfter: consolidateAfter!,
        budgets: budgets!,
        expireAfter: expireAfter!,
        terminationGracePeriod: terminationGracePeriod!,
        ...(weight !== undefined ? { weight } : {}),
        labels: labels!,
        taints: taints!,
        amiAlias: amiAlias!,
        volumeSizeGiB: volumeSizeGiB!,
        tags: tags!,
    };
}

/** A duration key; a bare number (seconds in older Karpenter APIs) gets the string to write instead. */
function readDuration(p: Problems, path: string, value: unknown): string | undefined {
    if (typeof value === "number") return p.add(path, value, DURATION_OR_NEVER.describe, durationHint(value));
    return readString(p, path, value, DURATION_OR_NEVER);
}

/** Limits: cpu and memory are required (every pool needs a ceiling); accelerators and storage may be added. */
function parseLimits(p: Problems, path: string, value: unknown): NodePoolConfig["limits"] | undefined {
    if (!isRecord(value)) return p.add(path, value, 'an object with cpu and memory, such as { "cpu": "100", "memory": "400Gi" } (every pool needs a ceiling)');
    const known = ["cpu", "memory", ...EXTRA_LIMIT_KEYS];
    unknownKeys(p, `${path}.`, value, known, { resources: 'limits.resources is from Karpenter v1alpha5; in v1 the resources sit directly under limits: { "cpu": "100", "memory": "400Gi" }' });
    const out: Record<string, string> = {};
    const reported = p.list.length;
    for (const key of known) {
        const v = value[key];
        if (v === undefined) {
            if (key === "cpu" || key === "memory") p.say(`${path}.${key}`, `is required: ${QUANTITY.describe}.`);
            continue;
        }
        const q = readString(p, `${path}.${key}`, typeof v === "number" ? String(v) : v, QUANTITY);
        if (q?.startsWith("-")) p.add(`${path}.${key}`, v, "a quantity of zero or more (a negative limit leaves the pool nothing to launch)");
        else if (q !== undefined) out[key] = q;
    }
    return p.list.length > reported ? undefined : (out as NodePoolConfig["limits"]);
}

function parseBudget(p: Problems, path: string, value: unknown): DisruptionBudget | undefined {
    if (!isRecord(value)) return p.add(path, value, 'an object such as { "nodes": "10%" }');
    const reported = p.list.length;
    unknownKeys(p, `${path}.`, value, ["nodes", "schedule", "duration", "reasons"]);
    const nodes = readString(p, `${path}.nodes`, typeof value.nodes === "number" ? String(value.nodes) : value.nodes, BUDGET_NODES);
    const schedule = value.schedule === undefined ? undefined : readString(p, `${path}.schedule`, value.schedule, CRON);
    const duration = value.duration === undefined ? undefined : readString(p, `${path}.duration`, value.duration, BUDGET_DURATION);
    const reasons =
        value.reasons === undefined ? undefined : readList(p, `${path}.reasons`, value.reasons, (ip, v) => readEnum(p, ip, v, DISRUPTION_REASONS), { min: 1, max: 50, unique: true });
    // CEL on spec.disruption.budgets: self.all(x, has(x.schedule) == has(x.duration))
    if ((value.schedule === undefined) !== (value.duration === undefined)) {
        p.say(path, "'schedule' must be set with 'duration' (a budget with a schedule applies for a duration).");
    }
    if (p.list.length > reported) return undefined;
    return { nodes: nodes!, ...(schedule ? { schedule, duration } : {}), ...(reasons ? { reasons } : {}) };
}

function parseTaint(p: Problems, path: string, value: unknown): NodePoolConfig["taints"][number] | undefined {
    if (!isRecord(value)) return p.add(path, value, 'an object such as { "key": "dedicated", "value": "gpu", "effect": "NoSchedule" }');
    const reported = p.list.length;
    unknownKeys(p, `${path}.`, value, ["key", "value", "effect"]);
    const key = readString(p, `${path}.key`, value.key, TAINT_KEY);
    const taintValue = value.value === undefined ? undefined : readString(p, `${path}.value`, value.value, TAINT_VALUE);
    const effect = readEnum(p, `${path}.effect`, value.effect, TAINT_EFFECTS);
    if (p.list.length > reported) return undefined;
    return { key: key!, ...(taintValue !== undefined ? { value: taintValue } : {}), effect: effect! };
}
