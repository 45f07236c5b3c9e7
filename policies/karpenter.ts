import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { refersTo } from "./graph";
import { knownProp, objectName, raiseUnknown, statements, unknownProp } from "./util";

const NODE_POOL = "kubernetes:karpenter.sh/v1:NodePool";
const NODE_CLASS = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass";

/** The EventBridge rules upstream Karpenter v1.14.1 routes to its interruption queue. */
export const INTERRUPTION_EVENTS = [
    ["aws.health", "AWS Health Event"],
    ["aws.ec2", "EC2 Spot Instance Interruption Warning"],
    ["aws.ec2", "EC2 Instance Rebalance Recommendation"],
    ["aws.ec2", "EC2 Instance State-change Notification"],
    ["aws.ec2", "EC2 Capacity Reservation Instance Interruption Warning"],
] as const;

/**
 * NodePool `spec.limits` values as the CRD accepts them (karpenter.sh_nodepools.yaml v1.14.1): apimachinery's
 * resource.Quantity grammar, a signed number ("5", "5.", ".5") and a binary suffix (Ki..Ei), a decimal one
 * (n u m k M G T P E) or a decimal exponent ("e3", "E-1").
 */
export const QUANTITY_PATTERN = /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;

const SUFFIXES: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };

/** A Kubernetes quantity ("16", "500m", "64Gi", "1e3") as a number; undefined if the API server would refuse it. */
export function parseQuantity(q: unknown): number | undefined {
    const m = QUANTITY_PATTERN.exec(String(q));
    if (!m) return undefined;
    return Number(`${m[1] ?? ""}${m[2]}`) * (m[8] ? 10 ** Number(m[8].slice(1)) : (SUFFIXES[m[6]] ?? 1));
}

export const nodePoolLimits: ResourceValidationPolicy = {
    name: "karpenter-nodepool-limits",
    description: "Every NodePool caps what it may launch with cpu and memory limits, each at most the stack's ceiling (maxCpu, maxMemory).",
    configSchema: { properties: { maxCpu: { type: "string", default: "1000" }, maxMemory: { type: "string", default: "4000Gi" } } },
    validateResource: (args, report) => {
        if (args.type !== NODE_POOL) return;
        const name = objectName(args.props);
        const limits = args.props.spec?.limits ?? {};
        const missing = ["cpu", "memory"].filter((k) => limits[k] === undefined);
        if (missing.length > 0) report(`NodePool ${name} has no ${missing.join(" or ")} limit; a runaway workload could launch without bound.`);
        const { maxCpu, maxMemory } = args.getConfig<{ maxCpu: string; maxMemory: string }>();
        for (const [key, ceiling] of [["cpu", maxCpu], ["memory", maxMemory]] as const) {
            if (limits[key] === undefined) continue;
            const value = parseQuantity(limits[key]);
            if (value === undefined) report(`NodePool ${name} limits ${key} to ${limits[key]}, which is not a Kubernetes quantity; the API server refuses it.`);
            else if (value > parseQuantity(ceiling)!) report(`NodePool ${name} limits ${key} to ${limits[key]}, above this stack's ceiling of ${ceiling}; a limit that high is no limit.`);
        }
    },
};

export const nodeClassHardening: ResourceValidationPolicy = {
    name: "karpenter-ec2nodeclass-hardening",
    description: "Every EC2NodeClass requires IMDSv2 with a hop limit of 1 and encrypts its root volume.",
    validateResource: (args, report) => {
        if (args.type !== NODE_CLASS) return;
        const name = objectName(args.props);
        const md = args.props.spec?.metadataOptions ?? {};
        if (md.httpTokens !== "required") report(`EC2NodeClass ${name} does not require IMDSv2 (metadataOptions.httpTokens is ${md.httpTokens ?? "unset"}).`);
        if (md.httpPutResponseHopLimit !== 1) report(`EC2NodeClass ${name} has IMDS hop limit ${md.httpPutResponseHopLimit ?? "unset"}; 1 keeps pods from the node role's credentials.`);
        const devices = (args.props.spec?.blockDeviceMappings ?? []) as Array<{ deviceName?: string; rootVolume?: boolean; ebs?: { encrypted?: boolean } }>;
        const root = devices.find((d) => d.rootVolume) ?? devices.find((d) => d.deviceName === "/dev/xvda");
        if (!root?.ebs?.encrypted) report(`EC2NodeClass ${name} does not encrypt its root volume (set blockDeviceMappings with ebs.encrypted: true).`);
    },
};

export const amiPinned: ResourceValidationPolicy = {
    name: "karpenter-ami-pinned",
    description: "EC2NodeClasses pin an AMI release instead of @latest, so nodes roll only when you choose.",
    validateResource: (args, report) => {
        if (args.type !== NODE_CLASS) return;
        for (const term of (args.props.spec?.amiSelectorTerms ?? []) as Array<{ alias?: string }>) {
            if (term.alias?.endsWith("@latest")) report(`EC2NodeClass ${objectName(args.props)} uses ${term.alias}; pin a release such as al2023@v20260923.`);
        }
    },
};

export const controllerReplicas: ResourceValidationPolicy = {
    name: "karpenter-controller-replicas",
    description: "The Karpenter controller runs enough replicas to survive losing a node.",
    configSchema: { properties: { minReplicas: { type: "integer", default: 2, minimum: 1 } } },
    validateResource: (args, report) => {
        if (args.type !== "kubernetes:helm.sh/v3:Release" || !/\/karpenter$/.test(String(args.props.chart))) return;
        const { minReplicas } = args.getConfig<{ minReplicas: number }>();
        const replicas = args.props.values?.replicas ?? 2;
        if (replicas < minReplicas) report(`the Karpenter controller runs ${replicas} replica${replicas === 1 ? "" : "s"}; at least ${minReplicas} required.`);
    },
};

