import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { RawStackConfig } from "../components/config";
import type { CloudState } from "./pulumiCloud";
import { CloudScope, UNKNOWN, autoName, defaultProviderProblem, hex, nameLimitProblem, offlineMocks, scopeOf } from "./cloud";
import { remoteChildren } from "./remoteChildren";

/** One resource as the program registered it: what `pulumi preview` would show, with the graph edges. */
export interface RecordedResource {
    urn: string;
    type: string;
    name: string;
    /** URN of the parent; undefined for top-level resources. */
    parent?: string;
    /** True for provider-managed resources, false for components. */
    custom: boolean;
    /** True for multi-language components (awsx VPC, EKS cluster). */
    remote: boolean;
    /**
     * True for a child of a remote component: offline it is modelled from the component's source
     * (offline/remoteChildren.ts), since Pulumi's mocks never see it.
     */
    modelled?: boolean;
    /** "urn::id" of the explicit provider, if any. */
    provider?: string;
    /** Providers handed to a component for its children, by package ("aws" → "urn::id"). */
    providers: Record<string, string>;
    /** URNs of explicit and implicit dependencies. */
    dependencies: string[];
    /** The `customTimeouts.delete` option as sent ("45m"), if set: how long Pulumi waits for the delete. */
    deleteTimeout?: string;
    /** Inputs as the SDK sent them (no provider defaults), secrets unwrapped. */
    inputs: Record<string, unknown>;
    /** Top-level input keys whose values are secret (shown as "[secret]" in rendered plans). */
    secretInputs: string[];
    /** The id the offline cloud gave it ("" for components). */
    id: string;
    /**
     * State the offline cloud returned: for a custom resource its inputs plus computed outputs, for a remote
     * component the outputs its construct returns; for a component of this program, what it passed to
     * registerOutputs. What stack policies see (the engine hands AnalyzeStack each resource's outputs).
     */
    state: Record<string, unknown>;
    /** Resource options the engine acts on when this resource changes (as the program sent them). */
    options: ResourceOptionsRecord;
    /** Per top-level input key, the URNs its value came from (Pulumi's property dependencies). */
    propertyDependencies: Record<string, string[]>;
}

export interface ResourceOptionsRecord {
    /** `deleteBeforeReplace`, only when the program set it (true or false). */
    deleteBeforeReplace?: boolean;
    ignoreChanges: string[];
    replaceOnChanges: string[];
    protect: boolean;
}

export interface ProgramRun {
    config: RawStackConfig;
    scope: CloudScope;
    resources: RecordedResource[];
    /** The program module's exports, resolved (stack outputs). */
    outputs: Record<string, unknown>;
}

export interface RunOptions {
    /** Module to load (defaults to the project's index.ts), or a function that declares resources and returns outputs. */
    program?: string | (() => Record<string, unknown> | Promise<Record<string, unknown>>);
    /** Per-type results that replace the offline cloud's, for tests that need a specific answer. */
    extraMocks?: Parameters<typeof offlineMocks>[1];
    /**
     * Serialize dynamic providers' code as `pulumi up` does (TypeScript parser, V8 inspector: about 0.4 s).
     * The plan turns it off: it renders no provider code. Tests keep it on. @default true
     */
    serializeDynamicProviders?: boolean;
    /** Pulumi Cloud as an earlier run left it (offline/pulumiCloud.ts): this run is a second `pulumi up`. @default a new, empty cloud */
    cloudState?: CloudState;
    /**
     * Run as the first `pulumi preview` of a new stack: the SDK in preview mode, and every output AWS assigns on
     * create unknown (offline/cloud.ts, UNKNOWN). Recorded inputs hold UNKNOWN where a value is not known yet;
     * `apply` callbacks on unknown values do not run. @default false (an update: every value known)
     */
    firstPreview?: boolean;
}

type Callback = (err: Error | null, resp?: { getUrn(): string }) => void;
interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getRemote(): boolean;
    getProvider(): string;
    getProvidersMap(): { forEach(cb: (value: string, key: string) => void): void };
    getDependenciesList(): string[];
    getDeletebeforereplace(): boolean;
    getDeletebeforereplacedefined(): boolean;
    getIgnorechangesList(): string[];
    getReplaceonchangesList(): string[];
    getProtect(): boolean | undefined;
    getPropertydependenciesMap(): { forEach(cb: (value: { getUrnsList(): string[] }, key: string) => void): void };
    getObject(): Parameters<typeof pulumi.runtime.deserializeProperties>[0];
    getCustomtimeouts(): { getDelete(): string } | undefined;
}

