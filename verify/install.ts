import type * as k8s from "@kubernetes/client-node";
import { gunzipSync } from "node:zlib";
import { Interrupted } from "./clock";
import { Kube, NODE_LABELS, condition, describeConditions, podReady, selector } from "./kube";
import type { Expectations } from "./outputs";
import type { CheckResult } from "./report";

/** The CRDs the karpenter-crd chart installs that this stack uses. */
export const KARPENTER_CRDS = ["nodepools.karpenter.sh", "nodeclaims.karpenter.sh", "ec2nodeclasses.karpenter.k8s.aws"] as const;

/** Log lines that say the controller's AWS credentials do not work (AWS SDK for Go v2 and STS error texts). */
export const AUTH_ERROR = /AccessDenied|UnauthorizedOperation|is not authorized to perform|InvalidClientTokenId|ExpiredToken|failed to (refresh cached|retrieve) credentials|WebIdentityErr|NoCredentialProviders|InvalidIdentityToken/;

/** How far back the controller's log is searched. */
export const LOG_WINDOW_SECONDS = 600;

type Check = Omit<CheckResult, "group">;

/** Runs one check; a failed request fails that check with the API's message instead of stopping the run. */
export async function guarded(group: string, name: string, run: () => Promise<Check | Check[]>): Promise<CheckResult[]> {
    try {
        const r = await run();
        return (Array.isArray(r) ? r : [r]).map((c) => ({ group, ...c }));
    } catch (e) {
        if (e instanceof Interrupted) throw e;
        const err = e as Error;
        // The AWS SDK rejects an aborted request with an AbortError: the run was interrupted.
        if (err.name === "AbortError") throw new Interrupted();
        const prefix = err.name && !["Error", "KubeError"].includes(err.name) ? `${err.name}: ` : "";
        return [{ group, name, status: "fail", detail: `${prefix}${err.message}` }];
    }
}

/**
 * A Helm release as Helm 3 stores it: a Secret labelled owner=helm whose `release` is base64 of the gzipped
 * release JSON (helm pkg/storage/driver: encodeRelease, newSecretsObject).
 */
export interface HelmRelease {
    name: string;
    revision: number;
    status: string;
    chartName: string;
    chartVersion: string;
}

export async function deployedRelease(kube: Kube, namespace: string, name: string): Promise<HelmRelease | undefined> {
    const secrets = await kube.call(`list Helm release secrets of ${name}`, (o) =>
        kube.core.listNamespacedSecret({ namespace, labelSelector: selector({ owner: "helm", name, status: "deployed" }) }, o),
    );
    const latest = secrets.items.sort((a, b) => Number(b.metadata?.labels?.version ?? 0) - Number(a.metadata?.labels?.version ?? 0))[0];
    const data = latest?.data?.release;
    if (!data) return undefined;
    const release = JSON.parse(gunzipSync(Buffer.from(Buffer.from(data, "base64").toString("utf8"), "base64")).toString("utf8")) as {
        name: string;
        version: number;
        info?: { status?: string };
        chart?: { metadata?: { name?: string; version?: string } };
    };
    return { name: release.name, revision: release.version, status: release.info?.status ?? "unknown", chartName: release.chart?.metadata?.name ?? "?", chartVersion: release.chart?.metadata?.version ?? "?" };
}

function matches(labels: Record<string, string> | undefined, wanted: Record<string, string>): boolean {
    return Object.entries(wanted).every(([k, v]) => labels?.[k] === v);
}

