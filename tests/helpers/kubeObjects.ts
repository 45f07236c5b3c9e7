import { gzipSync } from "node:zlib";

/**
 * Kubernetes objects as the API server and Karpenter v1.14.1 write them, for the fake API server: status
 * conditions in awslabs/operatorpkg's shape, Helm 3's release secrets, label selectors.
 */

export type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Condition {
    type: string;
    status: "True" | "False" | "Unknown";
    reason: string;
    message: string;
}

export const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** Conditions in operatorpkg's shape: dependents sorted, the root "Ready" last, computed from them. */
export function readyConditions(dependents: Condition[], at: number, generation = 1): Obj[] {
    const unhealthy = dependents.filter((c) => c.status !== "True");
    const root: Condition =
        unhealthy.length === 0
            ? { type: "Ready", status: "True", reason: "Ready", message: "" }
            : {
                  type: "Ready",
                  status: unhealthy.some((c) => c.status === "False") ? "False" : "Unknown",
                  reason: unhealthy.some((c) => c.status === "False") ? "UnhealthyDependents" : "ReconcilingDependents",
                  message: unhealthy.map((c) => `${c.type}=${c.status}`).join(", "),
              };
    return [...dependents, root].map((c) => ({ ...c, observedGeneration: generation, lastTransitionTime: iso(at) }));
}

export const trueCondition = (type: string): Condition => ({ type, status: "True", reason: type, message: "" });

/** NodePool readiness dependents (kubernetes-sigs/karpenter v1.14.1 pkg/apis/v1/nodepool_status.go). */
export const NODE_POOL_CONDITIONS = ["ValidationSucceeded", "NodeClassReady"];
/** EC2NodeClass readiness dependents (karpenter-provider-aws pkg/apis/v1/ec2nodeclass_status.go). */
export const NODE_CLASS_CONDITIONS = ["AMIsReady", "SubnetsReady", "SecurityGroupsReady", "InstanceProfileReady", "ValidationSucceeded", "PlacementGroupReady"];

/** Helm 3's storage of a release: a Secret whose `release` is base64 of gzipped JSON (helm pkg/storage/driver). */
export function helmReleaseSecret(name: string, namespace: string, chartVersion: string, revision = 1): Obj {
    const release = { name, namespace, version: revision, info: { status: "deployed" }, chart: { metadata: { name, version: chartVersion, appVersion: chartVersion } } };
    const encoded = gzipSync(Buffer.from(JSON.stringify(release))).toString("base64");
    return {
        apiVersion: "v1",
        kind: "Secret",
        type: "helm.sh/release.v1",
        metadata: { name: `sh.helm.release.v1.${name}.v${revision}`, namespace, labels: { name, owner: "helm", status: "deployed", version: String(revision) } },
        data: { release: Buffer.from(encoded).toString("base64") },
    };
}

/** Label selectors as the API server parses the equality forms: a=b, a==b, a!=b, a, !a. Anything else: 400. */
export function selectorMatcher(text: string | null): ((labels: Record<string, string> | undefined) => boolean) | "bad" {
    if (!text) return () => true;
    const terms = text.split(",").map((t) => {
        let m: RegExpExecArray | null;
        if ((m = /^([\w./-]+)!=([\w.-]*)$/.exec(t))) return (l: Record<string, string>) => l[m![1]] !== m![2];
        if ((m = /^([\w./-]+)==?([\w.-]*)$/.exec(t))) return (l: Record<string, string>) => l[m![1]] === m![2];
        if ((m = /^!([\w./-]+)$/.exec(t))) return (l: Record<string, string>) => !(m![1] in l);
        if ((m = /^([\w./-]+)$/.exec(t))) return (l: Record<string, string>) => m![1] in l;
        return undefined;
    });
    if (terms.some((t) => t === undefined)) return "bad";
    return (labels) => terms.every((t) => t!(labels ?? {}));
}
