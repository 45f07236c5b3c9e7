/**
 * The rules of the Karpenter v1.14.1 CRDs (pkg/apis/crds/karpenter.sh_nodepools.yaml and
 * karpenter.k8s.aws_ec2nodeclasses.yaml at the release tag) that concern a value this project's config sets, as
 * config-time checks. Patterns are the CRDs' own; each CEL `x-kubernetes-validations` rule is written out here as
 * the check it is equivalent to (the CEL text is quoted above each). tests/crd.spec.ts evaluates the CRDs'
 * schemas and CEL rules themselves (from tests/fixtures/karpenter-crds) against the rendered objects on both
 * sides of every boundary, so a drift between these checks and the CRD text fails a test.
 *
 * Where this project refuses more than the CRD, the message says why (e.g. a taint value the CRD takes but the
 * Node API refuses, an AMI version Karpenter can never resolve).
 */

export interface Rule {
    pattern: RegExp;
    describe: string;
}

/** Kubernetes quantity, the pattern of NodePool `spec.limits` values (e.g. "100", "500m", "64G", "400Gi", "1e3"). */
export const QUANTITY: Rule = {
    pattern: /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/,
    describe: 'a Kubernetes quantity such as "100", "500m", "64G" or "400Gi"',
};

/** expireAfter and consolidateAfter. */
export const DURATION_OR_NEVER: Rule = { pattern: /^(([0-9]+(s|m|h))+|Never)$/, describe: 'a duration such as "30s", "5m" or "720h", or "Never"' };
/** template.spec.terminationGracePeriod: a duration, no "Never". */
export const TERMINATION_GRACE_PERIOD: Rule = { pattern: /^([0-9]+(s|m|h))+$/, describe: 'a duration such as "30m" or "2h"' };
/** Budget `nodes`. */
export const BUDGET_NODES: Rule = { pattern: /^((100|[0-9]{1,2})%|[0-9]+)$/, describe: 'a node count or a percentage such as "10%"' };
/** Budget `duration`: hours and minutes only (cron has no seconds). */
export const BUDGET_DURATION: Rule = { pattern: /^((([0-9]+(h|m))|([0-9]+h[0-9]+m))(0s)?)$/, describe: 'hours and minutes such as "8h" or "1h30m"' };
/** Budget `schedule`. */
export const CRON: Rule = { pattern: /^(@(annually|yearly|monthly|weekly|daily|midnight|hourly))|((.+)\s(.+)\s(.+)\s(.+)\s(.+))$/, describe: 'a cron schedule such as "0 9 * * mon-fri"' };

