import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import type { StackConfig } from "../../components/config";
import { SYSTEM_NODE_LABEL } from "../../components/cluster";
import { inflateDeployment } from "../../components/demoWorkload";
import { ec2NodeClassSpec, nodePoolSpec } from "../../components/nodePools/specs";
import { Clock, throwIfAborted } from "../../verify/clock";
import { Condition, NODE_CLASS_CONDITIONS, NODE_POOL_CONDITIONS, Obj, helmReleaseSecret, iso, readyConditions, selectorMatcher, trueCondition } from "./kubeObjects";

export { Condition, NODE_CLASS_CONDITIONS, NODE_POOL_CONDITIONS, trueCondition };

/**
 * A fake Kubernetes API server on 127.0.0.1 for `npm run verify`: it serves only the endpoints the command uses,
 * answers anything else with 404 (and records it), refuses requests without the kubeconfig's bearer token (401)
 * and a scale patch that is not a JSON merge patch (415), as the API server does. Karpenter's objects have the
 * shape Karpenter v1.14.1 writes (status conditions from awslabs/operatorpkg, node labels from
 * kubernetes-sigs/karpenter pkg/apis/v1/labels.go). A scripted Karpenter adds nodes when demo pods are pending and
 * removes them when they are no longer needed, on a virtual clock.
 */

export const TOKEN = "verify-test-token";

/** Virtual time: sleeping advances it at once, so minutes of waiting take milliseconds. */
export class VirtualClock implements Clock {
    constructor(public t: number) {}
    now(): number {
        return this.t;
    }
    async sleep(ms: number, signal?: AbortSignal): Promise<void> {
        throwIfAborted(signal);
        this.t += ms;
        await new Promise((resolve) => setImmediate(resolve));
        throwIfAborted(signal);
    }
}

/** How the scripted Karpenter behaves. */
export interface KarpenterBehaviour {
    /** Demo pods (1 CPU) that fit on one launched node. */
    podsPerNode: number;
    /** From pending pods to the Node object; "never": no node comes. */
    launchAfterMs: number | "never";
    /** With launchAfterMs "never": the NodeClaim Karpenter creates and its Launched condition. */
    failedLaunch?: { reason: string; message: string };
    /** From the Node object to its Ready condition. */
    readyAfterMs: number;
    /** From the node Ready to the pod Ready. */
    podReadyAfterMs: number;
    /** From a node no longer needed to its removal; "never": Karpenter keeps it (blocked). */
    removeAfterMs: number | "never";
    /** Launched nodes take these, in turn. */
    instanceTypes: string[];
    zones: string[];
    capacityType: string;
}

export interface SystemNode {
    name: string;
    zone: string;
    labels?: Record<string, string>;
}

export interface FakeScenario {
    config: StackConfig;
    systemNodes: SystemNode[];
    /** Controller pods: the node each runs on, and its log. */
    controllerPods: Array<{ node: string; ready?: boolean; log?: string }>;
    /** Helm releases (name → chart version) stored as Helm 3 stores them. */
    releases: Record<string, string>;
    /** Status conditions per NodePool / EC2NodeClass name; default all True. */
    nodePoolConditions?: Record<string, Condition[]>;
    nodeClassConditions?: Record<string, Condition[]>;
    /** Extra nodes (e.g. an earlier Karpenter node the controller wrongly runs on). */
    extraNodes?: Array<{ name: string; labels: Record<string, string> }>;
    /** Demo replicas before the test. */
    demoReplicas: number;
    karpenter: KarpenterBehaviour;
    /** IRSA: the annotation on the controller's service account. */
    serviceAccountRoleArn?: string;
    /** Karpenter's DisruptionBlocked events (object kind, name, message), served from /api/v1/events. */
    disruptionBlocked?: Array<{ kind: string; name: string; message: string }>;
    /** NodePools whose spec changed since Karpenter last reconciled them (metadata.generation ahead of the conditions'). */
    unreconciledNodePools?: string[];
    /** After the demo is first scaled up, listing nodes fails with this (HTTP 500), as an overloaded control plane does. */
    nodeListErrorAfterScale?: string;
    /** Called after every request has updated the simulation (tests interrupt the run from here). */
    onRequest?: (fake: FakeCluster) => void;
}

