import { CronExpressionParser } from "cron-parser";
import { parseKubeDuration } from "./clock";
import type { NodePool } from "./kube";

export type Budget = NonNullable<NodePool["spec"]["disruption"]>["budgets"] extends Array<infer B> | undefined ? B : never;

/** Disruption reasons (karpenter.sh/v1): an empty node is removed for "Empty", a replaceable one for "Underutilized". */
export type DisruptionReason = "Empty" | "Underutilized" | "Drifted";

/**
 * Whether a budget applies at `now`, as Karpenter v1.14.1 decides it (kubernetes-sigs/karpenter
 * pkg/apis/v1/nodepool.go, Budget.IsActive): with no schedule always; otherwise walk back `duration` and ask the
 * schedule (UTC) for its next hit; the window is open if that hit is not after now.
 */
export function budgetActive(budget: Budget, now: Date): boolean {
    if (budget.schedule === undefined && budget.duration === undefined) return true;
    const durationMs = parseKubeDuration(budget.duration ?? "0s") ?? 0;
    const next = CronExpressionParser.parse(budget.schedule ?? "", { currentDate: new Date(now.getTime() - durationMs), tz: "UTC" }).next().toDate();
    return next.getTime() <= now.getTime();
}

/** When the window of an active scheduled budget closes: the last hit plus the duration. */
export function budgetWindowEnd(budget: Budget, now: Date): Date | undefined {
    try {
        if (budget.schedule === undefined || !budgetActive(budget, now)) return undefined;
    } catch {
        return undefined;
    }
    const durationMs = parseKubeDuration(budget.duration ?? "0s") ?? 0;
    const last = CronExpressionParser.parse(budget.schedule, { currentDate: now, tz: "UTC" }).prev().toDate();
    return new Date(last.getTime() + durationMs);
}

/**
 * How many of `numNodes` nodes Karpenter may disrupt for `reason` now: the minimum over the active budgets that
 * name the reason (or none), percentages rounded up (NodePool.GetAllowedDisruptionsByReason). Infinity if none applies.
 */
export function allowedDisruptions(pool: NodePool, reason: DisruptionReason, numNodes: number, now: Date): { allowed: number; blockedBy?: Budget } {
    let allowed = Infinity;
    let blockedBy: Budget | undefined;
    for (const budget of pool.spec.disruption?.budgets ?? []) {
        if (budget.reasons && !budget.reasons.includes(reason)) continue;
        let active: boolean | "invalid";
        try {
            active = budgetActive(budget, now);
        } catch {
            // Karpenter fails closed on a schedule it cannot parse: nothing may be disrupted.
            active = "invalid";
        }
        if (!active) continue;
        const nodes = budget.nodes ?? "10%";
        const value = active === "invalid" ? 0 : nodes.endsWith("%") ? Math.ceil((Number(nodes.slice(0, -1)) * numNodes) / 100) : Number(nodes);
        if (value < allowed) {
            allowed = value;
            blockedBy = budget;
        }
    }
    return allowed === 0 ? { allowed, blockedBy } : { allowed };
}

export function describeBudget(b: Budget): string {
    return [`nodes: "${b.nodes}"`, b.schedule ? `schedule "${b.schedule}" UTC` : undefined, b.duration ? `for ${b.duration}` : undefined, b.reasons ? `reasons ${b.reasons.join(", ")}` : undefined]
        .filter(Boolean)
        .join(", ");
}
