import { expect } from "chai";
import { NodePoolConfig } from "../components/nodePools/config";
import { nodePoolSchemaProblems } from "../components/nodePools/schemas";
import { ec2NodeClassSpec, nodePoolSpec } from "../components/nodePools/specs";
import { StackConfigError, parseStackConfig } from "../components/config";
import { celRules, crdRefusals } from "./helpers/crd";
import { parsed, rawConfig } from "./helpers/scenario";

const base = { name: "p", capacityTypes: ["spot"], limits: { cpu: "10", memory: "40Gi" } };

/** Problems config reports for a pool (empty when it accepts it). */
function configProblems(pool: Record<string, unknown>, stack: Record<string, unknown> = {}): string[] {
    try {
        const limits = { ...base.limits, ...(pool.limits as object) };
        parseStackConfig(rawConfig("dev", { karpenter: { spotToSpotConsolidation: false }, nodePools: [{ ...base, ...pool, limits }], ...stack }));
        return [];
    } catch (e) {
        if (e instanceof StackConfigError) return e.problems;
        throw e;
    }
}

/** The objects the program would render for the pool with these values, bypassing config validation. */
async function crdVerdict(pool: Record<string, unknown>, extraTags: Record<string, string> = {}): Promise<string[]> {
    const valid = parsed("dev", { karpenter: { spotToSpotConsolidation: false }, nodePools: [base] }).nodePools[0];
    const rendered = { ...valid, ...pool, limits: { ...valid.limits, ...(pool.limits as object) } } as NodePoolConfig;
    return [
        ...(await crdRefusals(nodePoolSpec(rendered))),
        ...(await crdRefusals(ec2NodeClassSpec(rendered, { clusterName: "demo", nodeRoleName: "demo-karpenter-node", tags: { owner: "x", ...extraTags } }))),
    ];
}

interface Case {
    title: string;
    pool: Record<string, unknown>;
    /** What the v1.14.1 CRD text does with the rendered objects (asserted, so no case is vacuous). */
    crd: "refuses" | "accepts";
    /** When config refuses what the CRD accepts: the reason its message must state. */
    stricter?: string;
    extraTags?: Record<string, string>;
}

const x = (n: number) => "a".repeat(n);

