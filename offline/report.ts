import { ChangePlan, ResourceChange, changedPaths, isUnder } from "./change";
import { NodeImpact, nodeImpacts } from "./drift";

/**
 * The change plan as a reviewer reads it: text for the terminal, Markdown for a pull-request comment. Same
 * input → same bytes (resources in key order, paths sorted).
 */

const SYMBOL: Record<ResourceChange["action"], string> = { create: "+", update: "~", replace: "+-", delete: "-" };
const IAM_DOCUMENTS: Record<string, string> = {
    "aws:iam/role:Role": "assumeRolePolicy",
    "aws:iam/policy:Policy": "policy",
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:sqs/queuePolicy:QueuePolicy": "policy",
};

export interface StatementChange {
    resource: string;
    added: unknown[];
    removed: unknown[];
}

function statements(doc: unknown): unknown[] {
    const s = (doc as { Statement?: unknown } | undefined)?.Statement;
    return Array.isArray(s) ? s : s ? [s] : [];
}

/** IAM statements added and removed, per changed policy or trust document. */
export function statementChanges(plan: ChangePlan): StatementChange[] {
    const out: StatementChange[] = [];
    for (const c of plan.changes) {
        const key = IAM_DOCUMENTS[c.type];
        if (!key) continue;
        const before = statements(c.old?.inputs[key]).map((s) => JSON.stringify(s));
        const after = statements(c.new?.inputs[key]).map((s) => JSON.stringify(s));
        const added = after.filter((s) => !before.includes(s)).map((s) => JSON.parse(s) as unknown);
        const removed = before.filter((s) => !after.includes(s)).map((s) => JSON.parse(s) as unknown);
        if (added.length + removed.length > 0) out.push({ resource: c.name, added, removed });
    }
    return out;
}

/** Helm values paths changed, per release. */
export function helmValueChanges(plan: ChangePlan): Array<{ release: string; paths: string[] }> {
    return plan.changes
        .filter((c) => c.type === "kubernetes:helm.sh/v3:Release" && c.action !== "create" && c.action !== "delete")
        .map((c) => ({ release: String(c.new!.inputs.name ?? c.name), paths: changedPaths(c.old!.inputs.values ?? {}, c.new!.inputs.values ?? {}) }))
        .filter((h) => h.paths.length > 0);
}

function sortedChanges(plan: ChangePlan): ResourceChange[] {
    return [...plan.changes].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function counts(plan: ChangePlan): string {
    const n = (a: ResourceChange["action"]) => plan.changes.filter((c) => c.action === a).length;
    return `${n("create")} to create, ${n("update")} to update, ${n("replace")} to replace, ${n("delete")} to delete`;
}

function detail(c: ResourceChange): string {
    if (c.action === "replace") return `${c.order}; forced by ${c.replaceBecause.join(", ")}${c.changed.length > c.replaceBecause.length ? `; also ${c.changed.filter((p) => !c.replaceBecause.includes(p)).join(", ")}` : ""}`;
    if (c.action === "update") return c.changed.join(", ");
    return "";
}

function impactLine(i: NodeImpact): string {
    const what = { all: "REPLACES ALL NODES", some: "replaces nodes that no longer match", resolved: "replaces nodes if the resolved value differs", none: "no node replaced" }[i.replaces];
    return `${i.kind} ${i.name} (pools: ${i.pools.join(", ") || "none"}): ${what}: ${i.reason}${i.pace && i.replaces !== "none" ? `. Pace: ${i.pace}` : ""}`;
}

export function renderText(plan: ChangePlan, title: string): string[] {
    const lines = [title, `Resources: ${counts(plan)}`];
    if (plan.findings.length > 0) {
        lines.push("", "Findings:");
        for (const f of plan.findings) lines.push(`  ${f.level === "error" ? "FAIL" : "warn"} ${f.resource}: ${f.message}`);
    }
    lines.push("", "Changes:");
    for (const c of sortedChanges(plan)) {
        const d = detail(c);
        lines.push(`  ${SYMBOL[c.action].padEnd(2)} ${c.type}  ${c.name}${d ? `  (${d})` : ""}`);
    }
    const iam = statementChanges(plan);
    if (iam.length > 0) {
        lines.push("", "IAM statements:");
        for (const s of iam) {
            for (const a of s.added) lines.push(`  + ${s.resource}: ${JSON.stringify(a)}`);
            for (const r of s.removed) lines.push(`  - ${s.resource}: ${JSON.stringify(r)}`);
        }
    }
    const helm = helmValueChanges(plan);
    if (helm.length > 0) {
        lines.push("", "Helm values changed:");
        for (const h of helm) lines.push(`  ${h.release}: ${h.paths.join(", ")}`);
    }
    const impacts = nodeImpacts(plan.changes, plan.after);
    if (impacts.length > 0) {
        lines.push("", "Running nodes (Karpenter drift):");
        for (const i of impacts) lines.push(`  ${impactLine(i)}`);
    }
    return lines;
}

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;

export function renderMarkdown(plan: ChangePlan, title: string): string {
    const out = [`### ${title}`, "", `**${counts(plan)}**`, ""];
    if (plan.clusterReplaced) out.push("> [!CAUTION]", `> ${plan.findings[0].message}`, "");
    const rest = plan.clusterReplaced ? plan.findings.slice(1) : plan.findings;
    if (rest.length > 0) {
        out.push("| | Resource | Finding |", "|---|---|---|");
        for (const f of rest) out.push(`| ${f.level === "error" ? "❌" : "⚠️"} | ${code(f.resource)} | ${f.message.replace(/\|/g, "\\|")} |`);
        out.push("");
    }
    const changes = sortedChanges(plan);
    if (changes.length > 0) {
        out.push("<details><summary>Resources</summary>", "", "| Action | Type | Name | Fields |", "|---|---|---|---|");
        for (const c of changes) out.push(`| ${c.action} | ${code(c.type)} | ${code(c.name)} | ${detail(c).replace(/\|/g, "\\|")} |`);
        out.push("", "</details>", "");
    }
    const iam = statementChanges(plan);
    if (iam.length > 0) {
        out.push("**IAM statements**", "", "```diff");
        for (const s of iam) {
            for (const a of s.added) out.push(`+ ${s.resource}: ${JSON.stringify(a)}`);
            for (const r of s.removed) out.push(`- ${s.resource}: ${JSON.stringify(r)}`);
        }
        out.push("```", "");
    }
    const helm = helmValueChanges(plan);
    if (helm.length > 0) {
        out.push("**Helm values changed**", "");
        for (const h of helm) out.push(`- ${code(h.release)}: ${h.paths.map(code).join(", ")}`);
        out.push("");
    }
    const impacts = nodeImpacts(plan.changes, plan.after);
    if (impacts.length > 0) {
        out.push("**Running nodes (Karpenter drift)**", "");
        for (const i of impacts) out.push(`- ${impactLine(i)}`);
        out.push("");
    }
    if (plan.changes.length === 0) out.push("No changes.", "");
    return `${out.join("\n")}\n`;
}

/** Fields of NodePools and EC2NodeClasses that changed (also listed per resource above; kept for tests). */
export function nodeFieldChanges(plan: ChangePlan): Array<{ name: string; paths: string[] }> {
    return plan.changes
        .filter((c) => c.type.startsWith("kubernetes:karpenter") && c.action === "update")
        .map((c) => ({ name: c.name, paths: c.changed.filter((p) => isUnder(p, "spec")) }));
}
