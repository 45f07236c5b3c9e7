import type { ProgramRun, RecordedResource } from "../../offline/engine";

/**
 * Edits of a recorded stack, as a careless change to the program would make them: each changes what the
 * program registered (inputs, and the state the offline cloud returned for them), or registers one more resource.
 */

/** A deep copy of a run, so each edit starts from the stack as recorded. */
export function copyRun(run: ProgramRun): ProgramRun {
    return { ...run, resources: structuredClone(run.resources) };
}

/** The one resource of a type whose logical name ends with `suffix`. */
export function pick(run: ProgramRun, type: string, suffix: string): RecordedResource {
    const found = run.resources.filter((r) => r.type === type && r.name.endsWith(suffix));
    if (found.length !== 1) throw new Error(`expected one ${type} named *${suffix}, found ${found.length}`);
    return found[0];
}

/** Sets a (top-level) property as the program would have given it. */
export function set(r: RecordedResource, key: string, value: unknown): void {
    if (value === undefined) {
        delete r.inputs[key];
        delete r.state[key];
    } else {
        r.inputs[key] = value;
        r.state[key] = value;
    }
}

/** Edits the JSON document held in a string property (a policy, a trust policy). */
export function editDocument(r: RecordedResource, key: string, edit: (doc: { Statement: Array<Record<string, any>> }) => void): void {
    const doc = JSON.parse(String(r.inputs[key]));
    edit(doc);
    set(r, key, JSON.stringify(doc));
}

/** The statement with this Sid. */
export function sid(doc: { Statement: Array<Record<string, any>> }, name: string): Record<string, any> {
    const s = doc.Statement.find((x) => x.Sid === name);
    if (!s) throw new Error(`no statement ${name}`);
    return s;
}

/** Registers one more resource under `parent` (a component of the run), as a new line in the program would. */
export function add(run: ProgramRun, parent: RecordedResource, type: string, name: string, inputs: Record<string, unknown>, state: Record<string, unknown> = {}): RecordedResource {
    const [prefix, project, parentTypes] = parent.urn.split("::");
    const r: RecordedResource = {
        urn: `${prefix}::${project}::${parentTypes}$${type}::${name}`,
        type,
        name,
        parent: parent.urn,
        custom: true,
        remote: false,
        provider: type.startsWith("aws:") ? run.resources.find((x) => x.type.startsWith("aws:") && x.provider)?.provider : undefined,
        providers: {},
        dependencies: [],
        inputs,
        secretInputs: [],
        id: `${name}-id`,
        state: { ...inputs, ...state },
        options: { ignoreChanges: [], replaceOnChanges: [], protect: false },
        propertyDependencies: {},
    };
    run.resources.push(r);
    return r;
}