/** Checks of what the stack installed in the cluster, each pass or fail with the reason. */
export async function kubernetesChecks(kube: Kube, x: Expectations): Promise<CheckResult[]> {
    const k = x.karpenter;
    const results: CheckResult[] = [];
    const podSelector = selector({ "app.kubernetes.io/name": "karpenter", "app.kubernetes.io/instance": k.release });
    const [pods, nodes] = await Promise.all([
        kube.call(`list controller pods (${podSelector})`, (o) => kube.core.listNamespacedPod({ namespace: k.namespace, labelSelector: podSelector }, o)).catch(rethrowInterrupt),
        kube.call("list nodes", (o) => kube.core.listNode({}, o)).catch(rethrowInterrupt),
    ]);
    const nodeByName = new Map((nodes instanceof Error ? [] : nodes.items).map((n) => [n.metadata?.name ?? "", n]));
    const podList = pods instanceof Error ? [] : pods.items.filter((p) => !p.metadata?.deletionTimestamp);

    results.push(
        ...(await guarded("install", "controller replicas", async () => {
            const d = await kube.find(`read deployment ${k.namespace}/${k.release}`, (o) => kube.apps.readNamespacedDeployment({ namespace: k.namespace, name: k.release }, o));
            if (!d) return { name: "controller replicas", status: "fail", detail: `Deployment ${k.namespace}/${k.release} not found: is Karpenter installed in namespace ${k.namespace}?` };
            const want = k.replicas;
            const spec = d.spec?.replicas ?? 1;
            const ready = d.status?.readyReplicas ?? 0;
            if (spec !== want) return { name: "controller replicas", status: "fail", detail: `Deployment has ${spec} replicas, the stack config says ${want} (karpenter.replicas): run "pulumi up"` };
            return { name: "controller replicas", status: ready === want ? "pass" : "fail", detail: `${ready} of ${want} replicas ready` };
        })),
    );
    results.push(
        ...(await guarded("install", "controller pods", async () => {
            if (pods instanceof Error) throw pods;
            const ready = podList.filter(podReady);
            const notReady = podList.filter((p) => !podReady(p)).map((p) => `${p.metadata?.name} is ${p.status?.phase ?? "?"}${podProblem(p)}`);
            const ok = ready.length >= k.replicas && notReady.length === 0;
            return { name: "controller pods", status: ok ? "pass" : "fail", detail: ok ? `${ready.length} Running and Ready` : `${ready.length} of ${k.replicas} Running and Ready${notReady.length ? `; ${notReady.join("; ")}` : ""}` };
        })),
    );
    results.push(
        ...(await guarded("install", "controller placement", async () => {
            if (pods instanceof Error) throw pods;
            if (nodes instanceof Error) throw nodes;
            const wanted = Object.entries(k.nodeSelector).map(([a, b]) => `${a}=${b}`).join(", ");
            const wrong: string[] = [];
            for (const p of podList) {
                const nodeName = p.spec?.nodeName;
                if (!nodeName) continue;
                const node = nodeByName.get(nodeName);
                const pool = node?.metadata?.labels?.[NODE_LABELS.nodePool];
                if (pool) wrong.push(`${p.metadata?.name} runs on ${nodeName}, a node of NodePool ${pool}: Karpenter could consolidate its own node away`);
                else if (!matches(node?.metadata?.labels, k.nodeSelector)) wrong.push(`${p.metadata?.name} runs on ${nodeName}, which lacks ${wanted}`);
            }
            if (wrong.length > 0) return { name: "controller placement", status: "fail", detail: wrong.join("; ") };
            const placed = podList.filter((p) => p.spec?.nodeName).length;
            return { name: "controller placement", status: placed > 0 ? "pass" : "fail", detail: placed > 0 ? `${placed} pod(s) on system nodes (${wanted}), none on a Karpenter node` : "no controller pod is scheduled" };
        })),
    );
    results.push(
        ...(await guarded("install", "controller zones", async () => {
            if (pods instanceof Error) throw pods;
            if (nodes instanceof Error) throw nodes;
            if (k.replicas < 2) return { name: "controller zones", status: "skip", detail: "one replica (karpenter.replicas: 1): nothing to spread" };
            const zoneOf = (nodeName?: string) => (nodeName ? nodeByName.get(nodeName)?.metadata?.labels?.[NODE_LABELS.zone] : undefined);
            const podZones = new Set(podList.map((p) => zoneOf(p.spec?.nodeName)).filter((z): z is string => !!z));
            const eligible = new Set(
                [...nodeByName.values()]
                    .filter((n) => matches(n.metadata?.labels, k.nodeSelector) && !n.metadata?.labels?.[NODE_LABELS.nodePool])
                    .map((n) => n.metadata?.labels?.[NODE_LABELS.zone])
                    .filter((z): z is string => !!z),
            );
            const want = Math.min(k.replicas, Math.max(eligible.size, 2));
            const ok = podZones.size >= want;
            return {
                name: "controller zones",
                status: ok ? "pass" : "fail",
                detail: `${k.replicas} replicas in ${podZones.size} zone(s) (${[...podZones].sort().join(", ") || "none"}); system nodes in ${eligible.size} zone(s)${ok ? "" : `: a zone outage would stop autoscaling; spread the system node group over at least ${want} zones`}`,
            };
        })),
    );
    results.push(...(await guarded("install", "CRDs", () => crdCheck(kube, x))));
    results.push(
        ...(await guarded("install", "controller version", async () => {
            const release = await deployedRelease(kube, k.namespace, k.release);
            if (!release) return { name: "controller version", status: "fail", detail: `no deployed Helm release "${k.release}" in ${k.namespace}` };
            const images = podList.map((p) => p.spec?.containers.find((c) => c.name === "controller")?.image ?? "?");
            const wrongImages = images.filter((i) => !i.split("@")[0].endsWith(`:${k.version}`));
            const ok = release.chartVersion === k.version && wrongImages.length === 0;
            return {
                name: "controller version",
                status: ok ? "pass" : "fail",
                detail: `release ${release.name} revision ${release.revision}: chart ${release.chartName} ${release.chartVersion}${release.chartVersion === k.version ? "" : ` (the stack says ${k.version})`}${wrongImages.length ? `; images ${wrongImages.join(", ")} are not ${k.version}` : ""}`,
            };
        })),
    );
    results.push(...(await guarded("install", "nodepools", () => readinessChecks(kube, x))));
    if (k.auth === "irsa") {
        results.push(
            ...(await guarded("install", "controller credentials", async () => {
                const sa = await kube.find(`read service account ${k.namespace}/${k.serviceAccount}`, (o) => kube.core.readNamespacedServiceAccount({ namespace: k.namespace, name: k.serviceAccount }, o));
                const annotation = sa?.metadata?.annotations?.["eks.amazonaws.com/role-arn"];
                const ok = annotation === k.roleArn;
                return {
                    name: "controller credentials",
                    status: ok ? "pass" : "fail",
                    detail: !sa ? `service account ${k.namespace}/${k.serviceAccount} not found` : ok ? `IRSA: service account annotated with ${annotation}` : `IRSA: eks.amazonaws.com/role-arn is ${annotation ?? "missing"}, expected ${k.roleArn}`,
                };
            })),
        );
    }
    results.push(
        ...(await guarded("install", "controller log", async () => {
            if (pods instanceof Error) throw pods;
            const found: string[] = [];
            for (const p of podList.filter((pod) => pod.status?.phase === "Running")) {
                const name = p.metadata?.name ?? "";
                const log = await kube.call(`read log of ${name}`, (o) =>
                    kube.core.readNamespacedPodLog({ namespace: k.namespace, name, container: "controller", sinceSeconds: LOG_WINDOW_SECONDS, limitBytes: 4 * 1024 * 1024 }, o),
                );
                const lines = String(log).split("\n").filter((l) => AUTH_ERROR.test(l));
                if (lines.length > 0) found.push(`${name}: ${lines.length} auth error line(s), e.g. ${lines[lines.length - 1].trim().slice(0, 240)}`);
            }
            return {
                name: "controller log",
                status: found.length === 0 ? "pass" : "fail",
                detail: found.length === 0 ? `no AWS auth errors in the last ${LOG_WINDOW_SECONDS / 60} minutes of ${podList.length} pod(s)` : found.join("; "),
            };
        })),
    );
    return results;
}

