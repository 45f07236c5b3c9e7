import { _InstanceType } from "@aws-sdk/client-ec2";
/**
 * The EC2 instance-type catalogue the pool filters are checked against.
 *
 * Source: the `_InstanceType` enum of the AWS SDK v3 EC2 client (@aws-sdk/client-ec2, pinned in package.json). It
 * is generated from the EC2 API model, lists every type the API names (RunInstances, CreateFleet, which Karpenter
 * calls), ships with each SDK release as AWS adds types, and needs no network at config time. It does not say
 * which region offers a type or which types have spot capacity: the catalogue proves a name exists, not that it
 * can be launched everywhere. Types newer than the pinned SDK go through a pool's `extraInstanceTypes`.
 *
 * Everything else is derived from the name by the rules Karpenter v1.14.1 uses for its well-known labels
 * (pkg/providers/instancetype/types.go, computeRequirements):
 * - family: the part before the dot ("m7i-flex.large" → "m7i-flex"); size: the part after it ("large");
 * - category and generation: the regular expression `(^[a-z]+)(\-[0-9]+tb)?([0-9]+).*\.`, i.e. the leading
 *   letters and the first number after them ("m7i.large" → "m", 7; "u-12tb1.112xlarge" → "u", 1);
 * - architecture (Karpenter reads it from DescribeInstanceTypes; derived here from AWS's naming convention): arm64
 *   for AWS Graviton, whose families carry a "g" right after the generation (m7g, c7gn, r8gd, x2gd, im4gn,
 *   is4gen, g5g, t4g, hpc7g), for the first Graviton family a1, and for NVIDIA Grace ("-gb" families such as
 *   p6e-gb200); amd64 for everything else.
 * - macOS families (mac*) run on dedicated hosts only, which Karpenter does not launch: they are left out.
 */

export type Architecture = "amd64" | "arm64";

export interface InstanceTypeInfo {
    name: string;
    family: string;
    category: string;
    generation: number;
    size: string;
    architecture: Architecture;
}

const CATEGORY_AND_GENERATION = /(^[a-z]+)(-[0-9]+tb)?([0-9]+).*\./;
/** The instance-type name shape the catalogue rules apply to; also what `extraInstanceTypes` must match. */
export const INSTANCE_TYPE_NAME = /^[a-z][a-z0-9-]*[0-9][a-z0-9-]*\.[a-z0-9-]+$/;

/** Family, category, generation, size and architecture of an instance-type name, or undefined if it has no such shape. */
export function describeInstanceType(name: string): InstanceTypeInfo | undefined {
    const parts = name.split(".");
    const m = CATEGORY_AND_GENERATION.exec(name);
    if (parts.length !== 2 || !m) return undefined;
    const [family, size] = parts;
    const graviton = /^[a-z]+[0-9]+g/.test(family) || family === "a1" || /-gb[0-9]/.test(family);
    return { name, family, category: m[1], generation: Number(m[3]), size, architecture: graviton ? "arm64" : "amd64" };
}

/** Every instance type the pinned SDK names, described, macOS families excluded. */
export const CATALOGUE: readonly InstanceTypeInfo[] = Object.values(_InstanceType)
    .map((name) => describeInstanceType(name))
    .filter((t): t is InstanceTypeInfo => t !== undefined && !t.family.startsWith("mac"))
    .sort((a, b) => a.name.localeCompare(b.name));

/** The catalogue plus a pool's extra types. */
export function catalogueWith(extra: readonly string[] = []): InstanceTypeInfo[] {
    const known = new Set(CATALOGUE.map((t) => t.name));
    return [...CATALOGUE, ...extra.filter((n) => !known.has(n)).flatMap((n) => describeInstanceType(n) ?? [])];
}

/** What a pool asks of instance types: the NodePool requirements that select them. */
export interface InstanceFilter {
    instanceTypes?: readonly string[];
    instanceFamilies?: readonly string[];
    instanceCategories?: readonly string[];
    instanceSizes?: readonly string[];
    instanceGenerationMin?: number;
    architectures: readonly string[];
}

/** Each filter as a predicate, in the order the messages name them. */
export function filterPredicates(f: InstanceFilter): Array<[string, (t: InstanceTypeInfo) => boolean]> {
    const preds: Array<[string, (t: InstanceTypeInfo) => boolean]> = [["architectures", (t) => f.architectures.includes(t.architecture)]];
    if (f.instanceTypes) preds.push(["instanceTypes", (t) => f.instanceTypes!.includes(t.name)]);
    if (f.instanceFamilies) preds.push(["instanceFamilies", (t) => f.instanceFamilies!.includes(t.family)]);
    if (f.instanceCategories) preds.push(["instanceCategories", (t) => f.instanceCategories!.includes(t.category)]);
    if (f.instanceGenerationMin !== undefined) preds.push(["instanceGenerationMin", (t) => t.generation >= f.instanceGenerationMin!]);
    if (f.instanceSizes) preds.push(["instanceSizes", (t) => f.instanceSizes!.includes(t.size)]);
    return preds;
}

/** The catalogue's types every requirement of the pool allows. */
export function matchingInstanceTypes(f: InstanceFilter, catalogue: readonly InstanceTypeInfo[] = CATALOGUE): InstanceTypeInfo[] {
    const preds = filterPredicates(f);
    return catalogue.filter((t) => preds.every(([, p]) => p(t)));
}

/** Up to `n` known names nearest to `value` by edit distance (ties by name), within a third of its length. */
export function nearest(value: string, known: readonly string[], n = 3): string[] {
    const limit = Math.max(2, Math.ceil(value.length / 3));
    return [...new Set(known)]
        .map((k) => [k, editDistance(value, k)] as const)
        .filter(([, d]) => d <= limit)
        .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
        .slice(0, n)
        .map(([k]) => k);
}

function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        previous = current;
    }
    return previous[b.length];
}

/** " (did you mean "a" or "b"?)" or "". */
export function didYouMean(value: string, known: readonly string[]): string {
    const hits = nearest(value, known);
    if (hits.length === 0) return "";
    return `; did you mean ${hits.map((h) => `"${h}"`).join(" or ")}?`;
}

/** Karpenter needs this many instance types for a single-node spot-to-spot consolidation (docs v1.14 concepts/disruption.md). */
export const MIN_TYPES_FOR_SPOT_TO_SPOT = 15;
/** Below this, a spot pool is flagged: few types mean few spot pools to draw capacity from. */
export const MIN_SPOT_TYPES = 10;

/** The families the catalogue knows, with the highest generation, for messages. */
export function catalogueFacts(catalogue: readonly InstanceTypeInfo[] = CATALOGUE) {
    return {
        names: catalogue.map((t) => t.name),
        families: [...new Set(catalogue.map((t) => t.family))].sort(),
        categories: [...new Set(catalogue.map((t) => t.category))].sort(),
        sizes: [...new Set(catalogue.map((t) => t.size))].sort(),
        maxGeneration: Math.max(...catalogue.map((t) => t.generation)),
    };
}
