import { isProjectComponent, replacementRule } from "./replacement";

/**
 * Day-2 change planning: given the resources of a stack before and after a config change, what `pulumi up`
 * would do to each (create / update / replace / delete), in which order it replaces, and which of those steps
 * fail or hurt on AWS. Pure: works on resources.json documents (offline/render.ts `resourcesDocument`).
 */

/** One resource as resources.json records it. */
export interface PlannedResource {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    remote: boolean;
    inputs: Record<string, unknown>;
    options: { deleteBeforeReplace?: boolean; ignoreChanges: string[]; replaceOnChanges: string[]; protect: boolean };
    propertyDependencies: Record<string, string[]>;
    dependencies?: string[];
}

export type Action = "create" | "update" | "replace" | "delete";

export interface ResourceChange {
    key: string;
    urn: string;
    type: string;
    name: string;
    action: Action;
    /** Changed input paths (dotted), for update and replace. */
    changed: string[];
    /** Paths that force the replacement (own change or a replaced dependency's unknown output). */
    replaceBecause: string[];
    /** For replace: delete the old one first, or create the new one first. */
    order?: "delete-first" | "create-first";
    old?: PlannedResource;
    new?: PlannedResource;
}

export interface Finding {
    level: "error" | "warning";
    resource: string;
    message: string;
}

export interface ChangePlan {
    changes: ResourceChange[];
    findings: Finding[];
    /** True when the EKS cluster itself is deleted or replaced (every node and workload goes). */
    clusterReplaced: boolean;
    /** Every resource after the change (changed or not). */
    after: PlannedResource[];
}

/** Every leaf path where two values differ ("a.b[2].c"); objects and arrays compared structurally. */
export function changedPaths(a: unknown, b: unknown, prefix = ""): string[] {
    if (JSON.stringify(a) === JSON.stringify(b)) return [];
    const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
    if (isObj(a) && isObj(b)) {
        const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
        return keys.flatMap((k) => changedPaths(a[k], b[k], prefix ? `${prefix}.${k}` : k));
    }
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
        return a.flatMap((x, i) => changedPaths(x, b[i], `${prefix}[${i}]`));
    }
    return [prefix || "(value)"];
}

/** Whether `path` lies at or under `prefix` ("spec.a" is under "spec"; "spec.ab" is not). */
export function isUnder(path: string, prefix: string): boolean {
    return path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}

/** A value that is given (not absent, null, or an empty list/object/string). */
function isSet(v: unknown): boolean {
    if (v === undefined || v === null || v === "") return false;
    if (Array.isArray(v)) return v.length > 0;
    if (typeof v === "object") return Object.keys(v).length > 0;
    return true;
}

function get(o: unknown, path: string): unknown {
    return path.split(".").reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), o);
}

/** The key that matches a resource across plans: its URN (same stack), or a caller-given normalisation. */
export type KeyOf = (r: PlannedResource) => string;

/**
 * Plans the change from `before` to `after`. Replacement propagates as the engine does: a resource replaced
 * delete-first takes down, before it, every dependent with a force-new input fed by it (Pulumi's dependent
 * replacements); a create-first replacement leaves dependents to their own diff.
 */