function rethrowInterrupt(e: unknown): Error {
    if (e instanceof Interrupted) throw e;
    return e as Error;
}

function podProblem(p: k8s.V1Pod): string {
    const waiting = p.status?.containerStatuses?.find((c) => c.state?.waiting)?.state?.waiting;
    if (waiting) return ` (${waiting.reason}${waiting.message ? `: ${waiting.message}` : ""})`;
    const unscheduled = p.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
    if (unscheduled) return ` (${unscheduled.reason}: ${unscheduled.message})`;
    const notReady = p.status?.conditions?.find((c) => c.type === "Ready" && c.status !== "True");
    if (notReady) return `, not Ready${notReady.reason ? ` (${notReady.reason}${notReady.message ? `: ${notReady.message}` : ""})` : ""}`;
    return "";
}

async function crdCheck(kube: Kube, x: Expectations): Promise<Check> {
    const problems: string[] = [];
    for (const name of KARPENTER_CRDS) {
        const crd = await kube.find(`read CRD ${name}`, (o) => kube.extensions.readCustomResourceDefinition({ name }, o));
        if (!crd) {
            problems.push(`${name} is missing`);
            continue;
        }
        const established = crd.status?.conditions?.find((c) => c.type === "Established")?.status === "True";
        const v1 = crd.spec.versions.find((v) => v.name === "v1");
        const owner = crd.metadata?.annotations?.["meta.helm.sh/release-name"];
        if (!established) problems.push(`${name} is not Established`);
        if (!v1?.served || !v1.storage) problems.push(`${name} does not serve and store v1`);
        if (owner !== x.karpenter.crdRelease) problems.push(`${name} belongs to Helm release ${owner ?? "(none)"}, not ${x.karpenter.crdRelease}`);
    }
    const release = await deployedRelease(kube, x.karpenter.namespace, x.karpenter.crdRelease);
    if (!release) problems.push(`no deployed Helm release "${x.karpenter.crdRelease}" in ${x.karpenter.namespace}`);
    else if (release.chartVersion !== x.karpenter.version) problems.push(`release ${release.name} has chart ${release.chartName} ${release.chartVersion}, the stack says ${x.karpenter.version}`);
    return {
        name: "CRDs",
        status: problems.length === 0 ? "pass" : "fail",
        detail: problems.length === 0 ? `${KARPENTER_CRDS.length} CRDs Established, v1 served, from ${release!.chartName} ${release!.chartVersion} (revision ${release!.revision})` : problems.join("; "),
    };
}