/**
 * Resolves an Output (or plain value) offline; secrets are unwrapped. An output whose source failed (a refused
 * resource or invoke) rejects instead of never resolving (the SDK's internal `promise()`, which `apply` rests on).
 */
export function valueOf<T>(value: pulumi.Input<T>): Promise<T> {
    return (pulumi.output(value) as unknown as { promise(withUnknowns?: boolean): Promise<T> }).promise();
}

/**
 * Runs the real program under the offline cloud with the given config, records every registered resource with
 * its parent, provider and dependencies, and resolves the stack outputs. Failures that Pulumi would otherwise
 * swallow (a rejected `apply`, an unimplemented mock) fail the run with their real cause.
 */
export async function runProgram(config: RawStackConfig, options: RunOptions = {}): Promise<ProgramRun> {
    const scope = scopeOf(config.values["aws:region"] ?? "us-west-2");
    const disabledDefaultProviders = JSON.parse(config.values["pulumi:disable-default-providers"] ?? "[]") as string[];
    const mocks = offlineMocks(scope, options.extraMocks, disabledDefaultProviders, options.cloudState, options.firstPreview === true);
    const states = new Map<string, { id: string; state: Record<string, unknown> }>();
    const newResource = mocks.newResource.bind(mocks);
    // pulumi/pulumi provider_plugin.go Create: at a preview, a provider whose configuration is not fully known (the
    // Kubernetes provider of a cluster not created yet) hands back an empty property map: every output unknown.
    const configUnknown = (provider: string | undefined) => {
        const urn = provider?.slice(0, provider.lastIndexOf("::"));
        const p = urn ? resources.find((r) => r.urn === urn) : undefined;
        return p !== undefined && JSON.stringify(p.inputs).includes(UNKNOWN);
    };
    mocks.newResource = async (args) => {
        let result = await newResource(args);
        if (options.firstPreview && args.custom !== false && configUnknown(args.provider)) result = { id: "", state: {} };
        states.set(`${args.type}::${args.name}`, { id: result.id ?? "", state: plainData(result.state) as Record<string, unknown> });
        return result;
    };
    await pulumi.runtime.setMocks(mocks, config.project, config.stack, options.firstPreview === true);
    pulumi.runtime.setAllConfig(config.values);

    const resources: RecordedResource[] = [];
    const failures: unknown[] = [];
    const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: RegisterRequest, cb: Callback): void };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) =>
        register(req, (err, resp) => {
            if (!err && resp) {
                const dependencies = new Set(req.getDependenciesList());
                const providers: Record<string, string> = {};
                req.getProvidersMap().forEach((ref, pkg) => (providers[pkg] = ref));
                const propertyDependencies: Record<string, string[]> = {};
                req.getPropertydependenciesMap().forEach((deps, key) => {
                    deps.getUrnsList().forEach((u) => dependencies.add(u));
                    if (deps.getUrnsList().length > 0) propertyDependencies[key] = [...deps.getUrnsList()].sort();
                });
                resources.push({
                    urn: resp.getUrn(),
                    type: req.getType(),
                    name: req.getName(),
                    parent: req.getParent() || undefined,
                    custom: req.getCustom(),
                    remote: req.getRemote(),
                    provider: req.getProvider() || undefined,
                    providers,
                    dependencies: [...dependencies].filter((d) => d !== req.getParent()).sort(),
                    ...(req.getCustomtimeouts()?.getDelete() ? { deleteTimeout: req.getCustomtimeouts()!.getDelete() } : {}),
                    ...unwrapSecrets(pulumi.runtime.deserializeProperties(req.getObject())),
                    id: "",
                    state: {},
                    options: {
                        ...(req.getDeletebeforereplacedefined() ? { deleteBeforeReplace: req.getDeletebeforereplace() } : {}),
                        ignoreChanges: req.getIgnorechangesList(),
                        replaceOnChanges: req.getReplaceonchangesList(),
                        protect: req.getProtect() === true,
                    },
                    propertyDependencies,
                });
                if (req.getRemote()) {
                    try {
                        resources.push(...modelChildren(resources[resources.length - 1], disabledDefaultProviders));
                    } catch (e) {
                        failures.push(e);
                    }
                }
            }
            callback(err, resp);
        });

    // A component's outputs are what it registers (pulumi/pulumi: a new component's state has no outputs until then).
    const registeredOutputs = new Map<string, Record<string, unknown>>();
    const monitorOutputs = pulumi.runtime.getMonitor() as unknown as { registerResourceOutputs(req: { getUrn(): string; getOutputs(): unknown }, cb: (err: Error | null, resp?: unknown) => void): void };
    const registerOutputs = monitorOutputs.registerResourceOutputs.bind(monitorOutputs);
    monitorOutputs.registerResourceOutputs = (req, callback) =>
        registerOutputs(req, (err, resp) => {
            if (!err) {
                const outputs = pulumi.runtime.deserializeProperties(req.getOutputs() as Parameters<typeof pulumi.runtime.deserializeProperties>[0]);
                registeredOutputs.set(req.getUrn(), unwrapSecrets(plainData(outputs) as Record<string, unknown>).inputs);
            }
            callback(err, resp);
        });

    const closure = require("@pulumi/pulumi/runtime/closure/serializeClosure") as { serializeFunction: (...args: unknown[]) => Promise<unknown> };
    // The SDK's own function, kept once: a run that overlapped another must not restore the other's stand-in.
    const serializeFunction = (realSerializeFunction ??= closure.serializeFunction);
    // The SDK caches each dynamic provider's serialized text per provider object (PULUMI_NODEJS_CACHE_DYNAMIC_PROVIDERS,
    // on by default): a stand-in text must not be cached, or every later run in this process would record it.
    const runtimeOptions = (require("@pulumi/pulumi/runtime/state") as { getStore(): { settings: { options: { cacheDynamicProviders?: boolean } } } }).getStore().settings.options;
    const cacheDynamicProviders = runtimeOptions.cacheDynamicProviders;
    if (options.serializeDynamicProviders === false) {
        closure.serializeFunction = async () => ({ text: "/* dynamic provider code: not serialized by the offline plan */", containsSecrets: false });
        runtimeOptions.cacheDynamicProviders = false;
    }

    const onRejection = (reason: unknown) => failures.push(reason);
    process.on("unhandledRejection", onRejection);
    try {
        const loaded = typeof options.program === "function" ? options.program() : loadModule(options.program ?? path.join(__dirname, "..", "index"));
        // A program may export an (async) function, as Pulumi allows: its result is the stack outputs.
        const exported = (typeof loaded === "function" ? await (loaded as () => unknown)() : await loaded) as Record<string, unknown>;
        const outputs: Record<string, unknown> = {};
        let outputFailure: unknown;
        for (const [key, value] of Object.entries(exported)) {
            if (typeof value !== "function") outputs[key] = await valueOf(value as pulumi.Input<unknown>).catch((e: unknown) => (outputFailure ??= e));
        }
        await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs().catch((e: unknown) => (outputFailure ??= e));
        // Let rejections raised in the last callbacks reach the handler.
        await new Promise((resolve) => setImmediate(resolve));
        // A failed output is a symptom; the hidden failures (refused registrations, invokes) are the causes.
        if (outputFailure !== undefined && failures.length === 0) throw outputFailure;
        if (failures.length > 0) {
            // One failure often surfaces many times (every output that depends on it): each cause once.
            const causes = [...new Set(failures.map((f) => (f instanceof Error ? f.stack ?? f.message : String(f))))];
            throw new Error(`The program failed offline (${failures.length} hidden failure${failures.length > 1 ? "s" : ""}):\n${causes.join("\n")}`);
        }
        for (const r of resources) if (!r.modelled) Object.assign(r, states.get(`${r.type}::${r.name}`) ?? {});
        for (const r of resources) if (!r.custom && !r.remote && registeredOutputs.has(r.urn)) r.state = registeredOutputs.get(r.urn)!;
        return { config, scope, resources, outputs };
    } catch (e) {
        // Tests and the plan need to know how far the program got (a config error must register nothing).
        if (e instanceof Object) Object.defineProperty(e, "registeredResources", { value: resources, enumerable: false });
        throw e;
    } finally {
        process.off("unhandledRejection", onRejection);
        closure.serializeFunction = serializeFunction;
        runtimeOptions.cacheDynamicProviders = cacheDynamicProviders;
    }
}

