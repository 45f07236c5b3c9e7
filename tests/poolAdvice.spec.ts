import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { expect } from "chai";
import { StackConfigError, fixCommand, parseStackConfig } from "../components/config";
import { stackWarnings } from "../components/nodePools/advice";
import { POOL_PRESETS } from "../components/nodePools/config";
import { ec2NodeClassSpec, nodePoolSpec } from "../components/nodePools/specs";
import { resourcesOfType } from "../offline/engine";
import { stackConfig } from "../offline/stackFiles";
import { runStack } from "./helpers/run";
import { parsed, problemsOf, rawConfig } from "./helpers/scenario";

const K = "eks-karpenter";
const P = `${K}:nodePools[0] (p)`;
const base = { name: "p", capacityTypes: ["on-demand"], limits: { cpu: "10", memory: "40Gi" } };
const noGate = { karpenter: { spotToSpotConsolidation: false, replicas: 1 } };
const withPools = (...pools: Array<Record<string, unknown>>) => ({ ...noGate, nodePools: pools.map((p) => ({ ...base, ...p })) });

describe("NodePool config errors people make", () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
        ["ttlSecondsAfterEmpty (v1alpha5)", { ttlSecondsAfterEmpty: 30 }, `${P}.ttlSecondsAfterEmpty: ttlSecondsAfterEmpty is from Karpenter v1alpha5; in v1 write consolidationPolicy: WhenEmpty with consolidateAfter, a duration such as "30s".`],
        ["ttlSecondsUntilExpired (v1alpha5)", { ttlSecondsUntilExpired: 2592000 }, `${P}.ttlSecondsUntilExpired: ttlSecondsUntilExpired is from Karpenter v1alpha5; in v1 write expireAfter, a duration such as "720h".`],
        [
            "consolidation.enabled (v1alpha5)",
            { consolidation: { enabled: true } },
            `${P}.consolidation: consolidation.enabled is from Karpenter v1alpha5; in v1 write consolidationPolicy: WhenEmptyOrUnderutilized (enabled: true) or WhenEmpty (enabled: false), with consolidateAfter.`,
        ],
        ["providerRef (v1alpha5)", { providerRef: { name: "default" } }, `${P}.providerRef: providerRef is from Karpenter v1alpha5 (v1: nodeClassRef); each pool here gets its own EC2NodeClass of the same name.`],
        ["amiFamily (v1beta1)", { amiFamily: "AL2023" }, `${P}.amiFamily: amiFamily is replaced in Karpenter v1 by an AMI alias: write amiAlias, e.g. "al2023@latest" or "bottlerocket@latest".`],
        ["WhenUnderutilized (v1beta1)", { consolidationPolicy: "WhenUnderutilized" }, `${P}.consolidationPolicy: got "WhenUnderutilized"; expected "WhenEmpty" or "WhenEmptyOrUnderutilized". WhenUnderutilized is from Karpenter v1beta1; v1 calls it "WhenEmptyOrUnderutilized".`],
        ["consolidateAfter: 30 (a number)", { consolidateAfter: 30 }, `${P}.consolidateAfter: got 30; expected a duration such as "30s", "5m" or "720h", or "Never". Durations are strings with a unit; did you mean "30s"?`],
        ["expireAfter: 3600 (a number)", { expireAfter: 3600 }, `${P}.expireAfter: got 3600; expected a duration such as "30s", "5m" or "720h", or "Never". Durations are strings with a unit; did you mean "1h"?`],
        ["limits.resources (v1alpha5)", { limits: { resources: { cpu: "10" } } }, `${P}.limits.resources: limits.resources is from Karpenter v1alpha5; in v1 the resources sit directly under limits: { "cpu": "100", "memory": "400Gi" }.`],
    ];
    for (const [title, pool, message] of cases) {
        it(title, () => expect(problemsOf("dev", withPools(pool))).to.include(message));
    }

    it("provisioners at the top level point to nodePools", () => {
        expect(problemsOf("dev", { provisioners: [{ name: "default" }] })).to.deep.equal([
            `${K}:provisioners: Provisioners are from Karpenter v1alpha5; in v1 they are NodePools: write the nodePools list (see README, Configuration reference).`,
        ]);
    });

    it("the footer shows pulumi config set --path for a key inside a list, and the file to edit", () => {
        let message = "";
        try {
            parseStackConfig(rawConfig("dev", withPools({ consolidateAfter: 30 })));
        } catch (e) {
            message = (e as StackConfigError).message;
        }
        expect(message.split("\n").pop()).to.equal(
            `Fix them by editing Pulumi.dev.yaml, or with "pulumi config set <key> <value>" for top-level keys and "pulumi config set --path 'nodePools[0].consolidateAfter' <value>" for keys inside lists and objects; see README "Configuration reference".`,
        );
        expect(fixCommand("dev", [`${K}:natGateways: got "none"; expected one of "single", "onePerAz".`])).to.equal(`Fix them with "pulumi config set <key> <value>" (or edit Pulumi.dev.yaml); see README "Configuration reference".`);
        expect(fixCommand("dev", [`${K}:karpenter.replicas: got 9; expected an integer from 1 to 5.`])).to.include(`"pulumi config set --path 'karpenter.replicas' <value>"`);
    });
});

