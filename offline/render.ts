import type { ProgramRun, RecordedResource } from "./engine";

/**
 * Turns a recorded run into the artifacts a reviewer reads: Kubernetes objects, Helm releases, IAM documents
 * and EventBridge rules, each named as a file of the plan directory. Pure: no file system, no Pulumi.
 */

export interface KubernetesObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; [key: string]: unknown };
    [field: string]: unknown;
}

export interface Artifact<T> {
    /** Path inside the plan directory, e.g. "manifests/nodepool-spot.yaml". */
    file: string;
    /** The resource it came from. */
    source: RecordedResource;
    content: T;
}

export interface HelmRelease {
    release: string;
    chart: string;
    repository: string;
    version: string;
    namespace: string;
    skipCrds: boolean;
    values: unknown;
}

export interface PlanArtifacts {
    manifests: Array<Artifact<KubernetesObject>>;
    helm: Array<Artifact<HelmRelease>>;
    iam: Array<Artifact<unknown>>;
    events: Array<Artifact<{ rule: string; eventPattern: unknown; targets: Array<{ targetId: unknown; arn: unknown }> }>>;
}

const KUBERNETES_NOT_OBJECTS = new Set(["kubernetes:helm.sh/v3:Release", "pulumi:providers:kubernetes"]);

/** File-name-safe form of a name. */
function slug(name: string): string {
    return name.replace(/[^A-Za-z0-9._-]+/g, "-");
}

function parseJson(value: unknown): unknown {
    return typeof value === "string" ? JSON.parse(value) : value;
}

/** The Kubernetes object a resource declares, as `kubectl apply` would receive it. */
export function kubernetesObject(r: RecordedResource): KubernetesObject {
    const { apiVersion, kind, metadata, ...rest } = r.inputs as Record<string, unknown>;
    return { apiVersion: String(apiVersion), kind: String(kind), metadata: metadata as KubernetesObject["metadata"], ...rest };
}

export function manifestFile(o: KubernetesObject): string {
    const ns = o.metadata.namespace ? `${slug(o.metadata.namespace)}-` : "";
    return `manifests/${o.kind.toLowerCase()}-${ns}${slug(o.metadata.name)}.yaml`;
}

/** The cluster name a run used: index.ts names the Network component after it (also for an existing cluster). */
export function clusterNameOf(run: ProgramRun): string {
    return run.resources.find((r) => r.type === "eks-karpenter:network:Network")?.name ?? `${run.config.project}-${run.config.stack}`;
}

/**
 * A logical name without the cluster-name prefix every child name carries (`eks-karpenter-dev-karpenter-node` →
 * `karpenter-node`): file names that are the same in every stack, so `diff -r plan/dev plan/prod` pairs them.
 */
export function neutralName(run: ProgramRun, name: string): string {
    const cluster = clusterNameOf(run);
    return name.startsWith(`${cluster}-`) ? name.slice(cluster.length + 1) : name === cluster ? "cluster" : name;
}

