import { isUnder } from "./change";
import type { PlannedResource, ResourceChange } from "./change";

/**
 * What a NodePool or EC2NodeClass change does to the nodes Karpenter already runs (drift), as Karpenter v1.14.1
 * decides it:
 * - NodePool: `spec.weight`, `spec.limits`, `spec.disruption.*` are behavioral fields, never drift; requirements
 *   drift only nodes whose labels no longer satisfy them; every other `spec.template` field (labels, annotations,
 *   taints, startupTaints, nodeClassRef, expireAfter, terminationGracePeriod) changes the `karpenter.sh/nodepool-hash`
 *   and drifts every node of the pool (website/content/en/v1.14/concepts/disruption.md, "Drift").
 * - EC2NodeClass: `EC2NodeClass.Hash` (pkg/apis/v1/ec2nodeclass.go) hashes the spec except the fields tagged
 *   `hash:"ignore"`: subnet, security-group, capacity-reservation and AMI selector terms, ipPrefixCount, amiFamily.
 *   Selector terms drift dynamically: a node drifts when the resolved AMI / subnet / security group differs
 *   (pkg/cloudprovider/drift.go). Every other spec field drifts every node of every pool using the class.
 * - Pace: drifted nodes are replaced no faster than the NodePool's disruption budgets for reason `Drifted`
 *   (budgets without reasons count for all; the minimum applies; no budget → `nodes: 10%`); a budget with a
 *   `schedule` and `nodes: "0"` blocks drift during its window.
 */

export interface NodeImpact {
    kind: "NodePool" | "EC2NodeClass";
    name: string;
    /** "all" nodes replaced, "some" (those no longer matching), "resolved" (if the resolved value differs), or "none". */
    replaces: "all" | "some" | "resolved" | "none";
    reason: string;
    /** Pools whose nodes are affected (the pool itself, or the pools using the class). */
    pools: string[];
    pace?: string;
}

interface Budget {
    nodes: string;
    reasons?: string[];
    schedule?: string;
    duration?: string;
}

const NODE_CLASS_DYNAMIC = ["spec.amiSelectorTerms", "spec.subnetSelectorTerms", "spec.securityGroupSelectorTerms"];
const NODE_CLASS_IGNORED = ["spec.capacityReservationSelectorTerms", "spec.ipPrefixCount", "spec.amiFamily"];
const NODE_POOL_BEHAVIORAL = ["spec.weight", "spec.limits", "spec.disruption"];

function spec(r: ResourceChange["new"]): Record<string, any> {
    return ((r?.inputs as Record<string, any> | undefined)?.spec ?? {}) as Record<string, any>;
}

/** Whether every node allowed by the old requirements is still allowed by the new ones (In lists only widen). */
function requirementsOnlyWiden(oldReqs: any[] = [], newReqs: any[] = []): boolean {
    return newReqs.every((n) => {
        const o = oldReqs.find((x) => x.key === n.key);
        if (!o) return false; // a new constraint may exclude running nodes
        if (n.operator === "In" && o.operator === "In") return (o.values as string[]).every((v) => (n.values as string[]).includes(v));
        return JSON.stringify(o) === JSON.stringify(n) || n.operator === "Exists";
    });
}

/** How fast drifted nodes of a pool go, from its (new) disruption budgets. */
export function drainPace(pool: ResourceChange["new"]): string {
    const budgets: Budget[] = spec(pool).disruption?.budgets ?? [{ nodes: "10%" }];
    const applicable = budgets.filter((b) => !b.reasons || b.reasons.length === 0 || b.reasons.includes("Drifted"));
    if (applicable.length === 0) return "no budget limits drift (all drifted nodes may go at once)";
    const always = applicable.filter((b) => !b.schedule);
    const windows = applicable.filter((b) => b.schedule);
    const parts: string[] = [];
    if (always.length > 0) {
        const limits = always.map((b) => b.nodes);
        parts.push(always.some((b) => b.nodes === "0") ? "BLOCKED: a budget allows 0 drifted nodes at any time" : `at most ${limits.join(" and ")} of the pool's nodes at a time`);
    } else {
        parts.push("no always-on budget");
    }
    for (const w of windows) {
        parts.push(w.nodes === "0" ? `blocked during "${w.schedule}" for ${w.duration}` : `${w.nodes} during "${w.schedule}" for ${w.duration}`);
    }
    return parts.join("; ");
}