describe("NodePool warnings (soft problems, printed before any resource)", () => {
    const warnings = (overrides: Record<string, unknown>) => stackWarnings(parsed("dev", overrides));

    it("none for the stack files", () => {
        for (const stack of ["dev", "pr", "prod"]) expect(stackWarnings(parsed(stack)), stack).to.deep.equal([]);
    });

    it("flags a spot pool matching few types, with the reason", () => {
        expect(warnings(withPools({ capacityTypes: ["spot"], instanceTypes: ["m7i.large", "m6i.large"] }))).to.deep.equal([
            `${P}: a spot pool matching 2 instance types (m6i.large, m7i.large); spot capacity is found per type and zone, and with fewer than 10 types launches fail or get interrupted more often. Allow more types.`,
        ]);
        expect(warnings(withPools({ capacityTypes: ["spot"], instanceCategories: ["m"], instanceGenerationMin: 7 }))).to.deep.equal([]);
    });

    it("says when a type is accepted only through extraInstanceTypes", () => {
        expect(warnings(withPools({ instanceTypes: ["m9z.large"], extraInstanceTypes: ["m9z.large"] }))).to.deep.equal([
            `${P}.extraInstanceTypes: m9z.large is not in the instance types of the pinned AWS SDK v3 EC2 client (@aws-sdk/client-ec2); accepted as newer types. If one is a typo, Karpenter never launches it.`,
        ]);
    });

    it("warns about GPU pools on AL2023 (no device plugin) and without the nvidia.com/gpu taint", () => {
        expect(warnings(withPools({ instanceFamilies: ["g6"] }))).to.deep.equal([
            `${P}: allows NVIDIA GPU types with amiAlias al2023@latest: AL2023 NVIDIA AMIs have the driver but not the NVIDIA device plugin, so pods asking for nvidia.com/gpu stay Pending and Karpenter never counts the nodes initialized unless you run it (or the GPU Operator). Use "bottlerocket@latest" (its NVIDIA variants include the plugin), as the gpu preset does.`,
            `${P}: allows NVIDIA GPU types without a nvidia.com/gpu NoSchedule taint: any pending pod may start a GPU node. Add the taint (the gpu preset does).`,
        ]);
        expect(warnings(withPools({ instanceFamilies: ["g4ad"] })), "g4ad has AMD GPUs").to.deep.equal([]);
    });

    it("warns when an untainted arm64 pool outweighs an untainted amd64-only pool, not when it is tainted or lighter", () => {
        const onDemand = { name: "on-demand", weight: 10 };
        const graviton = { name: "graviton", architectures: ["arm64"], weight: 50 };
        expect(warnings(withPools(onDemand, graviton))).to.deep.equal([
            `${K}:nodePools[1] (graviton): allows arm64, has no taint and weight 50 above ${K}:nodePools[0] (on-demand) (10): pods without a kubernetes.io/arch selector go to arm64 first, and x86-only images fail there. Taint the pool (and tolerate it in arm64-ready workloads) or lower its weight; see README "arm64 pools".`,
        ]);
        expect(warnings(withPools(onDemand, { ...graviton, taints: [{ key: "kubernetes.io/arch", value: "arm64", effect: "NoSchedule" }] }))).to.deep.equal([]);
        expect(warnings(withPools(onDemand, { ...graviton, weight: 5 }))).to.deep.equal([]);
    });

    it("warns when the spot-to-spot gate is on but no pool has spot capacity", () => {
        expect(warnings({ karpenter: { spotToSpotConsolidation: true, replicas: 1 }, nodePools: [{ ...base, instanceCategories: ["m"] }] })).to.deep.equal([
            `${K}:karpenter.spotToSpotConsolidation: is on, but no pool has spot capacity: the gate changes nothing. Turn it off or add spot to a pool's capacityTypes.`,
        ]);
    });

    it("warns when the demo's replicas could never schedule: no pool, only tainted pools, or no on-demand pool for onDemandOnly", () => {
        const demo = (d: Record<string, unknown>) => ({ ...noGate, demoWorkload: { replicas: 3, ...d } });
        expect(warnings({ ...demo({}), nodePools: [] })).to.deep.equal([`${K}:demoWorkload: 3 replicas but no NodePool: the demo's pods stay Pending (the system nodes are tainted). Add a pool to nodePools or set replicas to 0.`]);
        expect(warnings({ ...demo({ onDemandOnly: true }), ...withPools({ capacityTypes: ["spot"], instanceCategories: ["m"] }) })).to.deep.equal([
            `${K}:demoWorkload: 3 replicas, but no pool can run them (the demo needs a pool that is untainted, with capacity type on-demand and a cpu limit of at least 1): they stay Pending. Add on-demand to a pool's capacityTypes or set onDemandOnly to false.`,
        ]);
        expect(warnings({ ...demo({}), ...withPools({ taints: [{ key: "dedicated", value: "x", effect: "NoSchedule" }] }) })).to.have.length(1);
        expect(warnings({ ...demo({ spreadAcrossZones: true }), ...withPools({ zones: ["us-west-2a"] }) })).to.deep.equal([
            `${K}:demoWorkload: spreadAcrossZones with every eligible pool in zone us-west-2a: nodes in other zones count as spread domains, so pods beyond a skew of 1 stay Pending. Allow more zones or turn spreading off.`,
        ]);
        expect(warnings({ ...demo({ onDemandOnly: true, spreadAcrossZones: true }), ...withPools({}) })).to.deep.equal([]);
        expect(warnings({ ...noGate, demoWorkload: { replicas: 3, enabled: false }, nodePools: [] })).to.deep.equal([]);
    });
});

