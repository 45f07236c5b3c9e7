/**
 * A small model of server-side apply field ownership, and of how pulumi-kubernetes updates a resource with it, to
 * decide what a `pulumi up` does to a Deployment someone scaled by hand.
 *
 * The API server (Kubernetes docs "Server-Side Apply", sigs.k8s.io/structured-merge-diff): an Apply that sets a
 * field to a value other than the live one, while another manager owns the field, is a conflict (HTTP 409) unless
 * forced; with force, the applier takes the field. Applying the live value makes the ownership shared. A field the
 * applier owned and no longer sends is removed, unless another manager owns it too. An Update (a PATCH or PUT, as
 * `kubectl scale` and `npm run verify` send to the scale subresource) never conflicts: it takes the fields it changes
 * away from every other manager.
 *
 * What users hit without this: pulumi/pulumi-kubernetes#2491, #2569, #3312 ("Apply failed with 1 conflict: conflict
 * with ... with subresource "scale" using apps/v1: .spec.replicas"); #2542 (ignoreChanges on replicas still conflicting
 * when another field changed) was fixed by #2566 (2023), which added handleSSAIgnoreFields, modelled below. Preview
 * runs the same update as a dry run, so it conflicts or not alike.
 *
 * Simplification: fields are leaf paths and lists are atomic, which is enough for `spec.replicas`.
 */
type Obj = Record<string, unknown>;

export class SsaConflict extends Error {
    constructor(readonly fields: Array<{ path: string; managers: string[] }>) {
        super(`Apply failed with ${fields.length} conflict(s): ${fields.map((f) => `conflict with ${f.managers.map((m) => `"${m}"`).join(", ")}: .${f.path}`).join("; ")}`);
    }
}

function leaves(o: unknown, prefix = "", out = new Map<string, unknown>()): Map<string, unknown> {
    if (o !== null && typeof o === "object" && !Array.isArray(o)) {
        for (const [k, v] of Object.entries(o as Obj)) leaves(v, prefix ? `${prefix}.${k}` : k, out);
    } else if (o !== undefined) out.set(prefix, o);
    return out;
}
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** One object on the API server: its fields and who manages each. */
export class ServerObject {
    readonly fields = new Map<string, unknown>();
    readonly managed = new Map<string, Set<string>>();

    value(path: string): unknown {
        return this.fields.get(path);
    }
    managers(path: string): string[] {
        return [...this.managed].filter(([, paths]) => paths.has(path)).map(([m]) => m).sort();
    }
    private owned(manager: string): Set<string> {
        if (!this.managed.has(manager)) this.managed.set(manager, new Set());
        return this.managed.get(manager)!;
    }

    apply(manager: string, obj: Obj, force: boolean): void {
        const applied = leaves(obj);
        const conflicts = [...applied]
            .filter(([p, v]) => this.fields.has(p) && !same(this.fields.get(p), v))
            .map(([path]) => ({ path, managers: this.managers(path).filter((m) => m !== manager) }))
            .filter((c) => c.managers.length > 0);
        if (conflicts.length > 0 && !force) throw new SsaConflict(conflicts);
        for (const c of conflicts) for (const m of c.managers) this.owned(m).delete(c.path);
        const mine = this.owned(manager);
        for (const p of [...mine].filter((p) => !applied.has(p))) {
            mine.delete(p);
            if (this.managers(p).length === 0) this.fields.delete(p);
        }
        for (const [p, v] of applied) {
            this.fields.set(p, v);
            mine.add(p);
        }
    }

    update(manager: string, path: string, value: unknown): void {
        if (same(this.fields.get(path), value)) return;
        for (const paths of this.managed.values()) paths.delete(path);
        this.fields.set(path, value);
        this.owned(manager).add(path);
    }
}

function getPath(o: Obj, path: string): unknown {
    return path.split(".").reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Obj)[k] : undefined), o);
}
function setPath(o: Obj, path: string, value: unknown): void {
    const keys = path.split(".");
    const parent = keys.slice(0, -1).reduce<Obj>((v, k) => (v[k] ??= {}) as Obj, o);
    if (value === undefined) delete parent[keys[keys.length - 1]];
    else parent[keys[keys.length - 1]] = value;
}

/** The provider's field manager name (pulumi-kubernetes: "pulumi-kubernetes-<random>" per resource). */
export const PULUMI_MANAGER = "pulumi-kubernetes-0a1b2c3d";

/**
 * `pulumi up` of a changed resource, as the engine and pulumi-kubernetes v4 do it with server-side apply:
 * 1. the engine puts the old input value at every ignoreChanges path (pulumi/pulumi step_generator.go
 *    processIgnoreChanges);
 * 2. the provider's Diff drops ignored paths from the diff (provider/pkg/provider/provider.go Diff); no difference
 *    left, no update (here: old and new inputs compared, i.e. no --refresh drift);
 * 3. ssaUpdate (provider/pkg/await/await.go) runs handleSSAIgnoreFields: an ignored field managed by another manager
 *    and not by the provider is dropped from the applied object, any other ignored field is sent with its live value;
 *    then applies with force only when the object is annotated `pulumi.com/patchForce: "true"` (patchForce).
 */
export function pulumiUp(server: ServerObject, oldInputs: Obj, newInputs: Obj, ignoreChanges: string[]): "no change" | "updated" {
    const inputs = structuredClone(newInputs);
    for (const p of ignoreChanges) setPath(inputs, p, getPath(oldInputs, p));
    if (same([...leaves(inputs)].sort(), [...leaves(oldInputs)].sort())) return "no change";
    for (const p of ignoreChanges) {
        const theirs = server.managers(p).some((m) => m !== PULUMI_MANAGER);
        const ours = server.managers(p).includes(PULUMI_MANAGER);
        if (theirs && !ours) setPath(inputs, p, undefined);
        else if (server.fields.has(p)) setPath(inputs, p, server.value(p));
    }
    const force = (getPath(inputs, "metadata.annotations") as Record<string, string> | undefined)?.["pulumi.com/patchForce"] === "true";
    server.apply(PULUMI_MANAGER, inputs, force);
    return "updated";
}
