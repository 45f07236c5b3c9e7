import type { StackConfig } from "../config";
import { CATALOGUE, InstanceTypeInfo, MIN_SPOT_TYPES, catalogueWith, matchingInstanceTypes } from "./catalogue";
import { NodePoolConfig } from "./config";
import { CATALOGUE_SOURCE } from "./instanceChecks";

/**
 * Soft problems of a valid config: things Karpenter accepts that likely do not do what the user meant. The program
 * prints each with `pulumi.log.warn` before creating resources; none stops a deployment.
 */
export function stackWarnings(config: StackConfig): string[] {
    const pools = config.nodePools.map((pool, i) => ({ pool, path: `${config.project}:nodePools[${i}] (${pool.name})`, types: typesOf(pool) }));
    const out: string[] = [];
    for (const { pool, path, types } of pools) {
        const known = new Set(CATALOGUE.map((t) => t.name));
        const extra = (pool.extraInstanceTypes ?? []).filter((t) => !known.has(t));
        if (extra.length > 0) {
            out.push(`${path}.extraInstanceTypes: ${extra.join(", ")} ${extra.length > 1 ? "are" : "is"} not in ${CATALOGUE_SOURCE}; accepted as newer types. If one is a typo, Karpenter never launches it.`);
        }
        if (pool.capacityTypes.includes("spot") && types.length < MIN_SPOT_TYPES) {
            out.push(`${path}: a spot pool matching ${types.length} instance type${types.length === 1 ? "" : "s"} (${types.map((t) => t.name).join(", ")}); spot capacity is found per type and zone, and with fewer than ${MIN_SPOT_TYPES} types launches fail or get interrupted more often. Allow more types.`);
        }
        // A GPU pool names GPU types, families or categories; an unfiltered pool may reach them too, but Karpenter
        // picks the cheapest type that fits, which is a GPU type only for pods that ask for a GPU.
        const gpu = types.filter(isNvidiaGpu).filter((t) => pool.instanceTypes?.includes(t.name) || pool.instanceFamilies?.includes(t.family) || pool.instanceCategories?.includes(t.category));
        if (gpu.length > 0 && pool.amiAlias.startsWith("al2023@")) {
            out.push(`${path}: allows NVIDIA GPU types with amiAlias ${pool.amiAlias}: AL2023 NVIDIA AMIs have the driver but not the NVIDIA device plugin, so pods asking for nvidia.com/gpu stay Pending and Karpenter never counts the nodes initialized unless you run it (or the GPU Operator). Use "bottlerocket@latest" (its NVIDIA variants include the plugin), as the gpu preset does.`);
        }
        if (gpu.length > 0 && !pool.taints.some((t) => t.key === "nvidia.com/gpu" && t.effect !== "PreferNoSchedule")) {
            out.push(`${path}: allows NVIDIA GPU types without a nvidia.com/gpu NoSchedule taint: any pending pod may start a GPU node. Add the taint (the gpu preset does).`);
        }
    }
    // Weights: an untainted pool that allows arm64 and outweighs an untainted amd64-only pool takes every pod without
    // an architecture selector, including x86-only images, which then fail with "exec format error".
    const untainted = pools.filter(({ pool }) => !pool.taints.some((t) => t.effect !== "PreferNoSchedule"));
    for (const arm of untainted.filter(({ pool }) => pool.architectures.includes("arm64"))) {
        for (const x86 of untainted.filter(({ pool }) => !pool.architectures.includes("arm64"))) {
            if ((arm.pool.weight ?? 0) > (x86.pool.weight ?? 0)) {
                out.push(
                    `${arm.path}: allows arm64, has no taint and weight ${arm.pool.weight} above ${x86.path} (${x86.pool.weight ?? "unset"}): pods without a kubernetes.io/arch selector go to arm64 first, and x86-only images fail there. Taint the pool (and tolerate it in arm64-ready workloads) or lower its weight; see README "arm64 pools".`,
                );
            }
        }
    }
    if (config.karpenter.spotToSpotConsolidation && !pools.some(({ pool }) => pool.capacityTypes.includes("spot"))) {
        out.push(`${config.project}:karpenter.spotToSpotConsolidation: is on, but no pool has spot capacity: the gate changes nothing. Turn it off or add spot to a pool's capacityTypes.`);
    }
    out.push(...demoWarnings(config, pools));
    return out;
}

/** NVIDIA GPU instances: categories g, gr and p (AWS naming), except AMD's g4ad. */
export function isNvidiaGpu(t: InstanceTypeInfo): boolean {
    return ["g", "gr", "p"].includes(t.category) && t.family !== "g4ad";
}

function typesOf(pool: NodePoolConfig): InstanceTypeInfo[] {
    return matchingInstanceTypes(pool, catalogueWith(pool.extraInstanceTypes));
}

/** The demo's pods have no tolerations, ask for 1 CPU each, and may require on-demand capacity. */
function demoWarnings(config: StackConfig, pools: Array<{ pool: NodePoolConfig; path: string }>): string[] {
    const demo = config.demoWorkload;
    const path = `${config.project}:demoWorkload`;
    if (!demo.enabled || demo.replicas === 0) return [];
    const eligible = pools.filter(
        ({ pool }) =>
            !pool.taints.some((t) => t.effect !== "PreferNoSchedule") &&
            (!demo.onDemandOnly || pool.capacityTypes.includes("on-demand")) &&
            cpuAtLeastOne(pool.limits.cpu),
    );
    if (pools.length === 0) return [`${path}: ${demo.replicas} replicas but no NodePool: the demo's pods stay Pending (the system nodes are tainted). Add a pool to nodePools or set replicas to 0.`];
    if (eligible.length === 0) {
        const need = demo.onDemandOnly ? "untainted, with capacity type on-demand and a cpu limit of at least 1" : "untainted, with a cpu limit of at least 1";
        return [`${path}: ${demo.replicas} replicas, but no pool can run them (the demo needs a pool that is ${need}): they stay Pending.${demo.onDemandOnly ? " Add on-demand to a pool's capacityTypes or set onDemandOnly to false." : ""}`];
    }
    const zones = new Set(eligible.flatMap(({ pool }) => pool.zones ?? ["*"]));
    if (demo.spreadAcrossZones && !zones.has("*") && zones.size === 1) {
        return [`${path}: spreadAcrossZones with every eligible pool in zone ${[...zones][0]}: nodes in other zones count as spread domains, so pods beyond a skew of 1 stay Pending. Allow more zones or turn spreading off.`];
    }
    return [];
}

function cpuAtLeastOne(q: string): boolean {
    const m = /^\+?([0-9.]+)(m?)$/.exec(q);
    if (!m) return true; // exponent or suffixed forms: large enough in practice, not worth a false alarm
    return Number(m[1]) / (m[2] ? 1000 : 1) >= 1;
}