describe("GPU and arm64 pools (rendered objects)", () => {
    it("gpu preset: NVIDIA families on demand, Bottlerocket (its NVIDIA variant runs the device plugin), 100 GiB data volume, taint, GPU limit", () => {
        const pool = parsed("dev", withPools({ name: "gpu", preset: "gpu", limits: { cpu: "64", memory: "256Gi", "nvidia.com/gpu": "8" } })).nodePools[0];
        const np = nodePoolSpec(pool);
        expect(np.spec.limits).to.deep.equal({ cpu: "64", memory: "256Gi", "nvidia.com/gpu": "8" });
        expect(np.spec.template.spec.taints).to.deep.equal([{ key: "nvidia.com/gpu", effect: "NoSchedule" }]);
        expect(np.spec.template.spec.requirements).to.deep.include({ key: "karpenter.k8s.aws/instance-family", operator: "In", values: ["g5", "g6", "g6e", "p4d", "p5"] });
        const nc = ec2NodeClassSpec(pool, { clusterName: "d", nodeRoleName: "r", tags: {} });
        expect(nc.spec!.amiSelectorTerms).to.deep.equal([{ alias: "bottlerocket@latest" }]);
        expect(nc.spec!.blockDeviceMappings!.find((d) => d.rootVolume)!.ebs!.volumeSize).to.equal("100Gi");
        expect(stackWarnings(parsed("dev", withPools({ name: "gpu", preset: "gpu" })))).to.deep.equal([]);
    });

    it("arm64 recipe: Graviton only, tainted kubernetes.io/arch=arm64:NoSchedule", () => {
        const pool = parsed("dev", withPools({ name: "graviton", architectures: ["arm64"], instanceCategories: ["c", "m", "r"], instanceGenerationMin: 7, taints: [{ key: "kubernetes.io/arch", value: "arm64", effect: "NoSchedule" }] })).nodePools[0];
        const np = nodePoolSpec(pool);
        expect(np.spec.template.spec.requirements).to.deep.include({ key: "kubernetes.io/arch", operator: "In", values: ["arm64"] });
        expect(np.spec.template.spec.taints).to.deep.equal([{ key: "kubernetes.io/arch", value: "arm64", effect: "NoSchedule" }]);
    });
});