export function planChange(before: PlannedResource[], after: PlannedResource[], keyOf: KeyOf = (r) => r.urn, options: { crossStack?: boolean } = {}): ChangePlan {
    const olds = new Map(before.map((r) => [keyOf(r), r]));
    const news = new Map(after.map((r) => [keyOf(r), r]));
    const changes: ResourceChange[] = [];
    const byUrn = new Map<string, ResourceChange>();
    const findings: Finding[] = [];

    for (const r of dependencyOrder(after)) {
        const key = keyOf(r);
        const old = olds.get(key);
        if (!old) {
            const c: ResourceChange = { key, urn: r.urn, type: r.type, name: r.name, action: "create", changed: [], replaceBecause: [], new: r };
            changes.push(c);
            byUrn.set(r.urn, c);
            continue;
        }
        const ignored = r.options.ignoreChanges;
        const changed = changedPaths(old.inputs, r.inputs).filter((p) => !ignored.some((i) => isUnder(p, i)));
        let replaceBecause: string[] = [];
        if (r.custom || r.remote) {
            const rule = isProjectComponent(r.type) ? { forceNew: [] } : replacementRule(r.type);
            const forcing = [...rule.forceNew, ...r.options.replaceOnChanges];
            replaceBecause = changed.filter((p) => forcing.some((f) => isUnder(p, f)));
            // One-directional force-new (provider CustomizeDiff): removed, or changed after having been set.
            for (const w of "forceNewWhen" in rule ? (rule.forceNewWhen ?? []) : []) {
                const before = get(old.inputs, w.path);
                const now = get(r.inputs, w.path);
                if (!isSet(before) || JSON.stringify(before) === JSON.stringify(now)) continue;
                if (w.when === "changed-from-set" || !isSet(now)) replaceBecause.push(w.when === "removed" ? `${w.path} (removed)` : w.path);
            }
            // Inputs fed by a resource replaced delete-first are unknown until it exists again: force-new ones replace.
            for (const [prop, urns] of Object.entries(r.propertyDependencies)) {
                const cause = urns.map((u) => byUrn.get(u)).find((d) => d?.action === "replace" && d.order === "delete-first");
                if (cause && forcing.some((f) => isUnder(prop, f) || isUnder(f, prop))) {
                    replaceBecause = [...replaceBecause.filter((p) => !isUnder(p, prop)), `${prop} (from ${cause.name}, replaced delete-first)`];
                }
            }
        }
        // Two different stacks are compared, not one changed: no replacement happens between them.
        if (options.crossStack) replaceBecause = [];
        const action: Action = replaceBecause.length > 0 ? "replace" : "update";
        if (action === "update" && changed.length === 0) {
            byUrn.set(r.urn, { key, urn: r.urn, type: r.type, name: r.name, action, changed, replaceBecause, old, new: r });
            continue; // unchanged: not listed
        }
        const c: ResourceChange = { key, urn: r.urn, type: r.type, name: r.name, action, changed, replaceBecause, old, new: r };
        // Dependents the engine replaces because of a delete-first replacement go down before it, too.
        if (action === "replace") c.order = replaceBecause.some((p) => p.includes("replaced delete-first)")) ? "delete-first" : replaceOrder(old, r);
        changes.push(c);
        byUrn.set(r.urn, c);
    }
    for (const r of before) {
        if (!news.has(keyOf(r))) changes.push({ key: keyOf(r), urn: r.urn, type: r.type, name: r.name, action: "delete", changed: [], replaceBecause: [], old: r });
    }

    if (options.crossStack) return { changes, findings, clusterReplaced: false, after };
    for (const c of changes) findings.push(...findingsFor(c, changes));
    const clusterGone = changes.some((c) => c.type === "eks:index:Cluster" && (c.action === "replace" || c.action === "delete"));
    if (clusterGone) {
        findings.unshift({
            level: "error",
            resource: changes.find((c) => c.type === "eks:index:Cluster")!.name,
            message:
                "THE EKS CLUSTER IS DELETED AND CREATED AGAIN: every node, pod, persistent volume claim and in-cluster object of this stack goes away " +
                `(${changes.filter((c) => c.action === "delete").length} resources deleted, ${changes.filter((c) => c.action === "create").length} created, ` +
                `${changes.filter((c) => c.action === "replace").length} replaced). If that is not the intent, keep clusterName and the cluster's force-new settings.`,
        });
    }
    return { changes, findings, clusterReplaced: clusterGone, after };
}

/** Resources with each one after everything it depends on (registration callbacks may arrive out of order). */
function dependencyOrder(resources: PlannedResource[]): PlannedResource[] {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const seen = new Set<string>();
    const out: PlannedResource[] = [];
    const visit = (r: PlannedResource) => {
        if (seen.has(r.urn)) return;
        seen.add(r.urn);
        for (const d of [...((r as { dependencies?: string[] }).dependencies ?? []), ...Object.values(r.propertyDependencies).flat()]) {
            const dep = byUrn.get(d);
            if (dep) visit(dep);
        }
        out.push(r);
    };
    for (const r of resources) visit(r);
    return out;
}

function replaceOrder(old: PlannedResource, r: PlannedResource): "delete-first" | "create-first" {
    if (r.options.deleteBeforeReplace !== undefined) return r.options.deleteBeforeReplace ? "delete-first" : "create-first";
    const rule = replacementRule(r.type);
    if (rule.order === "k8s-name") {
        const name = (o: PlannedResource) => get(o.inputs, "metadata.name");
        const ns = (o: PlannedResource) => get(o.inputs, "metadata.namespace");
        return name(r) !== undefined && name(r) === name(old) && ns(r) === ns(old) ? "delete-first" : "create-first";
    }
    // "name": the bridge infers delete-first from the state's `__defaults` list, which imported resources and
    // Plugin Framework resources lack; only the program's own option is a guarantee, so the plan counts on it alone.
    return "create-first";
}