interface SimNode {
    name: string;
    claim: string;
    pool: string;
    instanceType: string;
    zone: string;
    createdAt: number;
    readyAt: number;
    removeAt?: number;
}

export class FakeCluster {
    readonly requests: Array<{ method: string; path: string }> = [];
    /** Requests to endpoints the fake does not serve: the command asked for something unplanned. */
    readonly unexpected: string[] = [];
    /** Replica counts the scale subresource was patched to, in order. */
    readonly scalePatches: number[] = [];
    readonly nodes: SimNode[] = [];
    readonly claims: Array<{ name: string; pool: string; createdAt: number; failed?: { reason: string; message: string } }> = [];
    demoReplicas: number;
    private lastReplicaChange: number;
    private server!: http.Server | https.Server;
    private tls?: { key: string; cert: string };
    url = "";
    private readonly startedAt: number;

    constructor(
        readonly s: FakeScenario,
        readonly clock: VirtualClock,
    ) {
        this.demoReplicas = s.demoReplicas;
        this.lastReplicaChange = clock.now();
        this.startedAt = clock.now() - 3_600_000;
        // The demo's pods before the test already run on nodes launched an hour ago.
        for (let i = 0; i < Math.ceil(s.demoReplicas / s.karpenter.podsPerNode); i++) this.launch(this.startedAt, this.startedAt);
    }

    private launch(now: number, createdAt: number): void {
        const k = this.s.karpenter;
        const n = this.nodes.length;
        const claim = `${this.demoPool()}-${(n + 10_000).toString(36)}`;
        this.nodes.push({
            name: `ip-10-0-${100 + n}-${10 + n}.${this.s.config.region}.compute.internal`,
            claim,
            pool: this.demoPool(),
            instanceType: k.instanceTypes[n % k.instanceTypes.length],
            zone: k.zones[n % k.zones.length],
            createdAt,
            readyAt: createdAt === this.startedAt ? createdAt : createdAt + k.readyAfterMs,
        });
        this.claims.push({ name: claim, pool: this.demoPool(), createdAt: now });
    }

