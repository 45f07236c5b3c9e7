import { formatDuration } from "./clock";

export type Status = "pass" | "fail" | "warn" | "skip";

/** One line of the final table. */
export interface CheckResult {
    /** "install", "aws" or "scaling". */
    group: string;
    name: string;
    status: Status;
    /** Why it passed or failed, in one line. */
    detail: string;
}

export interface LaunchedNode {
    name: string;
    nodePool: string;
    capacityType: string;
    instanceType: string;
    zone: string;
}

export interface ScaleDownPhase {
    /** Replicas scaled down to. */
    replicas: number;
    /** Nodes launched by the test still there when the phase started / when it ended. */
    nodesBefore: number;
    nodesAfter: number;
    /** Seconds from the scale-down until the last awaited node was removed; undefined if none was. */
    removedAfterSeconds?: number;
    limitSeconds: number;
    /** consolidateAfter of the pools involved. */
    consolidateAfter: Record<string, string>;
    /** The budget that blocked it, if one did. */
    blockedBy?: string;
}

export interface ScalingReport {
    originalReplicas: number;
    replicas: number;
    firstNodeReadySeconds?: number;
    allPodsReadySeconds?: number;
    nodes: LaunchedNode[];
    scaleDown: ScaleDownPhase[];
    /** The Deployment is back at originalReplicas. */
    restored: boolean;
}

export interface Report {
    stack: string;
    cluster: string;
    server: string;
    startedAt: string;
    durationSeconds: number;
    /** Set when Ctrl-C stopped the run. */
    interrupted: boolean;
    checks: CheckResult[];
    scaling?: ScalingReport;
    exitCode: 0 | 1;
}

export function exitCodeOf(checks: CheckResult[], interrupted: boolean): 0 | 1 {
    return interrupted || checks.some((c) => c.status === "fail") ? 1 : 0;
}

const MARK: Record<Status, string> = { pass: "ok  ", fail: "FAIL", warn: "warn", skip: "skip" };

/** The table printed at the end: one row per check, then the nodes the scaling test launched. */
export function renderTable(report: Report): string[] {
    const width = Math.max(...report.checks.map((c) => `${c.group}/${c.name}`.length), 10);
    const lines = [`${"".padEnd(4)}  ${"check".padEnd(width)}  detail`];
    for (const c of report.checks) lines.push(`${MARK[c.status]}  ${`${c.group}/${c.name}`.padEnd(width)}  ${c.detail}`);
    const s = report.scaling;
    if (s && s.nodes.length > 0) {
        lines.push("", "Nodes launched by the scaling test:");
        const rows = [["node", "nodepool", "capacity", "instance type", "zone"], ...s.nodes.map((n) => [n.name, n.nodePool, n.capacityType, n.instanceType, n.zone])];
        const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
        for (const r of rows) lines.push(`  ${r.map((cell, i) => cell.padEnd(widths[i])).join("  ")}`.trimEnd());
    }
    const failed = report.checks.filter((c) => c.status === "fail").length;
    lines.push(
        "",
        `${report.interrupted ? "Interrupted. " : ""}${report.checks.length} checks: ${report.checks.filter((c) => c.status === "pass").length} passed, ${failed} failed, ` +
            `${report.checks.filter((c) => c.status === "warn").length} warnings, ${report.checks.filter((c) => c.status === "skip").length} skipped, in ${formatDuration(report.durationSeconds * 1000)}.`,
    );
    return lines;
}
