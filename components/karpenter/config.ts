import { QUANTITY } from "../nodePools/crd";
import { RawReader, isRecord, readBool, readEnum, readInt, readString, unknownKeys } from "../validate";

/** Karpenter controller settings from stack config (`karpenter`, an object; every field optional). */
export interface KarpenterConfig {
    /** Version of both charts, `karpenter-crd` and `karpenter`. @default "1.14.1" */
    version: string;
    /** Namespace of the controller and its Pod Identity association. @default "kube-system" */
    namespace: string;
    /** Controller replicas; one per system node, spread over zones. @default 2 */
    replicas: number;
    /** Requests and limits of the controller container (equal, as upstream recommends). @default { cpu: "1", memory: "1Gi" } */
    resources: { cpu: string; memory: string };
    /** The SpotToSpotConsolidation feature gate (alpha). @default false */
    spotToSpotConsolidation: boolean;
    /** @default "info" */
    logLevel: "debug" | "info" | "error";
    /** How long `pulumi destroy` waits for Karpenter's instances and network interfaces to go. @default 900 */
    cleanupTimeoutSeconds: number;
    /** How the controller gets AWS credentials: EKS Pod Identity, or IRSA (the cluster's OIDC provider). @default "podIdentity" */
    auth: "podIdentity" | "irsa";
    /** Render the chart's ServiceMonitor (needs the Prometheus Operator's CRDs in the cluster). @default false */
    serviceMonitor: boolean;
    /** Create upstream's API priority and fairness FlowSchemas for the controller. @default false */
    flowSchemas: boolean;
}

export const KARPENTER_DEFAULTS: KarpenterConfig = {
    version: "1.14.1",
    namespace: "kube-system",
    replicas: 2,
    resources: { cpu: "1", memory: "1Gi" },
    spotToSpotConsolidation: false,
    logLevel: "info",
    cleanupTimeoutSeconds: 900,
    auth: "podIdentity",
    serviceMonitor: false,
    flowSchemas: false,
};

/**
 * Oldest Karpenter release that supports each Kubernetes minor version (upstream compatibility matrix,
 * website/content/en/v1.14/upgrading/compatibility.md).
 */
export const MIN_KARPENTER_FOR_KUBERNETES: Record<string, string> = {
    "1.30": "0.37.0",
    "1.31": "1.0.5",
    "1.32": "1.2.0",
    "1.33": "1.5.0",
    "1.34": "1.6.0",
    "1.35": "1.9.0",
    "1.36": "1.13.0",
};

function compareVersions(a: string, b: string): number {
    const [x, y] = [a, b].map((v) => v.split(".").map(Number));
    for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i];
    return 0;
}

export function parseKarpenter(r: RawReader, kubernetesVersion: string | undefined): KarpenterConfig | undefined {
    const p = r.p;
    const d = KARPENTER_DEFAULTS;
    const read = r.object("karpenter", Object.keys(d));
    if (!read) return undefined;
    const { path, value } = read;
    const version = readString(p, `${path}.version`, value.version ?? d.version, { pattern: /^1\.[0-9]+\.[0-9]+$/, describe: 'a Karpenter 1.x release such as "1.14.1" (no "v")' });
    const namespace = readString(p, `${path}.namespace`, value.namespace ?? d.namespace, { pattern: /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, describe: "a namespace name" });
    const replicas = readInt(p, `${path}.replicas`, value.replicas ?? d.replicas, 1, 5);
    let resources: KarpenterConfig["resources"] | undefined;
    const res = value.resources ?? d.resources;
    if (!isRecord(res)) p.add(`${path}.resources`, res, 'an object such as { "cpu": "1", "memory": "1Gi" }');
    else {
        unknownKeys(p, `${path}.resources.`, res, ["cpu", "memory"]);
        // Any Kubernetes quantity the API accepts ("1", "500m", "1G", "1Gi"), except negative ones.
        const quantity = { pattern: { test: (v: string) => QUANTITY.pattern.test(v) && !v.startsWith("-") } as RegExp, describe: `${QUANTITY.describe}, not negative` };
        const cpu = readString(p, `${path}.resources.cpu`, res.cpu ?? d.resources.cpu, quantity);
        const memory = readString(p, `${path}.resources.memory`, res.memory ?? d.resources.memory, quantity);
        if (cpu && memory) resources = { cpu, memory };
    }
    const spotToSpotConsolidation = readBool(p, `${path}.spotToSpotConsolidation`, value.spotToSpotConsolidation ?? d.spotToSpotConsolidation);
    const logLevel = readEnum(p, `${path}.logLevel`, value.logLevel ?? d.logLevel, ["debug", "info", "error"] as const);
    const auth = readEnum(p, `${path}.auth`, value.auth ?? d.auth, ["podIdentity", "irsa"] as const);
    const serviceMonitor = readBool(p, `${path}.serviceMonitor`, value.serviceMonitor ?? d.serviceMonitor);
    const flowSchemas = readBool(p, `${path}.flowSchemas`, value.flowSchemas ?? d.flowSchemas);
    const cleanupTimeoutSeconds = readInt(p, `${path}.cleanupTimeoutSeconds`, value.cleanupTimeoutSeconds ?? d.cleanupTimeoutSeconds, 60, 3600);
    if (version && kubernetesVersion) {
        const minimum = MIN_KARPENTER_FOR_KUBERNETES[kubernetesVersion];
        const known = Object.keys(MIN_KARPENTER_FOR_KUBERNETES);
        if (!minimum) {
            p.say(`${path}.version`, `Karpenter support for Kubernetes ${kubernetesVersion} is not known; this project knows ${known[0]} to ${known[known.length - 1]} (upstream compatibility matrix).`);
        } else if (compareVersions(version, minimum) < 0) {
            p.say(`${path}.version`, `Karpenter ${version} does not support Kubernetes ${kubernetesVersion}; use ${minimum} or newer (upstream compatibility matrix).`);
        }
    }
    if (!version || !namespace || replicas === undefined || !resources || spotToSpotConsolidation === undefined || !logLevel || cleanupTimeoutSeconds === undefined) return undefined;
    if (!auth || serviceMonitor === undefined || flowSchemas === undefined) return undefined;
    return { version, namespace, replicas, resources, spotToSpotConsolidation, logLevel, cleanupTimeoutSeconds, auth, serviceMonitor, flowSchemas };
}
