import type * as k8s from "@kubernetes/client-node";
import { allowedDisruptions, budgetWindowEnd, describeBudget } from "./budgets";
import { Interrupted, formatDuration, parseKubeDuration } from "./clock";
import { Kube, NODE_LABELS, NodePool, describeConditions, nodeReady, podReady, selector } from "./kube";
import type { Expectations } from "./outputs";
import { WaitContext, waitUntil } from "./progress";
import type { CheckResult, LaunchedNode, ScaleDownPhase, ScalingReport } from "./report";

export interface ScalingLimits {
    /** From the scale-up to the first new node Ready. @default 5 minutes */
    firstNodeReadyMs: number;
    /** From the scale-up to every pod Ready. @default 8 minutes */
    allPodsReadyMs: number;
    /** Added to the pools' longest consolidateAfter to bound each scale-down wait. @default 5 minutes */
    scaleDownMarginMs: number;
}

export const DEFAULT_LIMITS: ScalingLimits = { firstNodeReadyMs: 5 * 60_000, allPodsReadyMs: 8 * 60_000, scaleDownMarginMs: 5 * 60_000 };

/** The default test is small: at most this many pods, and at most half the pools' CPU headroom. */
export const MAX_DEFAULT_REPLICAS = 5;

export interface ScalingOptions {
    /** Pods to add; default from the pools' limits (see defaultReplicas). */
    replicas?: number;
    limits: ScalingLimits;
}

export interface ScalingResult {
    checks: CheckResult[];
    report?: ScalingReport;
    interrupted: boolean;
}

/** CPU cores of a Kubernetes quantity ("1", "500m", "1.5"); undefined if it is not one. */
export function cpuCores(quantity: string | number | undefined): number | undefined {
    if (quantity === undefined) return undefined;
    const m = /^([0-9]+(?:\.[0-9]+)?)(m?)$/.exec(String(quantity));
    return m ? Number(m[1]) / (m[2] ? 1000 : 1) : undefined;
}

/** Pools whose nodes the demo pods can land on: no taint they do not tolerate, a capacity type they accept. */
export function eligiblePools(pools: NodePool[], template: k8s.V1PodTemplateSpec): NodePool[] {
    const wantedCapacity = template.spec?.nodeSelector?.[NODE_LABELS.capacityType];
    const tolerated = (key: string) => (template.spec?.tolerations ?? []).some((t) => t.operator === "Exists" && (t.key === undefined || t.key === key));
    return pools.filter((p) => {
        const spec = p.spec.template.spec;
        if ((spec.taints ?? []).some((t) => t.effect !== "PreferNoSchedule" && !tolerated(t.key))) return false;
        const capacity = spec.requirements.find((r) => r.key === NODE_LABELS.capacityType && r.operator === "In");
        return !wantedCapacity || !capacity || (capacity.values ?? []).includes(wantedCapacity);
    });
}

/**
 * How many pods the default test adds: half of the CPU the eligible pools may still launch (limits minus what they
 * run), in pods of the demo's request, at most MAX_DEFAULT_REPLICAS; 0 when there is no room.
 */
export function defaultReplicas(pools: NodePool[], podCpu: number): { replicas: number; headroomCpu: number } {
    const headroomCpu = pools.reduce((sum, p) => sum + Math.max(0, (cpuCores(p.spec.limits?.cpu) ?? Infinity) - (cpuCores(p.status?.resources?.cpu as string | undefined) ?? 0)), 0);
    return { replicas: Math.max(0, Math.min(MAX_DEFAULT_REPLICAS, Math.floor(headroomCpu / 2 / podCpu))), headroomCpu };
}

function launched(node: k8s.V1Node): LaunchedNode {
    const l = node.metadata?.labels ?? {};
    return { name: node.metadata?.name ?? "?", nodePool: l[NODE_LABELS.nodePool] ?? "?", capacityType: l[NODE_LABELS.capacityType] ?? "?", instanceType: l[NODE_LABELS.instanceType] ?? "?", zone: l[NODE_LABELS.zone] ?? "?" };
}

/**
 * Scales the demo up, measures how fast Karpenter brings nodes and the pods run, scales down to half and to zero
 * and measures how fast the nodes go, against each pool's consolidateAfter and budgets. The
 * Deployment is always put back to its original replica count, also on failure and interruption.
 */