// Both sides of every boundary of the CRD rules a pool's config reaches (schema patterns, bounds, CEL rules).
const CASES: Case[] = [
    { title: "taint with an empty value", pool: { taints: [{ key: "gpu", value: "", effect: "NoSchedule" }] }, crd: "refuses" },
    { title: "taint without a value", pool: { taints: [{ key: "gpu", effect: "NoSchedule" }] }, crd: "accepts" },
    { title: "taint with a value", pool: { taints: [{ key: "example.com/gpu", value: "true", effect: "NoSchedule" }] }, crd: "accepts" },
    { title: "taint value with a slash", pool: { taints: [{ key: "gpu", value: "a/b", effect: "NoSchedule" }] }, crd: "accepts", stricter: "leave value out for a taint without one" },
    { title: "taint with an empty key", pool: { taints: [{ key: "", effect: "NoSchedule" }] }, crd: "refuses" },
    { title: "taint effect", pool: { taints: [{ key: "gpu", effect: "NoExec" }] }, crd: "refuses" },
    { title: "label in the karpenter.sh domain written without a /", pool: { labels: { "karpenter.sh": "x" } }, crd: "refuses" },
    { title: "label in a subdomain of karpenter.sh", pool: { labels: { "team.karpenter.sh/x": "y" } }, crd: "refuses" },
    { title: "label karpenter.sh/capacity-type", pool: { labels: { "karpenter.sh/capacity-type": "spot" } }, crd: "accepts" },
    { title: "label karpenter.sh/nodepool", pool: { labels: { "karpenter.sh/nodepool": "x" } }, crd: "refuses" },
    { title: "label kubernetes.io/hostname", pool: { labels: { "kubernetes.io/hostname": "x" } }, crd: "refuses" },
    { title: "label in the karpenter.k8s.aws domain written without a /", pool: { labels: { "karpenter.k8s.aws": "x" } }, crd: "refuses" },
    { title: "label karpenter.k8s.aws outside the allow-list", pool: { labels: { "karpenter.k8s.aws/custom": "x" } }, crd: "refuses" },
    { title: "label karpenter.k8s.aws on the allow-list", pool: { labels: { "karpenter.k8s.aws/instance-family": "m5" } }, crd: "accepts", stricter: "select instances with the pool's instance* keys" },
    { title: "label with a domain", pool: { labels: { "example.com/team": "web" } }, crd: "accepts" },
    { title: "label key with a name of 64 characters", pool: { labels: { [`example.com/${x(64)}`]: "x" } }, crd: "accepts", stricter: "name at most 63 characters, as the Node API requires" },
    { title: "taint key with a name of 64 characters", pool: { taints: [{ key: x(64), effect: "NoSchedule" }] }, crd: "accepts", stricter: "name at most 63 characters, as the Node API requires" },
    { title: "taint key with a name of 63 characters", pool: { taints: [{ key: x(63), effect: "NoSchedule" }] }, crd: "accepts" },
    // The CRD puts maxLength and pattern on the requirement's values array, where they check nothing.
    { title: "an instance-type name of 64 characters (a requirement value)", pool: { instanceTypes: [`m9z.${x(60)}`], extraInstanceTypes: [`m9z.${x(60)}`] }, crd: "accepts", stricter: "at most 63 characters" },
    { title: "an instance-type name of 63 characters", pool: { instanceTypes: [`m9z.${x(59)}`], extraInstanceTypes: [`m9z.${x(59)}`] }, crd: "accepts" },
    { title: "label value of 63 characters", pool: { labels: { team: x(63) } }, crd: "accepts" },
    { title: "label value of 64 characters", pool: { labels: { team: x(64) } }, crd: "refuses" },
    { title: "label value with a space", pool: { labels: { team: "a b" } }, crd: "refuses" },
    { title: "memory limit 64G (decimal suffix)", pool: { limits: { memory: "64G" } }, crd: "accepts" },
    { title: "cpu limit with an exponent", pool: { limits: { cpu: "1e3" } }, crd: "accepts" },
    { title: "cpu limit 0.5", pool: { limits: { cpu: "0.5" } }, crd: "accepts" },
    { title: "memory limit 64GB", pool: { limits: { memory: "64GB" } }, crd: "refuses" },
    { title: "negative cpu limit", pool: { limits: { cpu: "-1" } }, crd: "accepts", stricter: "a negative limit leaves the pool nothing to launch" },
    { title: "GPU limit", pool: { limits: { "nvidia.com/gpu": "8" } }, crd: "accepts" },
    { title: "consolidationPolicy Balanced", pool: { consolidationPolicy: "Balanced" }, crd: "accepts", stricter: "predate it" },
    { title: "consolidationPolicy WhenIdle", pool: { consolidationPolicy: "WhenIdle" }, crd: "refuses" },
    { title: "consolidateAfter 0s", pool: { consolidateAfter: "0s" }, crd: "accepts" },
    { title: "consolidateAfter without a unit", pool: { consolidateAfter: "30" }, crd: "refuses" },
    { title: "consolidateAfter in days", pool: { consolidateAfter: "1d" }, crd: "refuses" },
    { title: "expireAfter Never", pool: { expireAfter: "Never" }, crd: "accepts" },
    { title: "expireAfter 1h30m", pool: { expireAfter: "1h30m" }, crd: "accepts" },
    { title: "budget of 100%", pool: { budgets: [{ nodes: "100%" }] }, crd: "accepts" },
    { title: "budget of 101%", pool: { budgets: [{ nodes: "101%" }] }, crd: "refuses" },
    { title: "budget schedule without duration", pool: { budgets: [{ nodes: "0", schedule: "@daily" }] }, crd: "refuses" },
    { title: "budget duration without schedule", pool: { budgets: [{ nodes: "0", duration: "1h" }] }, crd: "refuses" },
    { title: "budget duration in seconds", pool: { budgets: [{ nodes: "0", schedule: "@daily", duration: "30s" }] }, crd: "refuses" },
    { title: "budget duration 1h30m", pool: { budgets: [{ nodes: "0", schedule: "@daily", duration: "1h30m" }] }, crd: "accepts" },
    { title: "budget reason", pool: { budgets: [{ nodes: "1", reasons: ["Expired"] }] }, crd: "refuses" },
    { title: "weight 100", pool: { weight: 100 }, crd: "accepts" },
    { title: "weight 101", pool: { weight: 101 }, crd: "refuses" },
    { title: "weight 0", pool: { weight: 0 }, crd: "refuses" },
    { title: "generation floor 1 (Gt 0)", pool: { instanceGenerationMin: 1 }, crd: "accepts" },
    { title: "generation floor 0 (Gt -1)", pool: { instanceGenerationMin: 0 }, crd: "refuses" },
    { title: "an empty list of instance types (In with no value)", pool: { instanceTypes: [] }, crd: "refuses" },
    { title: "AMI alias al2023@latest", pool: { amiAlias: "al2023@latest" }, crd: "accepts" },
    { title: "AMI alias of an unknown family", pool: { amiAlias: "ubuntu@latest" }, crd: "refuses" },
    { title: "AMI alias without a version", pool: { amiAlias: "al2023" }, crd: "refuses" },
    { title: "AMI alias over 30 characters", pool: { amiAlias: `bottlerocket@v1.${x(20)}` }, crd: "refuses" },
    { title: "Windows AMI alias with a version", pool: { amiAlias: "windows2022@v20260101" }, crd: "refuses" },
    { title: "AMI alias al2", pool: { amiAlias: "al2@latest" }, crd: "accepts", stricter: "al2 has no AMIs for current Kubernetes versions" },
    { title: "AMI alias with a version that is no release", pool: { amiAlias: "al2023@v2026" }, crd: "accepts", stricter: "Karpenter would find no AMI for it" },
    { title: "tag kubernetes.io/cluster/x", pool: { tags: { "kubernetes.io/cluster/x": "owned" } }, crd: "refuses" },
    { title: "tag kubernetes.io/clusterx (no slash)", pool: { tags: { "kubernetes.io/clusterx": "owned" } }, crd: "refuses" },
    { title: "tag eks:eks-cluster-name", pool: { tags: { "eks:eks-cluster-name": "x" } }, crd: "refuses" },
    { title: "tag karpenter.sh/nodepool", pool: { tags: { "karpenter.sh/nodepool": "x" } }, crd: "refuses" },
    { title: "tag karpenter.sh/nodeclaim", pool: { tags: { "karpenter.sh/nodeclaim": "x" } }, crd: "refuses" },
    { title: "tag karpenter.k8s.aws/ec2nodeclass", pool: { tags: { "karpenter.k8s.aws/ec2nodeclass": "x" } }, crd: "refuses" },
    { title: "tag with an empty key", pool: { tags: { "": "x" } }, crd: "refuses" },
    { title: "tag team", pool: { tags: { team: "web" } }, crd: "accepts" },
    { title: "volume of 16384 GiB", pool: { volumeSizeGiB: 16384 }, crd: "accepts" },
    { title: "capacity reservation id", pool: { capacityTypes: ["reserved"], capacityReservationIds: ["cr-0123456789abcdef0"] }, crd: "accepts" },
    { title: "capacity reservation id of another shape", pool: { capacityTypes: ["reserved"], capacityReservationIds: ["cr_0123"] }, crd: "refuses" },
];