/**
 * The modelled children of a remote component, with URNs, parents and physical names as a real preview would
 * have them. A physical name AWS would refuse fails, as the preview would.
 */
function modelChildren(component: RecordedResource, disabledDefaultProviders: readonly string[]): RecordedResource[] {
    const children = remoteChildren(component.type, component.name, component.inputs);
    const urns = new Map<string, string>();
    // urn:pulumi:<stack>::<project>::<parent types joined by $>::<name>
    const prefix = component.urn.split("::").slice(0, 2).join("::");
    const problems: string[] = [];
    const records = children.map((child) => {
        const parentUrn = child.parent ? urns.get(`${child.parent.type}::${child.parent.name}`) : component.urn;
        if (!parentUrn) throw new Error(`offline/remoteChildren.ts: ${child.type} ${child.name} names a parent that comes later or does not exist`);
        const parentQualified = parentUrn.split("::")[2];
        const urn = `${prefix}::${parentQualified}$${child.type}::${child.name}`;
        urns.set(`${child.type}::${child.name}`, urn);
        const state: Record<string, unknown> = { ...child.inputs };
        if (child.physicalName) state[child.physicalName.key] = child.physicalName.value ?? autoName(child.name);
        const problem = nameLimitProblem(child.type, child.name, state);
        if (problem) problems.push(`${problem} (created by ${component.type} ${component.name}; ${child.physicalName?.value ? "its name" : "Pulumi's auto-name: logical name + 8 characters"})`);
        const provider = child.custom ? component.providers[child.type.split(":")[0]] : undefined;
        const noProvider = defaultProviderProblem(disabledDefaultProviders, child.type, child.custom, provider);
        if (noProvider) problems.push(`${noProvider} (created by ${component.type} ${component.name}, which passes on only the providers it is given)`);
        const record: RecordedResource = {
            urn,
            type: child.type,
            name: child.name,
            parent: parentUrn,
            custom: child.custom,
            remote: false,
            modelled: true,
            // Children use the providers handed to the component (the stack's AWS provider and its defaultTags).
            ...(provider ? { provider } : {}),
            providers: {},
            dependencies: [],
            inputs: child.inputs,
            secretInputs: [],
            id: child.custom ? `${child.name}-${hex(`${child.type}/${child.name}`, 8)}` : "",
            state,
            // protect reaches a remote component's children; the component's own other options do not.
            options: { ignoreChanges: [], replaceOnChanges: [], protect: component.options.protect },
            propertyDependencies: {},
        };
        return record;
    });
    if (problems.length > 0) throw new Error(problems.join("\n"));
    return records;
}