function findingsFor(c: ResourceChange, all: ResourceChange[]): Finding[] {
    const out: Finding[] = [];
    const r = c.new ?? c.old!;
    if ((c.action === "replace" || c.action === "delete") && c.old?.options.protect) {
        out.push({ level: "error", resource: c.name, message: `protected: the engine refuses to ${c.action} it (unprotect it first, on purpose)` });
    }
    if (c.action === "replace" && c.old && c.new && !isProjectComponent(c.type)) {
        const rule = replacementRule(c.type);
        if (c.order === "create-first") {
            const fixedName = rule.order === "name" && typeof c.new.inputs.name === "string" && c.new.inputs.name === c.old.inputs.name;
            const sameIdentity = rule.identity && rule.identity.every((p) => JSON.stringify(get(c.new!.inputs, p)) === JSON.stringify(get(c.old!.inputs, p)));
            if (fixedName) {
                out.push({
                    level: "error",
                    resource: c.name,
                    message:
                        `replaced create-first with the fixed name "${String(c.new.inputs.name)}": the new one is created while the old one still holds the name ` +
                        `(${alreadyExists(c.type)}). Set deleteBeforeReplace on it, or let the name change with the replacement.`,
                });
            } else if (sameIdentity) {
                out.push({
                    level: "error",
                    resource: c.name,
                    message: `replaced create-first with the same ${rule.identity!.join(" + ")}: AWS refuses a second one while the old one exists (ResourceInUseException / AlreadyExists).`,
                });
            }
        } else if (!c.type.startsWith("kubernetes:") && !c.replaceBecause.some((p) => p.includes("replaced delete-first)"))) {
            const takenDown = all.filter((d) => d.replaceBecause.some((p) => p.includes(`(from ${c.name},`)));
            out.push({
                level: "warning",
                resource: c.name,
                message:
                    `replaced delete-first: it does not exist between the delete and the create` +
                    (takenDown.length > 0 ? `, and it takes down with it: ${takenDown.map((d) => `${d.name} (${shortType(d.type)})`).join(", ")}` : "") +
                    ".",
            });
        }
    }
    if (c.type === "aws:eks/nodeGroup:NodeGroup" && c.old && c.new && (c.action === "update" || c.action === "replace")) out.push(...scalingFindings(c));
    if (c.type === "aws:eks/nodeGroup:NodeGroup" && c.action === "replace") {
        out.push({
            level: "warning",
            resource: c.name,
            message: `the managed node group is replaced (${c.order}): every node in it is drained and terminated${c.order === "create-first" ? " once the new group is up" : " before the new group exists: the pods that only run there (CoreDNS, the Karpenter controller) stop meanwhile"}.`,
        });
    }
    void r;
    return out;
}

function shortType(type: string): string {
    return type.split(":").pop()!;
}

function alreadyExists(type: string): string {
    if (type.startsWith("aws:iam/")) return "EntityAlreadyExists";
    if (type.startsWith("aws:sqs/")) return "QueueAlreadyExists";
    if (type.startsWith("aws:cloudwatch/logGroup")) return "ResourceAlreadyExistsException";
    if (type.startsWith("aws:kms/")) return "AlreadyExistsException";
    return "AlreadyExists";
}

/**
 * A managed node group whose desiredSize Pulumi ignores keeps the deployed desired size in every update it
 * sends, and EKS refuses a minimum above it or a maximum below it (UpdateNodegroupConfig: "Minimum capacity N
 * can't be greater than desired size M").
 */
function scalingFindings(c: ResourceChange): Finding[] {
    if (c.action === "replace") return [];
    const ignored = c.new!.options.ignoreChanges.some((i) => isUnder("scalingConfig.desiredSize", i));
    const oldScaling = c.old!.inputs.scalingConfig as { desiredSize: number } | undefined;
    const newScaling = c.new!.inputs.scalingConfig as { minSize: number; desiredSize: number; maxSize: number } | undefined;
    if (!oldScaling || !newScaling) return [];
    const sent = ignored ? oldScaling.desiredSize : newScaling.desiredSize;
    const out: Finding[] = [];
    if (newScaling.minSize > sent) {
        out.push({
            level: "error",
            resource: c.name,
            message:
                `minSize ${newScaling.minSize} with desiredSize ${sent}${ignored ? " (desiredSize is in ignoreChanges, so the deployed value is sent)" : ""}: ` +
                `EKS refuses it ("Minimum capacity ${newScaling.minSize} can't be greater than desired size ${sent}").`,
        });
    }
    if (newScaling.maxSize < sent) {
        out.push({ level: "error", resource: c.name, message: `maxSize ${newScaling.maxSize} below the desired size ${sent} that is sent: EKS refuses it.` });
    }
    return out;
}