export const spotDiversity: ResourceValidationPolicy = {
    name: "karpenter-spot-diversity",
    description: "A spot-only NodePool that lists instance types allows enough of them for spot capacity to be found.",
    configSchema: { properties: { minInstanceTypes: { type: "integer", default: 10, minimum: 1 } } },
    validateResource: (args, report) => {
        if (args.type !== NODE_POOL) return;
        const { minInstanceTypes } = args.getConfig<{ minInstanceTypes: number }>();
        const reqs = (args.props.spec?.template?.spec?.requirements ?? []) as Array<{ key: string; operator: string; values?: string[] }>;
        const capacity = reqs.find((r) => r.key === "karpenter.sh/capacity-type" && r.operator === "In");
        if (capacity?.values?.join() !== "spot") return;
        const types = reqs.find((r) => r.key === "node.kubernetes.io/instance-type" && r.operator === "In");
        if (types && (types.values ?? []).length < minInstanceTypes) {
            report(`spot-only NodePool ${objectName(args.props)} allows ${(types.values ?? []).length} instance types; at least ${minInstanceTypes} keep spot capacity within reach.`);
        }
    },
};

/** Whether an EventBridge rule's pattern matches one of upstream's interruption events. */
const ruleMatches = (r: PolicyResource, source: string, detailType: string) => {
    const pattern = typeof r.props.eventPattern === "string" ? JSON.parse(r.props.eventPattern) : r.props.eventPattern;
    return pattern?.source?.includes(source) && pattern["detail-type"]?.includes(detailType);
};

export const interruptionHandling: StackValidationPolicy = {
    name: "karpenter-interruption-queue",
    description: "The interruption queue is encrypted and refuses non-TLS access, and every upstream EventBridge rule targets it.",
    validateStack: (args, report) => {
        const releases = args.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
        const release = releases.find((r) => /\/karpenter$/.test(String(r.props.chart)));
        const rules = args.resources.filter((r) => r.type === "aws:cloudwatch/eventRule:EventRule");
        const queues = args.resources.filter((r) => r.type === "aws:sqs/queue:Queue");
        // (At a first preview the queue's URL and ARN are unknown: links to it are followed by their dependencies.)
        const targetsOf = (queue: PolicyResource) => args.resources.filter((r) => r.type === "aws:cloudwatch/eventTarget:EventTarget" && refersTo(r, "arn", queue, [knownProp(queue.props, "arn")]));
        let checked: PolicyResource[];
        if (release) {
            const queueName = release.props.values?.settings?.interruptionQueue;
            if (!queueName) {
                report("the Karpenter chart has no settings.interruptionQueue: spot interruptions and health events go unhandled.", release.urn);
                return;
            }
            const queue = queues.find((r) => r.props.name === queueName);
            if (!queue) {
                report(`no SQS queue named ${queueName} in the stack.`, release.urn);
                return;
            }
            checked = [queue];
        } else {
            // A first preview: the charts show no outputs yet (their provider's kubeconfig comes from the cluster not
            // created yet). The queues upstream's interruption rules target stand for the chart's.
            if (!releases.some((r) => Object.keys(r.props).length === 0)) return;
            const interruptionRules = rules.filter((r) => INTERRUPTION_EVENTS.some(([source, detailType]) => ruleMatches(r, source, detailType)));
            checked = queues.filter((q) => targetsOf(q).some((t) => interruptionRules.some((r) => t.props.rule === r.props.name)));
        }
        for (const queue of checked) {
            const queueName = queue.props.name;
            if (!queue.props.sqsManagedSseEnabled && !queue.props.kmsMasterKeyId) report(`queue ${queueName} is not encrypted (set sqsManagedSseEnabled or a KMS key).`, queue.urn);
            // The queue's own `policy`, or a QueuePolicy on its URL. At a first preview the queue's `policy` is unknown
            // (a computed output: AWS reports the policy a QueuePolicy sets), so the QueuePolicies decide.
            const own = knownProp(queue.props, "policy");
            const documents = [
                own,
                ...args.resources.filter((r) => r.type === "aws:sqs/queuePolicy:QueuePolicy" && refersTo(r, "queueUrl", queue, [knownProp(queue.props, "url")])).map((r) => r.props.policy),
            ];
            const deniesHttp = documents.some((document) =>
                statements(document).some((s) => s.effect === "Deny" && String((s.condition?.Bool as Record<string, unknown> | undefined)?.["aws:SecureTransport"]) === "false"),
            );
            if (!deniesHttp) {
                // Its own policy not known yet and no QueuePolicy denying: undecidable, the policy is reported as not run.
                if (unknownProp(queue.props, "policy")) raiseUnknown(queue.props, "policy");
                report(`queue ${queueName} has no policy denying requests without TLS (aws:SecureTransport false).`, queue.urn);
            }
            const targets = targetsOf(queue);
            for (const [source, detailType] of INTERRUPTION_EVENTS) {
                const rule = rules.find((r) => ruleMatches(r, source, detailType));
                if (!rule) report(`no EventBridge rule sends "${detailType}" (${source}) to queue ${queueName}.`, queue.urn);
                else if (!targets.some((t) => t.props.rule === rule.props.name)) report(`EventBridge rule ${rule.props.name} ("${detailType}") does not target queue ${queueName}.`, rule.urn);
            }
        }
    },
};

export const karpenterPolicies = [nodePoolLimits, nodeClassHardening, amiPinned, controllerReplicas, spotDiversity, interruptionHandling];