export async function scalingTest(kube: Kube, x: Expectations, ctx: WaitContext, o: ScalingOptions): Promise<ScalingResult> {
    const checks: CheckResult[] = [];
    const add = (name: string, status: CheckResult["status"], detail: string) => checks.push({ group: "scaling", name, status, detail });
    const { namespace, name } = x.demo;
    const deployment = await kube.find(`read deployment ${namespace}/${name}`, (opt) => kube.apps.readNamespacedDeployment({ namespace, name }, opt));
    if (!deployment) {
        add("scale up", "fail", `Deployment ${namespace}/${name} not found: is demoWorkload deployed?`);
        return { checks, interrupted: false };
    }
    const original = deployment.spec?.replicas ?? 0;
    const template = deployment.spec!.template;
    const podCpu = (template.spec?.containers ?? []).reduce((sum, c) => sum + (cpuCores(c.resources?.requests?.cpu as string | undefined) ?? 0), 0);
    const podSelector = selector(deployment.spec?.selector.matchLabels ?? {});
    const pools = (await kube.listNodePools()).filter((p) => x.nodePools.includes(p.metadata?.name ?? ""));
    const eligible = eligiblePools(pools, template);
    const { replicas: byDefault, headroomCpu } = defaultReplicas(eligible, podCpu || 1);
    const added = o.replicas ?? byDefault;
    if (eligible.length === 0 || added < 1) {
        add("scale up", "fail", eligible.length === 0 ? `no NodePool of the stack can run the demo pods (${x.nodePools.join(", ")})` : `no room: the pools ${eligible.map((p) => p.metadata?.name).join(", ")} have ${headroomCpu} CPU left under their limits`);
        return { checks, interrupted: false };
    }
    if (added * podCpu > headroomCpu) {
        add("scale up", "fail", `${added} pods of ${podCpu} CPU exceed what the pools may still launch (${headroomCpu} CPU under their limits): Karpenter would not launch them. Use fewer --replicas.`);
        return { checks, interrupted: false };
    }
    const target = original + added;
    const report: ScalingReport = { originalReplicas: original, replicas: target, nodes: [], scaleDown: [], restored: false };
    const karpenterNodes = async () => (await kube.call("list Karpenter nodes", (opt) => kube.core.listNode({ labelSelector: NODE_LABELS.nodePool }, opt))).items;
    const baseline = new Set((await karpenterNodes()).map((n) => n.metadata?.name));
    const baselineClaims = new Set((await kube.listNodeClaims()).map((c) => c.metadata?.name));
    const demoPods = async () => (await kube.call(`list pods ${podSelector}`, (opt) => kube.core.listNamespacedPod({ namespace, labelSelector: podSelector }, opt))).items.filter((p) => !p.metadata?.deletionTimestamp);
    let interrupted = false;
    ctx.progress.line(`Scaling test: ${namespace}/${name} from ${original} to ${target} replicas (${podCpu} CPU each; pools ${eligible.map((p) => p.metadata?.name).join(", ")}). This launches EC2 instances.`);
    try {
        const t0 = ctx.clock.now();
        await kube.scaleDeployment(namespace, name, target);
        const first = await waitUntil(ctx, "first new node Ready", o.limits.firstNodeReadyMs, async () => {
            const fresh = (await karpenterNodes()).filter((n) => !baseline.has(n.metadata?.name));
            const ready = fresh.filter(nodeReady);
            return { done: ready.length > 0, value: fresh, seen: `${fresh.length} launched, ${ready.length} Ready` };
        }, t0);
        if (!first.done) {
            add("scale up", "fail", `no new node Ready within ${formatDuration(o.limits.firstNodeReadyMs)} (${first.seen}): ${await whyNoNode(kube, baselineClaims, await demoPods())}`);
            return { checks, report, interrupted };
        }
        report.firstNodeReadySeconds = Math.round(first.elapsedMs / 1000);
        const all = await waitUntil(ctx, `all ${target} pods Ready`, o.limits.allPodsReadyMs, async () => {
            const pods = await demoPods();
            const ready = pods.filter(podReady).length;
            return { done: ready >= target, value: pods, seen: `${ready} of ${target} Ready` };
        }, t0);
        report.nodes = (await karpenterNodes()).filter((n) => !baseline.has(n.metadata?.name)).map(launched).sort((a, b) => a.name.localeCompare(b.name));
        if (!all.done) {
            const pending = all.value.filter((p) => !podReady(p));
            add("scale up", "fail", `${all.seen} after ${formatDuration(o.limits.allPodsReadyMs)}; first node Ready after ${formatDuration(first.elapsedMs)}; ${pending.length} pod(s) not Ready: ${await whyNoNode(kube, baselineClaims, pending)}`);
            return { checks, report, interrupted };
        }
        report.allPodsReadySeconds = Math.round(all.elapsedMs / 1000);
        add("scale up", "pass", `${target} pods Ready after ${formatDuration(all.elapsedMs)}; first new node Ready after ${formatDuration(first.elapsedMs)}; ${report.nodes.length} node(s) launched`);

        // Half, then zero (issue 16), even when the demo ran pods before: at zero every launched node must go, and
        // the restore below puts the original count back.
        const half = original + Math.floor(added / 2);
        for (const to of half > 0 && half < target ? [half, 0] : [0]) {
            const phase = await scaleDown(kube, ctx, o.limits, { namespace, name, to, final: to === 0, baseline, listPools: async () => (await kube.listNodePools()).filter((p) => x.nodePools.includes(p.metadata?.name ?? "")), karpenterNodes });
            report.scaleDown.push(phase.report);
            add(`scale down to ${to}`, phase.status, phase.detail);
            if (phase.status === "fail") break;
        }
    } catch (e) {
        if (e instanceof Interrupted) {
            interrupted = true;
            add("interrupted", "fail", "stopped by Ctrl-C before the test finished");
        } else {
            // A request that failed outright: the test cannot go on, the demo is restored below.
            add("scale test", "fail", (e as Error).message);
        }
    } finally {
        try {
            ctx.progress.line(`Restoring ${namespace}/${name} to ${original} replicas.`);
            await kube.scaleDeployment(namespace, name, original, { ignoreInterrupt: true });
            report.restored = true;
            add("restore", "pass", `${namespace}/${name} back at ${original} replicas`);
        } catch (e) {
            add("restore", "fail", `could not restore ${namespace}/${name} to ${original} replicas (${(e as Error).message}): run "kubectl scale deployment ${name} -n ${namespace} --replicas ${original}"`);
        }
    }
    return { checks, report, interrupted };
}