/** Node impact of every changed NodePool and EC2NodeClass (creates and deletes are not drift). */
export function nodeImpacts(changes: ResourceChange[], after: PlannedResource[]): NodeImpact[] {
    const out: NodeImpact[] = [];
    const pools = after.filter((r) => r.type === "kubernetes:karpenter.sh/v1:NodePool");
    const poolName = (r: PlannedResource) => String((r.inputs.metadata as { name?: string } | undefined)?.name);
    const allPools = (className: string) => pools.filter((r) => spec(r).template?.spec?.nodeClassRef?.name === className).map(poolName);
    // A new Kubernetes version: AMI aliases resolve to that version's AMI (the SSM parameter path carries it), so
    // every node of a class selecting by alias drifts (pkg/providers/amifamily, drift.go isAMIDrifted).
    const cluster = changes.find((c) => c.type === "eks:index:Cluster" && c.action === "update" && c.changed.includes("version"));
    if (cluster) {
        for (const cls of after.filter((r) => r.type === "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass")) {
            const name = String((cls.inputs.metadata as { name?: string } | undefined)?.name);
            if (!(spec(cls).amiSelectorTerms ?? []).some((t: { alias?: string }) => t.alias)) continue;
            const users = allPools(name);
            out.push({
                kind: "EC2NodeClass",
                name,
                replaces: "all",
                reason: `Kubernetes ${String(cluster.new!.inputs.version)}: the AMI alias resolves to that version's AMI, every node using the class drifts (after the control plane is upgraded)`,
                pools: users,
                pace: users.map((u) => `${u}: ${drainPace(pools.find((p) => poolName(p) === u))}`).join("; "),
            });
        }
    }
    for (const c of changes) {
        if (c.action !== "update" && c.action !== "replace") continue;
        const name = String(((c.new!.inputs.metadata ?? {}) as any).name);
        if (c.type === "kubernetes:karpenter.sh/v1:NodePool") {
            const paths = c.changed.filter((p) => isUnder(p, "spec"));
            const hashed = paths.filter((p) => isUnder(p, "spec.template") && !isUnder(p, "spec.template.spec.requirements"));
            const reqs = paths.filter((p) => isUnder(p, "spec.template.spec.requirements"));
            const pace = drainPace(c.new);
            if (c.action === "replace") out.push({ kind: "NodePool", name, replaces: "all", reason: "the NodePool object is replaced: its NodeClaims are deleted with it", pools: [name], pace });
            else if (hashed.length > 0) out.push({ kind: "NodePool", name, replaces: "all", reason: `${hashed.join(", ")} changed: karpenter.sh/nodepool-hash changes, every node drifts`, pools: [name], pace });
            else if (reqs.length > 0) {
                const widen = requirementsOnlyWiden(spec(c.old).template?.spec?.requirements, spec(c.new).template?.spec?.requirements);
                out.push(
                    widen
                        ? { kind: "NodePool", name, replaces: "none", reason: "requirements only widen: running nodes still satisfy them", pools: [name] }
                        : { kind: "NodePool", name, replaces: "some", reason: "requirements narrowed: nodes whose labels no longer satisfy them drift", pools: [name], pace },
                );
            } else if (paths.length > 0) {
                out.push({ kind: "NodePool", name, replaces: "none", reason: `behavioral fields only (${paths.filter((p) => NODE_POOL_BEHAVIORAL.some((b) => isUnder(p, b))).join(", ")}): no drift`, pools: [name] });
            } else out.push({ kind: "NodePool", name, replaces: "none", reason: "metadata only: no drift", pools: [name] });
        } else if (c.type === "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass") {
            const paths = c.changed.filter((p) => isUnder(p, "spec"));
            const users = allPools(name);
            const dynamic = paths.filter((p) => NODE_CLASS_DYNAMIC.some((d) => isUnder(p, d)));
            const hashed = paths.filter((p) => !NODE_CLASS_DYNAMIC.some((d) => isUnder(p, d)) && !NODE_CLASS_IGNORED.some((d) => isUnder(p, d)));
            const pace = users.map((u) => `${u}: ${drainPace(pools.find((p) => poolName(p) === u))}`).join("; ");
            if (c.action === "replace" || hashed.length > 0) {
                out.push({ kind: "EC2NodeClass", name, replaces: "all", reason: `${c.action === "replace" ? "the EC2NodeClass is replaced" : `${hashed.join(", ")} changed: the ec2nodeclass hash changes`}: every node using it drifts`, pools: users, pace });
            } else if (dynamic.length > 0) {
                out.push({ kind: "EC2NodeClass", name, replaces: "resolved", reason: `${dynamic.join(", ")} changed: nodes drift if the resolved AMI / subnets / security groups differ (a new AMI alias version almost always does)`, pools: users, pace });
            } else out.push({ kind: "EC2NodeClass", name, replaces: "none", reason: paths.length > 0 ? `${paths.join(", ")}: not hashed, no drift` : "metadata only: no drift", pools: users });
        }
    }
    return out;
}