/**
 * Recorded state as plain data: a resource passed as an input (pulumi-eks's `serviceRole`) reaches the mock as a
 * Resource object; it is recorded by name, so a run can be copied (structuredClone) and written as JSON.
 */
function plainData(value: unknown): unknown {
    if (pulumi.isUnknown(value)) return UNKNOWN;
    if (pulumi.Resource.isInstance(value)) return `[resource ${(value as unknown as { __name?: string }).__name ?? "?"}]`;
    if (Array.isArray(value)) return value.map(plainData);
    if (value instanceof Object && Object.getPrototypeOf(value) === Object.prototype) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainData(v)]));
    return value;
}

let realSerializeFunction: ((...args: unknown[]) => Promise<unknown>) | undefined;

/** The resources a failed run had registered before it failed. */
export function registeredBeforeFailure(error: unknown): RecordedResource[] | undefined {
    return (error as { registeredResources?: RecordedResource[] } | undefined)?.registeredResources;
}

/** Pulumi's marker for a secret value on the wire. */
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

function unwrapSecrets(inputs: Record<string, unknown>): { inputs: Record<string, unknown>; secretInputs: string[] } {
    const secretInputs: string[] = [];
    const unwrap = (v: unknown, top?: string): unknown => {
        // At a preview, a value not known yet (the SDK's Unknown) is recorded as its wire sentinel.
        if (pulumi.isUnknown(v)) return UNKNOWN;
        if (Array.isArray(v)) return v.map((x) => unwrap(x, top));
        if (v instanceof Object) {
            const o = v as Record<string, unknown>;
            if (o[SIG_KEY] === SECRET_SIG) {
                if (top) secretInputs.push(top);
                return unwrap(o.value, top);
            }
            return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrap(x, top)]));
        }
        return v;
    };
    const out = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, unwrap(v, k)]));
    return { inputs: out, secretInputs: [...new Set(secretInputs)].sort() };
}

/** Loads a program module afresh, so one process can run several stacks. */
function loadModule(program: string): unknown {
    const programPath = require.resolve(program);
    delete require.cache[programPath];
    return require(programPath) as unknown;
}

/** The one resource of a type and logical name, or an error listing what exists. */
export function findResource(run: ProgramRun, type: string, name: string): RecordedResource {
    const found = run.resources.filter((r) => r.type === type && r.name === name);
    if (found.length !== 1) {
        const names = run.resources.filter((r) => r.type === type).map((r) => r.name);
        throw new Error(`expected one ${type} named "${name}", found ${found.length}; resources of that type: ${names.join(", ") || "none"}`);
    }
    return found[0];
}

export function resourcesOfType(run: ProgramRun, type: string): RecordedResource[] {
    return run.resources.filter((r) => r.type === type);
}
