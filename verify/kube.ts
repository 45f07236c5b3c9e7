import * as k8s from "@kubernetes/client-node";
import type { INodePool } from "@kubernetes-models/karpenter/karpenter.sh/v1/NodePool" with { "resolution-mode": "import" };
import type { INodeClaim } from "@kubernetes-models/karpenter/karpenter.sh/v1/NodeClaim" with { "resolution-mode": "import" };
import type { IEC2NodeClass } from "@kubernetes-models/karpenter/karpenter.k8s.aws/v1/EC2NodeClass" with { "resolution-mode": "import" };
import { Interrupted } from "./clock";

export type NodePool = INodePool;
export type NodeClaim = INodeClaim;
export type EC2NodeClass = IEC2NodeClass;
/** A status condition as Karpenter writes it (awslabs/operatorpkg status.Condition, a metav1.Condition). */
export type Condition = NonNullable<NonNullable<NodePool["status"]>["conditions"]>[number];

/** Node labels Karpenter sets on the nodes it launches (kubernetes-sigs/karpenter v1.14.1, pkg/apis/v1/labels.go). */
export const NODE_LABELS = {
    nodePool: "karpenter.sh/nodepool",
    capacityType: "karpenter.sh/capacity-type",
    instanceType: "node.kubernetes.io/instance-type",
    zone: "topology.kubernetes.io/zone",
} as const;

/** The API groups of Karpenter's objects. */
export const KARPENTER_RESOURCES = {
    nodePools: { group: "karpenter.sh", version: "v1", plural: "nodepools" },
    nodeClaims: { group: "karpenter.sh", version: "v1", plural: "nodeclaims" },
    ec2NodeClasses: { group: "karpenter.k8s.aws", version: "v1", plural: "ec2nodeclasses" },
} as const;

/** The API clients the command uses, every request bounded in time and cancelled by an interruption. */
export class Kube {
    readonly core: k8s.CoreV1Api;
    readonly apps: k8s.AppsV1Api;
    readonly custom: k8s.CustomObjectsApi;
    readonly extensions: k8s.ApiextensionsV1Api;
    /** Where requests go (the kubeconfig's current cluster). */
    readonly server: string;
    private readonly kc: k8s.KubeConfig;

    constructor(
        kubeconfig: string,
        private readonly requestTimeoutMs: number,
        private readonly signal?: AbortSignal,
    ) {
        const kc = (this.kc = new k8s.KubeConfig());
        kc.loadFromString(kubeconfig);
        this.server = kc.getCurrentCluster()?.server ?? "(no cluster in the kubeconfig)";
        this.core = kc.makeApiClient(k8s.CoreV1Api);
        this.apps = kc.makeApiClient(k8s.AppsV1Api);
        this.custom = kc.makeApiClient(k8s.CustomObjectsApi);
        this.extensions = kc.makeApiClient(k8s.ApiextensionsV1Api);
    }

    /**
     * Runs the kubeconfig user's credential plugin once, bounded in time, before any request. The stack's kubeconfig
     * (pulumi-eks) has an exec user, `aws eks get-token`: the client library spawns it with no time limit, and for
     * every request that finds no cached token, so parallel first requests would each start the AWS CLI and a
     * failing plugin would fail every check alike. After this, requests share the cached token (the library runs
     * the plugin again when the token's expirationTimestamp passes). Throws one readable error.
     */
    async authenticate(): Promise<void> {
        const user = this.kc.getCurrentUser();
        const exec = (user?.exec ?? user?.authProvider?.config?.exec) as { command?: string; args?: string[] } | undefined;
        if (!exec) return;
        const plugin = `the kubeconfig's exec plugin "${[exec.command, ...(exec.args ?? [])].join(" ")}"`;
        const limit = AbortSignal.any([AbortSignal.timeout(this.requestTimeoutMs), ...(this.signal ? [this.signal] : [])]);
        try {
            await new Promise<void>((resolve, reject) => {
                const stop = () => reject(limit.reason);
                limit.addEventListener("abort", stop, { once: true });
                this.kc.applyToHTTPSOptions({}).then(resolve, reject).finally(() => limit.removeEventListener("abort", stop));
            });
        } catch (e) {
            if (this.signal?.aborted) throw new Interrupted();
            const err = e as NodeJS.ErrnoException;
            const why =
                err.name === "TimeoutError"
                    ? `gave no credential within ${Math.round(this.requestTimeoutMs / 1000)} s`
                    : err.code === "ENOENT"
                      ? `could not be started: "${exec.command}" is not on PATH (the AWS CLI is needed for an EKS kubeconfig)`
                      : `failed: ${(err.message ?? String(e)).trim()}`;
            throw new Error(`${plugin} ${why}`);
        }
    }