/** Taint keys and requirement keys (a qualified name); label keys are held to it too (nodes carry them). */
export const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(\/))?([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
/**
 * The CRDs check label keys not at all and taint keys by pattern only; the Node API (IsQualifiedName) also bounds
 * the name to 63 characters and the prefix to 253, and refuses a node whose labels or taints break that.
 */
const qualifiedName = (v: string) => {
    const slash = v.lastIndexOf("/");
    return QUALIFIED_NAME.test(v) && v.length - slash - 1 <= 63 && slash <= 253;
};
export const LABEL_KEY: Rule = {
    pattern: { test: qualifiedName } as RegExp,
    describe: 'a Kubernetes label key such as "team" or "example.com/team" (name at most 63 characters, as the Node API requires)',
};
export const TAINT_KEY: Rule = {
    pattern: { test: qualifiedName } as RegExp,
    describe: 'a taint key such as "dedicated" or "example.com/gpu" (name at most 63 characters, as the Node API requires)',
};

/** Label values and requirement values: the pattern and maxLength 63 of the NodePool CRD. */
const LABEL_VALUE_PATTERN = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
export const LABEL_VALUE: Rule = {
    pattern: { test: (v: string) => v.length <= 63 && LABEL_VALUE_PATTERN.test(v) } as RegExp,
    describe: "a label value: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
};

/**
 * Taint values. The CRD's pattern (a qualified name) refuses the empty string; the Node API (IsValidLabelValue)
 * refuses "/" and more than 63 characters, so a taint the CRD took would keep every node from registering.
 * Leave `value` out for a taint without one.
 */
export const TAINT_VALUE: Rule = {
    pattern: { test: (v: string) => v !== "" && QUALIFIED_NAME.test(v) && LABEL_VALUE.pattern.test(v) } as RegExp,
    describe: "a non-empty label value (at most 63 letters, digits, '-', '_' or '.'); leave value out for a taint without one",
};

/**
 * NodePool and EC2NodeClass name: an object name (DNS subdomain) that is also the value of the
 * karpenter.sh/nodepool label on every node, hence at most 63 characters.
 */
export const POOL_NAME: Rule = {
    pattern: { test: (v: string) => v.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(v) } as RegExp,
    describe: "lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 63 characters (it is also the karpenter.sh/nodepool label value)",
};

/** Labels the NodePool CRD allows in the karpenter.k8s.aws domain (its CEL allow-list at v1.14.1). */
const AWS_DOMAIN_ALLOWED = ["instance-tenancy", "capacity-reservation-type", "capacity-reservation-id", "capacity-reservation-interruptible", "ec2nodeclass", "instance-encryption-in-transit-supported", "instance-category", "instance-hypervisor", "instance-family", "instance-generation", "instance-local-nvme", "instance-size", "instance-cpu", "instance-cpu-manufacturer", "instance-cpu-sustained-clock-speed-mhz", "instance-memory", "instance-ebs-bandwidth", "instance-network-bandwidth", "instance-gpu-name", "instance-gpu-manufacturer", "instance-gpu-count", "instance-gpu-memory", "instance-accelerator-name", "instance-accelerator-manufacturer", "instance-accelerator-count", "instance-capability-flex", "placement-group-id", "placement-group-partition"].map((l) => `karpenter.k8s.aws/${l}`);

/** The label's domain as the CRD's CEL computes it: `x.find("^([^/]+)")`, the whole key when it has no "/". */
function celDomain(key: string): string {
    return /^([^/]+)/.exec(key)?.[1] ?? "";
}

/**
 * Template label keys the NodePool CRD refuses (CEL on spec.template.metadata.labels), plus two this project
 * refuses with a reason: the system node group's own label, and the allowed karpenter.k8s.aws labels (they
 * describe the instance, which the pool selects through its instance* keys, and a label that disagrees with them
 * makes a pool that can launch nothing).
 */
export function restrictedLabelProblem(key: string): string | undefined {
    if (key === "eks-karpenter/node-group") return 'label "eks-karpenter/node-group" marks the system node group; Karpenter nodes must not carry it';
    // self.all(x, x in ["karpenter.sh/capacity-type", "karpenter.sh/nodepool"] || !x.find("^([^/]+)").endsWith("karpenter.sh"))
    if (!["karpenter.sh/capacity-type", "karpenter.sh/nodepool"].includes(key) && celDomain(key).endsWith("karpenter.sh")) return 'label domain "karpenter.sh" is restricted (Karpenter CRD)';
    // self.all(x, x != "karpenter.sh/nodepool")
    if (key === "karpenter.sh/nodepool") return 'label "karpenter.sh/nodepool" is restricted (Karpenter CRD; Karpenter sets it to the pool name)';
    // self.all(x, x != "kubernetes.io/hostname")
    if (key === "kubernetes.io/hostname") return 'label "kubernetes.io/hostname" is restricted (Karpenter CRD)';
    // self.all(x, x in [<allow-list>] || !x.find("^([^/]+)").endsWith("karpenter.k8s.aws"))
    if (celDomain(key).endsWith("karpenter.k8s.aws")) {
        if (!AWS_DOMAIN_ALLOWED.includes(key)) return 'label domain "karpenter.k8s.aws" is restricted (Karpenter CRD)';
        return `label "${key}" describes the instance: select instances with the pool's instance* keys instead (a label that disagrees with them leaves the pool nothing to launch)`;
    }
    return undefined;
}

/** Tag keys the EC2NodeClass CRD refuses (CEL on spec.tags): Karpenter sets them itself. */
export function restrictedTagProblem(key: string): string | undefined {
    // self.all(k, k != '') / k !='eks:eks-cluster-name' / !k.startsWith('kubernetes.io/cluster') / k != 'karpenter.sh/nodepool'
    // / k !='karpenter.sh/nodeclaim' / k !='karpenter.k8s.aws/ec2nodeclass'
    if (key === "") return "empty tag keys are not supported (Karpenter CRD)";
    const restricted = key === "eks:eks-cluster-name" || key.startsWith("kubernetes.io/cluster") || ["karpenter.sh/nodepool", "karpenter.sh/nodeclaim", "karpenter.k8s.aws/ec2nodeclass"].includes(key);
    return restricted ? `tag "${key}" is set by Karpenter and cannot be overridden (Karpenter CRD)` : undefined;
}

/** AMI families this project supports through an alias (Karpenter also knows al2 and Windows). */
export const AMI_FAMILIES = ["al2023", "bottlerocket"] as const;
const CRD_AMI_FAMILIES = ["al2", "al2023", "bottlerocket", "windows2019", "windows2022", "windows2025"];

/**
 * An AMI alias as the EC2NodeClass CRD checks it (maxLength 30; CEL: `self.matches('^[a-zA-Z0-9]+@.+$')`, family
 * in its list), narrowed with reasons: al2 has no AMIs for the Kubernetes versions this project runs and Windows
 * nodes do not fit the pools' linux requirement; and the version must have the shape of a real release, because
 * the CRD takes any text and Karpenter then finds no AMI and launches nothing.
 */
export function amiAliasProblem(alias: string): string | undefined {
    const allowed = `"<family>@<version>" with family ${AMI_FAMILIES.join(" or ")} and version "latest" or a release such as "v20260801" (al2023) or "v1.40.0" (bottlerocket)`;
    if (alias.length > 30 || !/^[a-zA-Z0-9]+@.+$/.test(alias)) return `${allowed}; the CRD requires "family@version", at most 30 characters`;
    const [family, version] = [alias.split("@")[0], alias.slice(alias.indexOf("@") + 1)];
    if (!CRD_AMI_FAMILIES.includes(family)) return `${allowed}; "${family}" is no AMI family Karpenter knows`;
    if (!(AMI_FAMILIES as readonly string[]).includes(family)) return `${allowed}; "${family}" is not supported here (al2 has no AMIs for current Kubernetes versions, Windows does not fit linux pools)`;
    if (version === "latest") return undefined;
    const release = family === "al2023" ? /^v[0-9]{8}$/ : /^v[0-9]+\.[0-9]+\.[0-9]+$/;
    return release.test(version) ? undefined : `${allowed}; "${version}" is not a release name, and Karpenter would find no AMI for it`;
}

/** Most labels a NodePool template takes (maxProperties). */
export const MAX_LABELS = 100;
/** Most requirements, budgets (maxItems). */
export const MAX_REQUIREMENTS = 100;
export const MAX_BUDGETS = 50;