/** Every NodePool of the stack and its EC2NodeClass are Ready, with the conditions' messages when not. */
async function readinessChecks(kube: Kube, x: Expectations): Promise<Check[]> {
    const [pools, classes] = await Promise.all([kube.listNodePools(), kube.listEC2NodeClasses()]);
    const checks: Check[] = [];
    for (const name of x.nodePools) {
        const pool = pools.find((p) => p.metadata?.name === name);
        checks.push(readiness(`nodepool ${name}`, pool, `NodePool ${name} not found`));
        const className = pool?.spec.template.spec.nodeClassRef.name ?? name;
        checks.push(readiness(`ec2nodeclass ${className}`, classes.find((c) => c.metadata?.name === className), `EC2NodeClass ${className} not found`));
    }
    return checks;
}

function readiness(name: string, object: { metadata?: { generation?: number }; status?: { conditions?: Parameters<typeof condition>[0] } } | undefined, missing: string): Check {
    if (!object) return { name, status: "fail", detail: missing };
    const conditions = object.status?.conditions;
    const ready = condition(conditions, "Ready");
    if (!ready) return { name, status: "fail", detail: "no Ready condition yet: is the controller running?" };
    if (ready.status === "True" && ready.observedGeneration !== undefined && object.metadata?.generation !== undefined && ready.observedGeneration < object.metadata.generation) {
        return { name, status: "fail", detail: `Ready is stale (observed generation ${ready.observedGeneration}, current ${object.metadata.generation}): the controller has not reconciled the last change` };
    }
    return ready.status === "True" ? { name, status: "pass", detail: "Ready" } : { name, status: "fail", detail: describeConditions(conditions) };
}