    /** Serves HTTPS with this certificate (its own CA, for 127.0.0.1) when given, as EKS endpoints are; else plain HTTP. */
    async start(tls?: { key: string; cert: string }): Promise<this> {
        this.tls = tls;
        const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
            let body = "";
            req.on("data", (chunk: Buffer) => (body += chunk.toString()));
            req.on("end", () => {
                const answer = this.handle(req, body);
                res.writeHead(answer.status, { "Content-Type": answer.type ?? "application/json" });
                res.end(typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body));
                this.s.onRequest?.(this);
            });
        };
        this.server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, listener) : http.createServer(listener);
        await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
        this.url = `${tls ? "https" : "http"}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
        return this;
    }

    async close(): Promise<void> {
        this.server.closeAllConnections();
        await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }

    /** The bearer token the server requires (an exec plugin's token when a test gives one). */
    token = TOKEN;

    /**
     * A kubeconfig for this server (JSON, as the stack's `kubeconfig` output is), with a bearer token or the given
     * user (e.g. an exec plugin, as pulumi-eks generates it).
     */
    kubeconfig(user: Record<string, unknown> = { token: this.token }): string {
        return JSON.stringify({
            apiVersion: "v1",
            kind: "Config",
            // With TLS, the CA in the kubeconfig as pulumi-eks writes it; the client library refuses plain HTTP unless
            // TLS verification is off.
            clusters: [{ name: "fake", cluster: this.tls ? { server: this.url, "certificate-authority-data": Buffer.from(this.tls.cert).toString("base64") } : { server: this.url, "insecure-skip-tls-verify": true } }],
            contexts: [{ name: "fake", context: { cluster: "fake", user: "fake" } }],
            "current-context": "fake",
            users: [{ name: "fake", user }],
        });
    }

    // ---- the scripted Karpenter -------------------------------------------------------------------------------

    private alive(now: number): SimNode[] {
        return this.nodes.filter((n) => n.removeAt === undefined || now < n.removeAt);
    }

    private demoPool(): string {
        const template = (inflateDeployment(this.s.config.demoWorkload) as Obj).spec.template;
        const wanted = template.spec?.nodeSelector?.["karpenter.sh/capacity-type"];
        return this.s.config.nodePools.find((p) => !wanted || (p.capacityTypes as string[]).includes(wanted))!.name;
    }

    /** Brings the simulation to `now`: launches for pending pods, removals of nodes no longer needed. */
    private sync(now: number): void {
        const k = this.s.karpenter;
        const alive = this.alive(now);
        const needed = Math.ceil(this.demoReplicas / k.podsPerNode);
        if (needed > alive.length) {
            if (k.launchAfterMs === "never") {
                if (k.failedLaunch && this.claims.length === 0) this.claims.push({ name: `${this.demoPool()}-x7k2p`, pool: this.demoPool(), createdAt: now, failed: k.failedLaunch });
            } else {
                for (let i = alive.length; i < needed; i++) this.launch(now, now + k.launchAfterMs);
            }
        } else if (needed < alive.length && k.removeAfterMs !== "never") {
            // The newest nodes go first (they hold the last pods); a node is removed once, at its first chance.
            for (const n of alive.slice(needed)) n.removeAt ??= this.lastReplicaChange + k.removeAfterMs;
        }
    }

    private visibleNodes(now: number): SimNode[] {
        return this.alive(now).filter((n) => now >= n.createdAt);
    }

    // ---- objects --------------------------------------------------------------------------------------------

    private nodeObject(name: string, labels: Record<string, string>, ready: boolean, created: number): Obj {
        return {
            apiVersion: "v1",
            kind: "Node",
            metadata: { name, labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", ...labels }, creationTimestamp: iso(created) },
            spec: {},
            status: { conditions: [{ type: "Ready", status: ready ? "True" : "False", reason: ready ? "KubeletReady" : "KubeletNotReady", message: ready ? "kubelet is posting ready status" : "container runtime network not ready" }] },
        };
    }

    private allNodes(now: number): Obj[] {
        const system = this.s.systemNodes.map((n) =>
            this.nodeObject(n.name, { [SYSTEM_NODE_LABEL.key]: SYSTEM_NODE_LABEL.value, "topology.kubernetes.io/zone": n.zone, "node.kubernetes.io/instance-type": "t3.medium", "eks.amazonaws.com/nodegroup": "system", ...n.labels }, true, this.startedAt),
        );
        const extra = (this.s.extraNodes ?? []).map((n) => this.nodeObject(n.name, n.labels, true, this.startedAt));
        const launched = this.visibleNodes(now).map((n) =>
            this.nodeObject(
                n.name,
                {
                    "karpenter.sh/nodepool": n.pool,
                    "karpenter.sh/capacity-type": this.s.karpenter.capacityType,
                    "node.kubernetes.io/instance-type": n.instanceType,
                    "topology.kubernetes.io/zone": n.zone,
                    "karpenter.sh/registered": "true",
                    ...(now >= n.readyAt ? { "karpenter.sh/initialized": "true" } : {}),
                },
                now >= n.readyAt,
                n.createdAt,
            ),
        );
        return [...system, ...extra, ...launched];
    }

    private demoPods(now: number): Obj[] {
        const k = this.s.karpenter;
        const ready = this.visibleNodes(now).filter((n) => now >= n.readyAt);
        return Array.from({ length: this.demoReplicas }, (_, i) => {
            const node = ready[Math.floor(i / k.podsPerNode)];
            const podReady = node !== undefined && now >= node.readyAt + k.podReadyAfterMs;
            return {
                apiVersion: "v1",
                kind: "Pod",
                metadata: { name: `inflate-7d9c8b5f4-${i.toString(36).padStart(5, "q")}`, namespace: "inflate", labels: { app: "inflate" } },
                spec: { ...(node ? { nodeName: node.name } : {}), containers: [{ name: "inflate", image: "public.ecr.aws/eks-distro/kubernetes/pause:3.7", resources: { requests: { cpu: "1" } } }] },
                status: node
                    ? { phase: podReady ? "Running" : "Pending", conditions: [{ type: "PodScheduled", status: "True" }, { type: "Ready", status: podReady ? "True" : "False" }] }
                    : {
                          phase: "Pending",
                          conditions: [
                              {
                                  type: "PodScheduled",
                                  status: "False",
                                  reason: "Unschedulable",
                                  message: `0/${this.s.systemNodes.length} nodes are available: ${this.s.systemNodes.length} node(s) had untolerated taint {CriticalAddonsOnly: true}. preemption: 0/${this.s.systemNodes.length} nodes are available: ${this.s.systemNodes.length} Preemption is not helpful for scheduling.`,
                              },
                          ],
                      },
            };
        });
    }

    private controllerPods(): Obj[] {
        const version = this.s.config.karpenter.version;
        return this.s.controllerPods.map((p, i) => ({
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: `karpenter-6f8d7c9b4d-${["x2kfn", "p9wq7", "m4hzt"][i]}`, namespace: this.s.config.karpenter.namespace, labels: { "app.kubernetes.io/name": "karpenter", "app.kubernetes.io/instance": "karpenter" } },
            spec: { nodeName: p.node, serviceAccountName: "karpenter", containers: [{ name: "controller", image: `public.ecr.aws/karpenter/controller:${version}@sha256:${"0".repeat(64)}` }] },
            status: {
                phase: "Running",
                conditions: [p.ready === false ? { type: "Ready", status: "False", reason: "ContainersNotReady", message: "containers with unready status: [controller]" } : { type: "Ready", status: "True" }],
            },
        }));
    }

    private nodePools(now: number): Obj[] {
        return this.s.config.nodePools.map((pool) => {
            const spec = nodePoolSpec(pool) as Obj;
            const nodes = this.visibleNodes(now).filter((n) => n.pool === pool.name);
            const conditions = this.s.nodePoolConditions?.[pool.name] ?? NODE_POOL_CONDITIONS.map(trueCondition);
            return {
                ...spec,
                metadata: { ...spec.metadata, generation: this.s.unreconciledNodePools?.includes(pool.name) ? 2 : 1, creationTimestamp: iso(this.startedAt) },
                status: { conditions: readyConditions(conditions, this.startedAt), nodes: nodes.length, resources: { cpu: String(nodes.length * 2), memory: `${nodes.length * 8}Gi`, nodes: String(nodes.length), pods: String(nodes.length * 4) } },
            };
        });
    }

    private nodeClasses(): Obj[] {
        return this.s.config.nodePools.map((pool) => {
            const spec = ec2NodeClassSpec(pool, { clusterName: this.s.config.clusterName, nodeRoleName: `${this.s.config.clusterName}-karpenter-node`, tags: this.s.config.tags }) as Obj;
            const conditions = this.s.nodeClassConditions?.[pool.name] ?? NODE_CLASS_CONDITIONS.map(trueCondition);
            return { ...spec, metadata: { ...spec.metadata, generation: 1 }, status: { conditions: readyConditions(conditions, this.startedAt) } };
        });
    }

    private nodeClaims(now: number): Obj[] {
        return this.claims.map((c) => {
            const node = this.nodes.find((n) => n.claim === c.name);
            const launched: Condition = c.failed ? { type: "Launched", status: "False", ...c.failed } : trueCondition("Launched");
            const registered: Condition = node && now >= node.createdAt ? trueCondition("Registered") : { type: "Registered", status: "Unknown", reason: "AwaitingReconciliation", message: "object is awaiting reconciliation" };
            const initialized: Condition = node && now >= node.readyAt ? trueCondition("Initialized") : { type: "Initialized", status: "Unknown", reason: "AwaitingReconciliation", message: "object is awaiting reconciliation" };
            return {
                apiVersion: "karpenter.sh/v1",
                kind: "NodeClaim",
                metadata: { name: c.name, labels: { "karpenter.sh/nodepool": c.pool }, creationTimestamp: iso(c.createdAt) },
                spec: { nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: c.pool }, requirements: [] },
                status: { ...(node ? { nodeName: node.name } : {}), conditions: readyConditions([launched, registered, initialized], c.createdAt) },
            };
        });
    }

    private demoDeployment(now: number): Obj {
        const d = inflateDeployment(this.s.config.demoWorkload) as Obj;
        const ready = this.demoPods(now).filter((p) => p.status.conditions.some((c: Obj) => c.type === "Ready" && c.status === "True")).length;
        return { ...d, spec: { ...d.spec, replicas: this.demoReplicas }, status: { replicas: this.demoReplicas, readyReplicas: ready } };
    }

    private crd(name: string): Obj {
        const [plural, ...group] = name.split(".");
        return {
            apiVersion: "apiextensions.k8s.io/v1",
            kind: "CustomResourceDefinition",
            metadata: { name, annotations: { "controller-gen.kubebuilder.io/version": "v0.20.1", "meta.helm.sh/release-name": "karpenter-crd", "meta.helm.sh/release-namespace": this.s.config.karpenter.namespace }, labels: { "app.kubernetes.io/managed-by": "Helm" } },
            spec: { group: group.join("."), names: { plural, kind: plural, listKind: `${plural}List` }, scope: "Cluster", versions: [{ name: "v1", served: true, storage: true }] },
            status: { conditions: [{ type: "NamesAccepted", status: "True" }, { type: "Established", status: "True" }] },
        };
    }

    // ---- HTTP -----------------------------------------------------------------------------------------------

    private handle(req: http.IncomingMessage, body: string): { status: number; body: unknown; type?: string } {
        const url = new URL(req.url ?? "/", this.url);
        const method = req.method ?? "GET";
        this.requests.push({ method, path: `${url.pathname}${url.search}` });
        const status = (code: number, reason: string, message: string) => ({ status: code, body: { kind: "Status", apiVersion: "v1", status: "Failure", reason, message, code } });
        if (req.headers.authorization !== `Bearer ${this.token}`) return status(401, "Unauthorized", "Unauthorized");
        const now = this.clock.now();
        this.sync(now);
        const match = selectorMatcher(url.searchParams.get("labelSelector"));
        if (match === "bad") return status(400, "BadRequest", `unable to parse requirement: ${url.searchParams.get("labelSelector")}`);
        const list = (kind: string, items: Obj[]) => ({ status: 200, body: { kind: `${kind}List`, apiVersion: "v1", metadata: { resourceVersion: "1" }, items: items.filter((i) => match(i.metadata?.labels)) } });
        const ns = this.s.config.karpenter.namespace;
        const p = url.pathname;
        const found = (o: Obj | undefined, what: string) => (o ? { status: 200, body: o } : status(404, "NotFound", `${what} not found`));
        const routes: Array<[string, RegExp, (m: RegExpExecArray) => { status: number; body: unknown; type?: string }]> = [
            [
                "GET",
                /^\/api\/v1\/nodes$/,
                () => (this.s.nodeListErrorAfterScale && this.scalePatches.length > 0 ? status(500, "InternalError", this.s.nodeListErrorAfterScale) : list("Node", this.allNodes(now))),
            ],
            ["GET", new RegExp(`^/api/v1/namespaces/${ns}/pods$`), () => list("Pod", this.controllerPods())],
            ["GET", /^\/api\/v1\/namespaces\/inflate\/pods$/, () => list("Pod", this.demoPods(now))],
            [
                "GET",
                new RegExp(`^/api/v1/namespaces/${ns}/pods/([^/]+)/log$`),
                (m) => {
                    const i = this.controllerPods().findIndex((pod) => pod.metadata.name === m[1]);
                    if (i < 0) return status(404, "NotFound", `pods "${m[1]}" not found`);
                    if (url.searchParams.get("container") !== "controller") return status(400, "BadRequest", "container name must be controller");
                    return { status: 200, body: this.s.controllerPods[i].log ?? "", type: "text/plain" };
                },
            ],
            [
                "GET",
                /^\/api\/v1\/events$/,
                () => {
                    // Events support field selectors on reason and involvedObject.*; this fake knows reason only.
                    const field = url.searchParams.get("fieldSelector");
                    if (field !== null && !/^reason=[A-Za-z]+$/.test(field)) return status(400, "BadRequest", `field label not supported: ${field}`);
                    const events = (this.s.disruptionBlocked ?? []).map((e, i) => ({
                        apiVersion: "v1",
                        kind: "Event",
                        metadata: { name: `${e.name}.${(0x187a000 + i).toString(16)}`, namespace: "default", creationTimestamp: iso(now) },
                        involvedObject: { kind: e.kind, name: e.name, apiVersion: e.kind === "Node" ? "v1" : "karpenter.sh/v1" },
                        reason: "DisruptionBlocked",
                        message: e.message,
                        type: "Normal",
                        source: { component: "karpenter" },
                        lastTimestamp: iso(now - i * 1000),
                    }));
                    return list("Event", events.filter((e) => field === null || field === `reason=${e.reason}`));
                },
            ],
            ["GET", new RegExp(`^/api/v1/namespaces/${ns}/secrets$`), () => list("Secret", Object.entries(this.s.releases).map(([name, v]) => helmReleaseSecret(name, ns, v)))],
            [
                "GET",
                new RegExp(`^/api/v1/namespaces/${ns}/serviceaccounts/karpenter$`),
                () => ({ status: 200, body: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "karpenter", namespace: ns, ...(this.s.serviceAccountRoleArn ? { annotations: { "eks.amazonaws.com/role-arn": this.s.serviceAccountRoleArn } } : {}) } } }),
            ],
            [
                "GET",
                new RegExp(`^/apis/apps/v1/namespaces/${ns}/deployments/karpenter$`),
                () => {
                    const ready = this.controllerPods().filter((pod) => pod.status.conditions[0].status === "True").length;
                    return { status: 200, body: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "karpenter", namespace: ns, labels: { "helm.sh/chart": `karpenter-${this.s.config.karpenter.version}` } }, spec: { replicas: this.s.controllerPods.length, selector: { matchLabels: { "app.kubernetes.io/name": "karpenter" } }, template: {} }, status: { replicas: this.s.controllerPods.length, readyReplicas: ready } } };
                },
            ],
            ["GET", /^\/apis\/apps\/v1\/namespaces\/inflate\/deployments\/inflate$/, () => ({ status: 200, body: this.demoDeployment(now) })],
            [
                "PATCH",
                /^\/apis\/apps\/v1\/namespaces\/inflate\/deployments\/inflate\/scale$/,
                () => {
                    if (req.headers["content-type"] !== "application/merge-patch+json") return { status: 415, body: { kind: "Status", code: 415, message: `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml` } };
                    const replicas = (JSON.parse(body) as { spec?: { replicas?: number } }).spec?.replicas;
                    if (typeof replicas !== "number" || replicas < 0) return status(422, "Invalid", "spec.replicas: Invalid value");
                    this.scalePatches.push(replicas);
                    if (replicas !== this.demoReplicas) this.lastReplicaChange = now;
                    this.demoReplicas = replicas;
                    this.sync(now);
                    return { status: 200, body: { apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name: "inflate", namespace: "inflate" }, spec: { replicas }, status: { replicas: this.demoReplicas, selector: "app=inflate" } } };
                },
            ],
            ["GET", /^\/apis\/apiextensions\.k8s\.io\/v1\/customresourcedefinitions\/(nodepools\.karpenter\.sh|nodeclaims\.karpenter\.sh|ec2nodeclasses\.karpenter\.k8s\.aws)$/, (m) => found(this.crd(m[1]), m[1])],
            ["GET", /^\/apis\/karpenter\.sh\/v1\/nodepools$/, () => list("NodePool", this.nodePools(now))],
            ["GET", /^\/apis\/karpenter\.sh\/v1\/nodeclaims$/, () => list("NodeClaim", this.nodeClaims(now))],
            ["GET", /^\/apis\/karpenter\.k8s\.aws\/v1\/ec2nodeclasses$/, () => list("EC2NodeClass", this.nodeClasses())],
        ];
        for (const [m, re, answer] of routes) {
            const r = re.exec(p);
            if (r && m === method) return answer(r);
        }
        this.unexpected.push(`${method} ${p}${url.search}`);
        return status(404, "NotFound", `the server could not find the requested resource (${method} ${p})`);
    }
}