    /** Request options: a time limit, cancellation by the run's signal (unless `ignoreInterrupt`), extra headers. */
    options(o: { headers?: Record<string, string>; ignoreInterrupt?: boolean } = {}): k8s.ConfigurationOptions {
        const signals = [AbortSignal.timeout(this.requestTimeoutMs)];
        if (this.signal && !o.ignoreInterrupt) signals.push(this.signal);
        const signal = AbortSignal.any(signals);
        const middleware: k8s.ObservableMiddleware = {
            pre: (context) => {
                context.setSignal(signal);
                for (const [key, value] of Object.entries(o.headers ?? {})) context.setHeaderParam(key, value);
                return new k8s.Observable(Promise.resolve(context));
            },
            post: (context) => new k8s.Observable(Promise.resolve(context)),
        };
        return { middleware: [middleware], middlewareMergeStrategy: "append" };
    }

    /** Runs one request; an abort by the run's signal becomes Interrupted, other failures a readable error. */
    async call<T>(what: string, request: (options: k8s.ConfigurationOptions) => Promise<T>, o: { ignoreInterrupt?: boolean; headers?: Record<string, string> } = {}): Promise<T> {
        try {
            return await request(this.options(o));
        } catch (e) {
            if (this.signal?.aborted && !o.ignoreInterrupt) throw new Interrupted();
            throw new KubeError(what, e);
        }
    }

    /** Like call, but a 404 gives undefined. */
    async find<T>(what: string, request: (options: k8s.ConfigurationOptions) => Promise<T>): Promise<T | undefined> {
        try {
            return await this.call(what, request);
        } catch (e) {
            if (e instanceof KubeError && e.code === 404) return undefined;
            throw e;
        }
    }

    async listNodePools(): Promise<NodePool[]> {
        return this.listCustom<NodePool>("list NodePools", KARPENTER_RESOURCES.nodePools);
    }

    async listEC2NodeClasses(): Promise<EC2NodeClass[]> {
        return this.listCustom<EC2NodeClass>("list EC2NodeClasses", KARPENTER_RESOURCES.ec2NodeClasses);
    }

    async listNodeClaims(): Promise<NodeClaim[]> {
        return this.listCustom<NodeClaim>("list NodeClaims", KARPENTER_RESOURCES.nodeClaims);
    }

    private async listCustom<T>(what: string, r: { group: string; version: string; plural: string }): Promise<T[]> {
        const list = (await this.call(what, (options) => this.custom.listClusterCustomObject({ ...r }, options))) as { items?: T[] };
        return list.items ?? [];
    }

    /**
     * Karpenter's DisruptionBlocked events (on NodePools, Nodes and NodeClaims): why it does not remove a node,
     * newest first, one per object.
     */
    async disruptionBlocked(): Promise<Array<{ kind: string; name: string; message: string }>> {
        const list = await this.call("list DisruptionBlocked events", (o) => this.core.listEventForAllNamespaces({ fieldSelector: "reason=DisruptionBlocked" }, o));
        const time = (e: k8s.CoreV1Event) => new Date(e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? 0).getTime();
        const seen = new Set<string>();
        return list.items
            .sort((a, b) => time(b) - time(a))
            .map((e) => ({ kind: e.involvedObject.kind ?? "?", name: e.involvedObject.name ?? "?", message: e.message ?? "" }))
            .filter((e) => !seen.has(`${e.kind}/${e.name}`) && seen.add(`${e.kind}/${e.name}`));
    }

    /** Sets a Deployment's replicas through its scale subresource (a JSON merge patch, as `kubectl scale` does). */
    async scaleDeployment(namespace: string, name: string, replicas: number, o: { ignoreInterrupt?: boolean } = {}): Promise<void> {
        await this.call(
            `scale deployment ${namespace}/${name} to ${replicas}`,
            (options) => this.apps.patchNamespacedDeploymentScale({ namespace, name, body: { spec: { replicas } } }, options),
            { ...o, headers: { "Content-Type": k8s.PatchStrategy.MergePatch } },
        );
    }
}

/** A failed API request: what was asked, the HTTP status and the API server's message. */
export class KubeError extends Error {
    readonly code?: number;
    constructor(what: string, cause: unknown) {
        const e = cause as { code?: number; body?: unknown; message?: string; name?: string };
        const body = typeof e.body === "string" ? safeJson(e.body) : e.body;
        const message = (body as { message?: string } | undefined)?.message ?? (e.name === "TimeoutError" ? "no answer in time" : e.message ?? String(cause));
        super(`${what}: ${typeof e.code === "number" ? `HTTP ${e.code}: ` : ""}${message}`);
        this.name = "KubeError";
        this.code = e.code;
    }
}

function safeJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return { message: text.slice(0, 200) };
    }
}

export function condition(conditions: Condition[] | undefined, type: string): Condition | undefined {
    return conditions?.find((c) => c.type === type);
}

/** "Ready=False (UnhealthyDependents: NodeClassReady=False)", for every condition that is not True. */
export function describeConditions(conditions: Condition[] | undefined): string {
    const bad = (conditions ?? []).filter((c) => c.status !== "True");
    return bad.map((c) => `${c.type}=${c.status}${c.reason || c.message ? ` (${[c.reason, c.message].filter(Boolean).join(": ")})` : ""}`).join("; ");
}

export function nodeReady(node: k8s.V1Node): boolean {
    return node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

export function podReady(pod: k8s.V1Pod): boolean {
    return pod.status?.phase === "Running" && (pod.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false);
}

export function selector(labels: Record<string, string>): string {
    return Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(",");
}