/** Why no node came: the NodeClaims Karpenter created (with their conditions) and why the pods wait. */
async function whyNoNode(kube: Kube, baselineClaims: Set<string | undefined>, pods: k8s.V1Pod[]): Promise<string> {
    const claims = (await kube.listNodeClaims()).filter((c) => !baselineClaims.has(c.metadata?.name));
    const claimText =
        claims.length === 0
            ? "Karpenter created no NodeClaim"
            : `${claims.length} NodeClaim(s): ${claims.map((c) => `${c.metadata?.name} ${describeConditions(c.status?.conditions) || "Ready"}`).join("; ")}`;
    const unscheduled = pods.map((p) => p.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False")).find((c) => c);
    return `${claimText}${unscheduled ? `; pods ${unscheduled.reason}: ${unscheduled.message}` : ""}. See "kubectl describe nodepool" and the controller log.`;
}

interface PhaseArgs {
    namespace: string;
    name: string;
    to: number;
    /** Down to zero: every launched node must go. */
    final: boolean;
    /** Karpenter's nodes before the test: every other Karpenter node (replacements included) is the test's. */
    baseline: Set<string | undefined>;
    listPools: () => Promise<NodePool[]>;
    karpenterNodes: () => Promise<k8s.V1Node[]>;
}

async function scaleDown(kube: Kube, ctx: WaitContext, limits: ScalingLimits, a: PhaseArgs): Promise<{ status: CheckResult["status"]; detail: string; report: ScaleDownPhase }> {
    const allNodes = await a.karpenterNodes();
    const present = allNodes.filter((n) => !a.baseline.has(n.metadata?.name));
    // Fresh pools: budgets in percent count the pool's nodes now.
    const fresh = await a.listPools();
    const involved = fresh.filter((p) => present.some((n) => n.metadata?.labels?.[NODE_LABELS.nodePool] === p.metadata?.name));
    const consolidateAfter = Object.fromEntries(involved.map((p) => [p.metadata?.name ?? "?", p.spec.disruption?.consolidateAfter ?? "0s"]));
    const waits = involved.map((p) => parseKubeDuration(p.spec.disruption?.consolidateAfter ?? "0s"));
    const limitMs = Math.max(0, ...waits.map((w) => w ?? 0)) + limits.scaleDownMarginMs;
    const report: ScaleDownPhase = { replicas: a.to, nodesBefore: present.length, nodesAfter: present.length, limitSeconds: Math.round(limitMs / 1000), consolidateAfter };
    const after = Object.entries(consolidateAfter).map(([pool, d]) => `${pool}: consolidateAfter ${d}`).join(", ");
    await kube.scaleDeployment(a.namespace, a.name, a.to);
    if (present.length === 0) return { status: "pass", detail: `scaled to ${a.to}; no launched node left to remove`, report };
    const never = involved.filter((_, i) => waits[i] === undefined).map((p) => p.metadata?.name);
    if (never.length > 0) {
        return { status: "warn", detail: `not measured: NodePool ${never.join(", ")} has consolidateAfter ${never.map((n) => consolidateAfter[n ?? ""]).join(", ")}; its ${present.length} node(s) stay until removed by hand`, report };
    }
    // A node without demo pods is removed for "Empty"; one with fewer pods (half) for "Underutilized", if the policy allows.
    const now = new Date(ctx.clock.now());
    const blocked = involved.map((p) => {
        const reason = a.final || p.spec.disruption?.consolidationPolicy === "WhenEmpty" ? "Empty" : "Underutilized";
        const nodes = Math.max(p.status?.nodes ?? 0, allNodes.filter((n) => n.metadata?.labels?.[NODE_LABELS.nodePool] === p.metadata?.name).length);
        const { blockedBy } = allowedDisruptions(p, reason, nodes, now);
        return blockedBy ? { pool: p.metadata?.name, reason, budget: blockedBy, until: budgetWindowEnd(blockedBy, now) } : undefined;
    });
    if (blocked.every((b) => b)) {
        const text = blocked.map((b) => `NodePool ${b!.pool}: budget {${describeBudget(b!.budget)}} allows no ${b!.reason} disruption now${b!.until ? `, until ${b!.until.toISOString().slice(0, 16).replace("T", " ")} UTC` : ""}`).join("; ");
        report.blockedBy = text;
        return { status: a.final ? "warn" : "pass", detail: `scaled to ${a.to}; consolidation blocked by a budget window, not waited for: ${text}.${a.final ? ` The ${present.length} launched node(s) stay (and cost) until then.` : ""}`, report };
    }
    const what = a.final ? `Karpenter removes the ${present.length} launched node(s)` : `Karpenter removes a launched node`;
    const result = await waitUntil(ctx, what, limitMs, async () => {
        const left = (await a.karpenterNodes()).filter((n) => !a.baseline.has(n.metadata?.name));
        return { done: a.final ? left.length === 0 : left.length < present.length, value: left, seen: `${left.length} of ${present.length} left` };
    });
    report.nodesAfter = result.value.length;
    if (result.done) {
        report.removedAfterSeconds = Math.round(result.elapsedMs / 1000);
        return { status: "pass", detail: `${present.length - result.value.length} of ${present.length} node(s) removed ${formatDuration(result.elapsedMs)} after scaling to ${a.to} (${after})`, report };
    }
    const partly = blocked.filter((b) => b).map((b) => `NodePool ${b!.pool}'s budget {${describeBudget(b!.budget)}} blocks ${b!.reason}`);
    if (!a.final) {
        return { status: "warn", detail: `no node removed within ${formatDuration(limitMs)} of scaling to ${a.to} (${after}): the remaining pods may still need every node${partly.length ? `; ${partly.join("; ")}` : ""}`, report };
    }
    const left = new Set(result.value.map((n) => n.metadata?.name));
    const pools = new Set(involved.map((p) => p.metadata?.name));
    const said = (await kube.disruptionBlocked())
        .filter((e) => (e.kind === "NodePool" && pools.has(e.name)) || (e.kind === "Node" && left.has(e.name)))
        .slice(0, 3)
        .map((e) => `${e.kind} ${e.name}: "${e.message}"`);
    return {
        status: "fail",
        detail:
            `${result.value.length} of ${present.length} launched node(s) still there ${formatDuration(limitMs)} after scaling to ${a.to} (${after}): ${[...left].join(", ")}` +
            `${partly.length ? `; ${partly.join("; ")}` : ""}${said.length ? `; Karpenter says (DisruptionBlocked): ${said.join("; ")}` : "; no DisruptionBlocked event: see the controller log"}.`,
        report,
    };
}
