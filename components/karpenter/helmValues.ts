/**
 * The values of the `karpenter` Helm chart at 1.14.1 (charts/karpenter/values.yaml), as a type. The chart has
 * no values schema, so Helm silently ignores a misspelled key; building values through this interface turns
 * that into a type error. Every key of the chart's values.yaml is here (a test compares the key paths with
 * upstream's); objects the chart passes through to Kubernetes unchanged are loosely typed. Every key is optional.
 */

type Labels = Record<string, string>;

interface NodeSelectorRequirement {
    key: string;
    operator: "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt";
    values?: string[];
}

interface Toleration {
    key?: string;
    operator?: "Exists" | "Equal";
    value?: string;
    effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

interface TopologySpreadConstraint {
    maxSkew: number;
    topologyKey: string;
    whenUnsatisfiable: "DoNotSchedule" | "ScheduleAnyway";
}

export interface ResourceList {
    cpu?: string;
    memory?: string;
}

/** Kubernetes objects the chart passes through unchanged (volumes, containers, rules). */
type Passthrough = Record<string, unknown>;

export interface KarpenterChartValues {
    nameOverride?: string;
    fullnameOverride?: string;
    additionalLabels?: Labels;
    additionalAnnotations?: Labels;
    imagePullPolicy?: "Always" | "IfNotPresent" | "Never";
    imagePullSecrets?: Array<{ name: string }>;
    service?: { annotations?: Labels };
    serviceAccount?: { create?: boolean; name?: string; annotations?: Labels };
    additionalClusterRoleRules?: Passthrough[];
    serviceMonitor?: {
        enabled?: boolean;
        additionalLabels?: Labels;
        relabelings?: Passthrough[];
        metricRelabelings?: Passthrough[];
        endpointConfig?: Record<string, unknown>;
        sampleLimit?: number | null;
    };
    replicas?: number;
    revisionHistoryLimit?: number;
    strategy?: { rollingUpdate?: { maxUnavailable?: number | string } };
    podLabels?: Labels;
    podAnnotations?: Labels;
    podDisruptionBudget?: { name?: string; maxUnavailable?: number | string };
    podSecurityContext?: { fsGroup?: number; seccompProfile?: { type: string } };
    priorityClassName?: string;
    terminationGracePeriodSeconds?: number | null;
    hostNetwork?: boolean;
    schedulerName?: string;
    dnsPolicy?: "ClusterFirst" | "Default";
    dnsConfig?: Passthrough;
    initContainers?: Passthrough[];
    extraVolumes?: Passthrough[];
    nodeSelector?: Labels;
    affinity?: {
        nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: Array<{ matchExpressions: NodeSelectorRequirement[] }> } };
        podAntiAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: Array<{ topologyKey: string }> };
    };
    topologySpreadConstraints?: TopologySpreadConstraint[];
    tolerations?: Toleration[];
    controller?: {
        containerName?: string;
        image?: { repository?: string; tag?: string; digest?: string };
        env?: Array<{ name: string; value: string }>;
        envFrom?: Passthrough[];
        securityContext?: { appArmorProfile?: Passthrough; seLinuxOptions?: Passthrough; seccompProfile?: Passthrough };
        resources?: { requests?: ResourceList; limits?: ResourceList };
        extraVolumeMounts?: Passthrough[];
        sidecarContainer?: Passthrough[];
        sidecarVolumeMounts?: Passthrough[];
        metrics?: { port?: number };
        healthProbe?: { port?: number };
    };
    logLevel?: "debug" | "info" | "error";
    logOutputPaths?: string[];
    logErrorOutputPaths?: string[];
    settings?: {
        batchMaxDuration?: string;
        batchIdleDuration?: string;
        preferencePolicy?: "Respect" | "Ignore";
        minValuesPolicy?: "Strict" | "BestEffort";
        clusterCABundle?: string;
        clusterName?: string;
        clusterEndpoint?: string;
        isolatedVPC?: boolean;
        eksControlPlane?: boolean;
        vmMemoryOverheadPercent?: number;
        /** The SQS queue's name (not its ARN or URL); empty disables interruption handling. */
        interruptionQueue?: string;
        enableZonalShift?: boolean;
        reservedENIs?: string;
        ignoreDRARequests?: boolean;
        disableClusterStateObservability?: boolean;
        disableDryRun?: boolean;
        amiRefreshInterval?: string;
        subnetRefreshInterval?: string;
        featureGates?: {
            nodeRepair?: boolean;
            nodeOverlay?: boolean;
            reservedCapacity?: boolean;
            spotToSpotConsolidation?: boolean;
            staticCapacity?: boolean;
            capacityBuffer?: boolean;
        };
    };
}

export interface ControllerValuesArgs {
    clusterName: string;
    queueName: string;
    serviceAccountName: string;
    /** e.g. the IRSA role annotation; none for Pod Identity. */
    serviceAccountAnnotations: Record<string, string>;
    replicas: number;
    resources: Required<ResourceList>;
    spotToSpotConsolidation: boolean;
    logLevel: "debug" | "info" | "error";
    serviceMonitor: boolean;
    /** Where the controller runs: nodes with these labels, tolerating these taints. */
    placement: ControllerPlacement;
}

export interface ControllerPlacement {
    nodeSelector: Record<string, string>;
    tolerations: Array<{ key: string; operator: "Exists" }>;
}

/**
 * Values for the controller: it runs only on the nodes `placement` selects (never on a node Karpenter launched,
 * which it could consolidate away from under itself), one replica per node and spread across zones.
 */
export function controllerHelmValues(a: ControllerValuesArgs): KarpenterChartValues {
    return {
        replicas: a.replicas,
        serviceAccount: { create: true, name: a.serviceAccountName, ...(Object.keys(a.serviceAccountAnnotations).length > 0 ? { annotations: a.serviceAccountAnnotations } : {}) },
        podDisruptionBudget: { name: "karpenter", maxUnavailable: 1 },
        priorityClassName: "system-cluster-critical",
        nodeSelector: { "kubernetes.io/os": "linux", ...a.placement.nodeSelector },
        // Lists in Helm values replace the chart's defaults, so the chart's own guard is restated here.
        affinity: {
            nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: [
                        {
                            matchExpressions: [
                                { key: "karpenter.sh/nodepool", operator: "DoesNotExist" },
                                ...Object.entries(a.placement.nodeSelector).map(([key, value]) => ({ key, operator: "In" as const, values: [value] })),
                            ],
                        },
                    ],
                },
            },
            podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname" }] },
        },
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule" }],
        tolerations: [...a.placement.tolerations],
        controller: { resources: { requests: { ...a.resources }, limits: { ...a.resources } } },
        logLevel: a.logLevel,
        ...(a.serviceMonitor ? { serviceMonitor: { enabled: true } } : {}),
        settings: {
            clusterName: a.clusterName,
            interruptionQueue: a.queueName,
            featureGates: { spotToSpotConsolidation: a.spotToSpotConsolidation },
        },
    };
}
