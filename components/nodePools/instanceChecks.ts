import { Problems } from "../validate";
import {
    CATALOGUE,
    InstanceFilter,
    InstanceTypeInfo,
    MIN_TYPES_FOR_SPOT_TO_SPOT,
    catalogueFacts,
    catalogueWith,
    didYouMean,
    filterPredicates,
    matchingInstanceTypes,
} from "./catalogue";

/** Where the catalogue comes from, for messages. */
export const CATALOGUE_SOURCE = "the instance types of the pinned AWS SDK v3 EC2 client (@aws-sdk/client-ec2)";

interface PoolInstances extends InstanceFilter {
    extraInstanceTypes?: readonly string[];
    capacityTypes: readonly string[];
}

/**
 * Checks a pool's instance settings against the catalogue: every named type, family, category and size exists
 * (else the nearest names), the generation floor is reachable, the requirements together match at least one type,
 * and with the SpotToSpotConsolidation gate on, a spot pool matches enough types for it. Returns false if it
 * reported a problem.
 */
export function instanceProblems(p: Problems, path: string, pool: PoolInstances, ctx: { spotToSpotConsolidation: boolean }): boolean {
    const before = p.list.length;
    const known = new Set(CATALOGUE.map((t) => t.name));
    pool.extraInstanceTypes?.forEach((name, i) => {
        if (known.has(name)) p.say(`${path}.extraInstanceTypes[${i}]`, `"${name}" is in the catalogue already (${CATALOGUE_SOURCE}); remove it from extraInstanceTypes.`);
    });
    const catalogue = catalogueWith(pool.extraInstanceTypes);
    const facts = catalogueFacts(catalogue);
    const hatch = `; a type newer than the catalogue (${CATALOGUE_SOURCE}) must also be listed in extraInstanceTypes`;
    const checkNames = (key: string, values: readonly string[] | undefined, allowed: readonly string[], what: string, escape = "") =>
        values?.forEach((v, i) => {
            if (!allowed.includes(v)) p.say(`${path}.${key}[${i}]`, `"${v}" is not ${what} in the catalogue${didYouMean(v, allowed)}${escape}.`);
        });
    checkNames("instanceTypes", pool.instanceTypes, facts.names, "an EC2 instance type", hatch);
    checkNames("instanceFamilies", pool.instanceFamilies, facts.families, "an instance family", hatch);
    checkNames("instanceCategories", pool.instanceCategories, facts.categories, "an instance category (the letters before the generation, e.g. \"m\" of m7i)");
    checkNames("instanceSizes", pool.instanceSizes, facts.sizes, "an instance size");
    if (pool.instanceGenerationMin !== undefined && pool.instanceGenerationMin > facts.maxGeneration) {
        p.say(`${path}.instanceGenerationMin`, `no instance type has generation ${pool.instanceGenerationMin} or newer; the newest generation in the catalogue is ${facts.maxGeneration}.`);
    }
    if (p.list.length > before) return false;

    const matching = matchingInstanceTypes(pool, catalogue);
    if (matching.length === 0) {
        p.say(path, `its requirements match no instance type, so the pool can never launch a node: ${whyNone(pool, catalogue)}.`);
        return false;
    }
    if (ctx.spotToSpotConsolidation && pool.capacityTypes.includes("spot") && matching.length < MIN_TYPES_FOR_SPOT_TO_SPOT) {
        p.say(
            path,
            `matches ${matching.length} instance types, but with karpenter.spotToSpotConsolidation on, Karpenter replaces a single spot node only when at least ${MIN_TYPES_FOR_SPOT_TO_SPOT} instance types are eligible (Karpenter docs, Concepts > Disruption, spot-to-spot consolidation): allow at least ${MIN_TYPES_FOR_SPOT_TO_SPOT} types (e.g. instanceCategories with instanceGenerationMin instead of a list), or turn the gate off.`,
        );
        return false;
    }
    return true;
}

/** Which requirement empties the match, with a type that shows why. */
function whyNone(pool: InstanceFilter, catalogue: readonly InstanceTypeInfo[]): string {
    const preds = filterPredicates(pool);
    let remaining = [...catalogue];
    for (let k = 0; k < preds.length; k++) {
        const [key, pred] = preds[k];
        remaining = remaining.filter(pred);
        if (remaining.length > 0) continue;
        const allowedByKey = catalogue.filter(pred);
        // The example that misses the fewest other requirements shows the conflict most plainly.
        const misses = (t: InstanceTypeInfo) => preds.slice(0, k).filter(([, p]) => !p(t)).length;
        const example = [...allowedByKey].sort((a, b) => misses(a) - misses(b))[0];
        const blocker = example && preds.slice(0, k).find(([, p]) => !p(example));
        if (!example || !blocker) return `${key} ${JSON.stringify(valueOf(pool, key))} matches no type`;
        return `${key} ${JSON.stringify(valueOf(pool, key))} allows ${allowedByKey.length} types, none of which passes ${blocker[0]} ${JSON.stringify(valueOf(pool, blocker[0]))} (e.g. ${example.name} ${attribute(blocker[0], example)})`;
    }
    return "no type passes every requirement";
}

function valueOf(pool: InstanceFilter, key: string): unknown {
    return (pool as unknown as Record<string, unknown>)[key];
}

function attribute(key: string, t: InstanceTypeInfo): string {
    switch (key) {
        case "architectures":
            return `is ${t.architecture}`;
        case "instanceTypes":
            return "is not in instanceTypes";
        case "instanceFamilies":
            return `is of family ${t.family}`;
        case "instanceCategories":
            return `is of category ${t.category}`;
        case "instanceGenerationMin":
            return `is of generation ${t.generation}`;
        default:
            return `is of size ${t.size}`;
    }
}