describe("Karpenter v1.14.1 CRDs (schema and CEL, from the release's CRD text) against config", () => {
    for (const c of CASES) {
        it(`${c.title}: the CRD ${c.crd === "refuses" ? "refuses" : "accepts"}, and so does config${c.stricter ? " not (stricter, with its reason)" : ""}`, async () => {
            const crd = await crdVerdict(c.pool, c.extraTags);
            expect(crd.length > 0 ? "refuses" : "accepts", crd.join("\n")).to.equal(c.crd);
            const problems = configProblems(c.pool);
            if (c.crd === "refuses") expect(problems, "config must refuse what the CRD refuses").to.not.deep.equal([]);
            else if (c.stricter) expect(problems.join("\n")).to.include(c.stricter);
            else expect(problems).to.deep.equal([]);
        });
    }

    it("a stack tag Karpenter reserves is refused by config, as the EC2NodeClass CRD refuses it", async () => {
        expect(await crdVerdict({}, { "kubernetes.io/clusterx": "1" })).to.not.deep.equal([]);
        expect(configProblems({}, { extraTags: { "kubernetes.io/clusterx": "1" } })).to.deep.equal([
            'eks-karpenter:extraTags.kubernetes.io/clusterx: tag "kubernetes.io/clusterx" is set by Karpenter and cannot be overridden (Karpenter CRD).',
        ]);
    });

    it("every pool of every stack file renders objects the CRDs accept", async () => {
        for (const stack of ["dev", "pr", "prod"]) {
            const config = parsed(stack);
            for (const pool of config.nodePools) {
                expect(await crdRefusals(nodePoolSpec(pool)), `${stack} ${pool.name}`).to.deep.equal([]);
                expect(await crdRefusals(ec2NodeClassSpec(pool, { clusterName: config.clusterName, nodeRoleName: "r", tags: config.tags })), `${stack} ${pool.name}`).to.deep.equal([]);
            }
        }
    });

    it("the gpu preset and an arm64 pool with a Local Zone and decimal quantities render objects both the CRDs and the schema package accept", async () => {
        const config = parsed("dev", {
            karpenter: { spotToSpotConsolidation: false },
            nodePools: [
                { ...base, name: "gpu", preset: "gpu", limits: { cpu: "64", memory: "256G", "nvidia.com/gpu": "8" } },
                { ...base, name: "arm", architectures: ["arm64"], zones: ["us-west-2-lax-1a"], limits: { cpu: "1e3", memory: "64G" }, taints: [{ key: "kubernetes.io/arch", value: "arm64", effect: "NoSchedule" }] },
            ],
        });
        for (const pool of config.nodePools) {
            expect([...(await crdRefusals(nodePoolSpec(pool))), ...(await crdRefusals(ec2NodeClassSpec(pool, { clusterName: "d", nodeRoleName: "r", tags: {} })))], pool.name).to.deep.equal([]);
        }
        expect(await nodePoolSchemaProblems(config)).to.deep.equal([]);
    });

    // Each CEL rule either guards a value config passes through (a refusing case above triggers it) or a value the
    // builders fix (the reason is listed). A new rule in a future CRD fails this until it is classified.
    const FIXED_BY_BUILDER: Array<[RegExp, string]> = [
        [/static|replicas|immutable/, "no static pools (replicas) are rendered; transition rules apply to updates only"],
        [/nodeClassRef|group may not|kind may not|name may not/, "nodeClassRef is always karpenter.k8s.aws/EC2NodeClass/<pool name>"],
        [/minValues/, "minValues is not rendered"],
        [/^\.spec\.template\.spec\.requirements\[\]\.key$/, "requirement keys are the fixed well-known labels of specs.ts"],
        [/amiFamily|instanceProfile|'role'|role cannot|'id' is mutually|'alias' is mutually|expected at least one, got none, \['tags', 'id', 'name', 'alias'/, "one alias term, a role, no amiFamily are rendered"],
        [/blockDeviceMappings|snapshotID/, "block devices are fixed gp3 volumes with a size (specs.ts)"],
        [/capacityReservationSelectorTerms|capacity reservation/, "capacity reservations are rendered as id-only terms"],
        [/connectionTracking|kubelet|evictionHard|evictionSoft|kubeReserved|systemReserved|imageGC|networkInterfaces|placementGroup|'name' and 'id'/, "not rendered by this project"],
        [/securityGroupSelectorTerms|subnetSelectorTerms|security group selector|subnet selector|empty tag keys or values/, "selector terms are one karpenter.sh/discovery tag with the cluster name"],
    ];
    it("classifies every CEL rule of both CRDs: exercised by a case above, or fixed by the builders with a reason", async () => {
        const triggered = new Set<string>();
        for (const c of CASES.filter((c) => c.crd === "refuses")) for (const m of await crdVerdict(c.pool)) triggered.add(m.replace(/^[^:]*: /, ""));
        for (const m of await crdVerdict({}, { "kubernetes.io/clusterx": "1" })) triggered.add(m.replace(/^[^:]*: /, ""));
        const unclassified: string[] = [];
        for (const kind of ["NodePool", "EC2NodeClass"] as const) {
            for (const rule of celRules(kind)) {
                const message = rule.message ?? rule.rule;
                const exercised = [...triggered].some((t) => t.startsWith(message));
                const fixed = FIXED_BY_BUILDER.some(([re]) => re.test(`${rule.path} ${message}`) || re.test(rule.path));
                if (!exercised && !fixed) unclassified.push(`${kind} ${rule.path}: ${message}`);
            }
        }
        expect(unclassified).to.deep.equal([]);
    });
});