describe("GPU cost in the README", () => {
    it("states, for each family of the gpu preset, the cheapest and largest on-demand price of Karpenter v1.14.1's price table", () => {
        const prices = new Map<string, number>();
        const fixture = fs.readFileSync(path.resolve(__dirname, "fixtures", "karpenter-gpu-prices.txt"), "utf8");
        for (const m of fixture.matchAll(/"([a-z0-9-]+\.[a-z0-9]+)": ([0-9.]+)/g)) prices.set(m[1], Number(m[2]));
        const readme = fs.readFileSync(path.resolve(__dirname, "..", "README.md"), "utf8");
        const rows = [...readme.matchAll(/^\| ([a-z0-9]+) \| ([a-z0-9.]+) \$([0-9.]+) \| ([a-z0-9.]+) \$([0-9.]+) \|$/gm)];
        expect(rows.map((r) => r[1])).to.deep.equal([...POOL_PRESETS.gpu.instanceFamilies]);
        for (const [, family, cheap, cheapPrice, large, largePrice] of rows) {
            const own = [...prices].filter(([t]) => t.startsWith(`${family}.`)).sort((a, b) => a[1] - b[1]);
            expect([cheap, Number(cheapPrice)], family).to.deep.equal(own[0]);
            expect([large, Number(largePrice)], family).to.deep.equal(own[own.length - 1]);
        }
    });
});

describe("the program with warnings and demoWorkload.enabled", () => {
    it("prints each warning with pulumi.log.warn and creates no demo when demoWorkload.enabled is false", async () => {
        const seen: string[] = [];
        const warn = pulumi.log.warn;
        (pulumi.log as { warn: (m: string) => Promise<void> }).warn = async (m: string) => void seen.push(m);
        try {
            const run = await runStack("dev", { ...noGate, demoWorkload: { enabled: false, replicas: 2 }, nodePools: [{ ...base, capacityTypes: ["spot"], instanceCategories: ["m"], instanceGenerationMin: 7, instanceFamilies: ["m7i"], instanceSizes: ["large"] }] });
            expect(resourcesOfType(run, "kubernetes:apps/v1:Deployment").map((r) => r.name)).to.not.include(`${K}-dev-demo-inflate`);
            expect(resourcesOfType(run, "kubernetes:core/v1:Namespace").map((r) => r.name)).to.not.include(`${K}-dev-demo-namespace`);
        } finally {
            (pulumi.log as { warn: typeof warn }).warn = warn;
        }
        // (The Cluster's warning about adminPrincipalArns is tested in access.spec.ts.)
        expect(seen.filter((m) => !m.startsWith("No adminPrincipalArns"))).to.deep.equal([`${P}: a spot pool matching 1 instance type (m7i.large); spot capacity is found per type and zone, and with fewer than 10 types launches fail or get interrupted more often. Allow more types.`]);
    });

    it("defaults demoWorkload.enabled to true, and to false with an existing cluster", () => {
        expect(parsed("dev").demoWorkload.enabled).to.equal(true);
        const example = (parse(fs.readFileSync(path.resolve(__dirname, "..", "examples", "existing-cluster.yaml"), "utf8")) as { config: Record<string, unknown> }).config;
        const existing = parseStackConfig(stackConfig("existing-cluster", { override: example }));
        expect(existing.demoWorkload.enabled).to.equal(false);
        expect(parseStackConfig(stackConfig("existing-cluster", { override: { ...example, "eks-karpenter:demoWorkload": { enabled: true } } })).demoWorkload.enabled).to.equal(true);
    });
});