export function renderArtifacts(run: ProgramRun): PlanArtifacts {
    const of = (type: string) => run.resources.filter((r) => r.type === type);
    const file = (r: RecordedResource) => slug(neutralName(run, r.name));
    const manifests = run.resources
        .filter((r) => r.custom && r.type.startsWith("kubernetes:") && !KUBERNETES_NOT_OBJECTS.has(r.type))
        .map((source) => {
            const content = kubernetesObject(source);
            return { file: manifestFile(content), source, content };
        });

    const helm = of("kubernetes:helm.sh/v3:Release").map((source) => {
        const chartRef = String(source.inputs.chart);
        const repository = chartRef.startsWith("oci://") ? chartRef.slice(0, chartRef.lastIndexOf("/")) : String((source.inputs.repositoryOpts as { repo?: string } | undefined)?.repo ?? "");
        const release = String(source.inputs.name ?? source.name);
        return {
            file: `helm/${slug(release)}.yaml`,
            source,
            content: {
                release,
                chart: chartRef.split("/").pop()!,
                repository,
                version: String(source.inputs.version),
                namespace: String(source.inputs.namespace ?? "default"),
                skipCrds: source.inputs.skipCrds === true,
                values: source.inputs.values ?? {},
            },
        };
    });

    const iam: PlanArtifacts["iam"] = [
        ...of("aws:iam/role:Role").map((source) => ({ file: `iam/${file(source)}.trust.json`, source, content: parseJson(source.inputs.assumeRolePolicy) })),
        ...of("aws:iam/policy:Policy").map((source) => ({ file: `iam/${file(source)}.json`, source, content: parseJson(source.inputs.policy) })),
        ...of("aws:iam/rolePolicy:RolePolicy").map((source) => ({ file: `iam/${file(source)}.inline.json`, source, content: parseJson(source.inputs.policy) })),
        ...of("aws:sqs/queuePolicy:QueuePolicy").map((source) => ({ file: `iam/${file(source)}.queue-policy.json`, source, content: parseJson(source.inputs.policy) })),
    ];

    const targets = of("aws:cloudwatch/eventTarget:EventTarget");
    const events = of("aws:cloudwatch/eventRule:EventRule").map((source) => {
        const rule = String(source.state.name);
        return {
            file: `events/${file(source)}.json`,
            source,
            content: {
                rule,
                eventPattern: parseJson(source.inputs.eventPattern),
                targets: targets.filter((t) => t.inputs.rule === rule).map((t) => ({ targetId: t.inputs.targetId, arn: t.inputs.arn })),
            },
        };
    });

    return { manifests, helm, iam, events };
}

/** A string input that holds a JSON document (IAM policies, event patterns, add-on configuration), parsed. */
export function parsedIfJson(value: unknown): unknown {
    if (typeof value !== "string" || !/^\s*[[{]/.test(value)) return value;
    try {
        return JSON.parse(value) as unknown;
    } catch {
        return value;
    }
}

/** A copy with object keys sorted at every level, so equal content always serialises the same way. */
export function sortedKeys(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(sortedKeys);
    if (value && typeof value === "object") {
        return Object.fromEntries(Object.keys(value as object).sort().map((k) => [k, sortedKeys((value as Record<string, unknown>)[k])]));
    }
    return value;
}

/**
 * resources.json: every registered resource with its graph edges and the options the engine acts on, sorted by
 * URN; inputs that hold JSON documents are parsed; secret inputs shown as "[secret]". Same program and config →
 * byte-identical file.
 */
export function resourcesDocument(run: ProgramRun): unknown[] {
    return [...run.resources]
        .sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0))
        .map((r) => ({
            urn: r.urn,
            type: r.type,
            name: r.name,
            parent: r.parent ?? null,
            custom: r.custom,
            remote: r.remote,
            ...(r.modelled ? { modelled: true } : {}),
            provider: r.provider ?? null,
            ...(Object.keys(r.providers).length > 0 ? { providers: sortedKeys(r.providers) } : {}),
            dependencies: r.dependencies,
            propertyDependencies: sortedKeys(r.propertyDependencies),
            options: r.options,
            inputs: sortedKeys(
                Object.fromEntries(
                    Object.entries(r.inputs).map(([k, v]) => [k, r.secretInputs.includes(k) ? "[secret]" : k === "__provider" ? "[serialized dynamic provider]" : parsedIfJson(v)]),
                ),
            ),
        }));
}

/** A preview-like tree: each resource's type and name under its parent, remote components marked. */
export function renderTree(run: ProgramRun): string[] {
    const children = new Map<string | undefined, RecordedResource[]>();
    for (const r of run.resources) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
    const lines: string[] = [];
    const walk = (parent: string | undefined, depth: number) => {
        for (const r of children.get(parent) ?? []) {
            const note = r.remote ? "  (remote component)" : r.modelled ? "  (modelled from the component's source)" : "";
            lines.push(`${"    ".repeat(depth)}+ ${r.type}  ${r.name}${note}`);
            walk(r.urn, depth + 1);
        }
    };
    walk(undefined, 0);
    return lines;
}

/** Resource counts by type, largest first. */
export function countsByType(run: ProgramRun): Array<[string, number]> {
    const counts = new Map<string, number>();
    for (const r of run.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
