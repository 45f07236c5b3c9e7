import { expect } from "chai";
import { NodePoolConfig } from "../components/nodePools/config";
import { karpenterSchemaProblems, nodePoolSchemaProblems } from "../components/nodePools/schemas";
import { ec2NodeClassSpec, nodePoolSpec, requirements } from "../components/nodePools/specs";
import { ProgramRun, findResource, resourcesOfType } from "../offline/engine";
import { runStack } from "./helpers/run";
import { parsed, problemsOf } from "./helpers/scenario";
import { shared } from "./helpers/lazy";

const K = "eks-karpenter";

/** A pool with defaults filled, as parseStackConfig returns it. */
function pool(overrides: Record<string, unknown> = {}): NodePoolConfig {
    return parsed("dev", { nodePools: [{ name: "p", capacityTypes: ["spot"], limits: { cpu: "10", memory: "40Gi" }, ...overrides }] }).nodePools[0];
}

describe("NodePools", () => {
    describe("specs (pure)", () => {
        it("turns the instance settings into karpenter.sh/v1 requirements on well-known labels", () => {
            expect(requirements(pool({ capacityTypes: ["on-demand", "spot"], instanceCategories: ["c", "m"], instanceGenerationMin: 6, instanceSizes: ["large"], zones: ["us-west-2a"] }))).to.deep.equal([
                { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand", "spot"] },
                { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
                { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
                { key: "karpenter.k8s.aws/instance-category", operator: "In", values: ["c", "m"] },
                { key: "karpenter.k8s.aws/instance-generation", operator: "Gt", values: ["5"] },
                { key: "karpenter.k8s.aws/instance-size", operator: "In", values: ["large"] },
                { key: "topology.kubernetes.io/zone", operator: "In", values: ["us-west-2a"] },
            ]);
        });

        it("builds the NodePool with limits, disruption, expiry, weight, labels and taints", () => {
            const spec = nodePoolSpec(pool({ weight: 7, labels: { team: "web" }, taints: [{ key: "dedicated", value: "web", effect: "NoSchedule" }] }));
            expect(spec.spec.limits).to.deep.equal({ cpu: "10", memory: "40Gi" });
            expect(spec.spec.disruption).to.deep.equal({ consolidationPolicy: "WhenEmptyOrUnderutilized", consolidateAfter: "1m", budgets: [{ nodes: "10%" }] });
            expect(spec.spec.weight).to.equal(7);
            expect(spec.spec.template.metadata).to.deep.equal({ labels: { team: "web" } });
            expect(spec.spec.template.spec.taints).to.deep.equal([{ key: "dedicated", value: "web", effect: "NoSchedule" }]);
            expect(spec.spec.template.spec.expireAfter).to.equal("720h");
            expect(spec.spec.template.spec.nodeClassRef).to.deep.equal({ group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "p" });
        });

        it("builds the EC2NodeClass: node role, discovery by tag, IMDSv2 with hop limit 1, an encrypted gp3 root volume, tags", () => {
            const nodeClass = ec2NodeClassSpec(pool({ volumeSizeGiB: 50, tags: { team: "web" } }), { clusterName: "demo", nodeRoleName: "demo-karpenter-node", tags: { owner: "x" } });
            expect(nodeClass.spec).to.deep.equal({
                role: "demo-karpenter-node",
                amiSelectorTerms: [{ alias: "al2023@latest" }],
                subnetSelectorTerms: [{ tags: { "karpenter.sh/discovery": "demo" } }],
                securityGroupSelectorTerms: [{ tags: { "karpenter.sh/discovery": "demo" } }],
                metadataOptions: { httpEndpoint: "enabled", httpProtocolIPv6: "disabled", httpPutResponseHopLimit: 1, httpTokens: "required" },
                blockDeviceMappings: [{ deviceName: "/dev/xvda", rootVolume: true, ebs: { volumeSize: "50Gi", volumeType: "gp3", encrypted: true, deleteOnTermination: true } }],
                tags: { owner: "x", team: "web" },
            });
        });

        it("gives Bottlerocket its small OS volume and sizes the data volume, both encrypted", () => {
            const devices = ec2NodeClassSpec(pool({ amiAlias: "bottlerocket@latest" }), { clusterName: "demo", nodeRoleName: "r", tags: {} }).spec!.blockDeviceMappings!;
            expect(devices.map((d) => [d.deviceName, d.ebs?.volumeSize, d.ebs?.encrypted, d.rootVolume ?? false])).to.deep.equal([
                ["/dev/xvda", "4Gi", true, false],
                ["/dev/xvdb", "20Gi", true, true],
            ]);
        });

        it("passes the Karpenter schemas for every pool of both stacks", async () => {
            for (const stack of ["dev", "prod"]) expect(await nodePoolSchemaProblems(parsed(stack)), stack).to.deep.equal([]);
        });

        it("reports what the Karpenter schemas reject, naming the source, object and field", async () => {
            const spec = nodePoolSpec(pool());
            spec.spec.disruption!.consolidationPolicy = "WhenIdle" as never;
            expect(await karpenterSchemaProblems([{ source: `${K}:nodePools[0]`, object: spec }])).to.deep.equal([
                `${K}:nodePools[0]: NodePool "p" spec.disruption.consolidationPolicy must be equal to one of the allowed values (schema of karpenter.sh/v1).`,
            ]);
        });
    });

    describe("config: bad pools fail clearly", () => {
        const base = { name: "p", capacityTypes: ["spot"], limits: { cpu: "10", memory: "40Gi" } };
        const cases: Array<[string, Record<string, unknown>, string]> = [
            ["no limits", { limits: undefined }, `${K}:nodePools[0] (p).limits: got nothing; expected an object with cpu and memory, such as { "cpu": "100", "memory": "400Gi" } (every pool needs a ceiling).`],
            ["capacity type", { capacityTypes: ["preemptible"] }, `${K}:nodePools[0] (p).capacityTypes[0]: got "preemptible"; expected one of "spot", "on-demand", "reserved".`],
            ["name", { name: "Spot_Pool" }, `${K}:nodePools[0] (Spot_Pool).name: got "Spot_Pool"; expected lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 63 characters (it is also the karpenter.sh/nodepool label value).`],
            [
                "AMI alias family",
                { amiAlias: "ubuntu@latest" },
                `${K}:nodePools[0] (p).amiAlias: got "ubuntu@latest"; expected "<family>@<version>" with family al2023 or bottlerocket and version "latest" or a release such as "v20260801" (al2023) or "v1.40.0" (bottlerocket); "ubuntu" is no AMI family Karpenter knows.`,
            ],
            ["restricted label domain", { labels: { "karpenter.k8s.aws/instance-family": "m5" } }, `${K}:nodePools[0] (p).labels.karpenter.k8s.aws/instance-family: label "karpenter.k8s.aws/instance-family" describes the instance: select instances with the pool's instance* keys instead (a label that disagrees with them leaves the pool nothing to launch).`],
            ["restricted label", { labels: { "kubernetes.io/hostname": "x" } }, `${K}:nodePools[0] (p).labels.kubernetes.io/hostname: label "kubernetes.io/hostname" is restricted (Karpenter CRD).`],
            ["tag key with the reserved prefix in capitals", { tags: { "AWS:team": "x" } }, `${K}:nodePools[0] (p).tags key: got "AWS:team"; expected a tag key of 1 to 127 letters, digits, spaces or _.:/=+-@, not starting with "aws:" in any letter case.`],
            ["restricted tag", { tags: { "karpenter.sh/nodepool": "x" } }, `${K}:nodePools[0] (p).tags.karpenter.sh/nodepool: tag "karpenter.sh/nodepool" is set by Karpenter and cannot be overridden (Karpenter CRD).`],
            ["budget schedule without duration", { budgets: [{ nodes: "0", schedule: "@daily" }] }, `${K}:nodePools[0] (p).budgets[0]: 'schedule' must be set with 'duration' (a budget with a schedule applies for a duration).`],
            ["budget nodes", { budgets: [{ nodes: "150%" }] }, `${K}:nodePools[0] (p).budgets[0].nodes: got "150%"; expected a node count or a percentage such as "10%".`],
            ["weight", { weight: 0 }, `${K}:nodePools[0] (p).weight: got 0; expected an integer from 1 to 100.`],
            ["expireAfter", { expireAfter: "30d" }, `${K}:nodePools[0] (p).expireAfter: got "30d"; expected a duration such as "30s", "5m" or "720h", or "Never".`],
            ["taint effect", { taints: [{ key: "a", effect: "NoExec" }] }, `${K}:nodePools[0] (p).taints[0].effect: got "NoExec"; expected one of "NoSchedule", "PreferNoSchedule", "NoExecute".`],
            ["typo in a pool key", { instanceType: ["m5.large"] }, `${K}:nodePools[0] (p).instanceType: unknown key; did you mean "instanceTypes"? Known keys: name, preset, capacityTypes, instanceTypes, extraInstanceTypes, instanceCategories, instanceFamilies, instanceGenerationMin, instanceSizes, architectures, zones, capacityReservationIds, limits, consolidationPolicy, consolidateAfter, budgets, expireAfter, terminationGracePeriod, weight, labels, taints, amiAlias, volumeSizeGiB, tags.`],
        ];
        for (const [title, overrides, message] of cases) {
            it(title, () => expect(problemsOf("dev", { nodePools: [{ ...base, ...overrides }] })).to.deep.equal([message]));
        }

        it("requires capacity reservations with capacity type reserved, and selects them in the EC2NodeClass", () => {
            expect(problemsOf("dev", { nodePools: [{ ...base, capacityTypes: ["reserved", "on-demand"] }] })).to.deep.equal([
                `${K}:nodePools[0] (p).capacityReservationIds: is required with capacity type "reserved": name the reservations the pool may use.`,
            ]);
            const reserved = pool({ capacityTypes: ["reserved", "on-demand"], capacityReservationIds: ["cr-0123456789abcdef0"] });
            expect(ec2NodeClassSpec(reserved, { clusterName: "demo", nodeRoleName: "r", tags: {} }).spec!.capacityReservationSelectorTerms).to.deep.equal([{ id: "cr-0123456789abcdef0" }]);
        });

        it("keeps the system node group's label off Karpenter nodes", () => {
            expect(problemsOf("dev", { nodePools: [{ ...base, labels: { "eks-karpenter/node-group": "system" } }] })).to.deep.equal([
                `${K}:nodePools[0] (p).labels.eks-karpenter/node-group: label "eks-karpenter/node-group" marks the system node group; Karpenter nodes must not carry it.`,
            ]);
        });

        it("rejects two pools of the same name", () => {
            expect(problemsOf("dev", { nodePools: [base, base] })).to.deep.equal([`${K}:nodePools[1] (p).name: "p" is used by another pool; NodePool names must be unique.`]);
        });

        it("rejects a Karpenter version too old for the Kubernetes version (upstream compatibility matrix)", () => {
            expect(problemsOf("dev", { karpenter: { version: "1.12.0" } })).to.deep.equal([
                `${K}:karpenter.version: Karpenter 1.12.0 does not support Kubernetes 1.36; use 1.13.0 or newer (upstream compatibility matrix).`,
            ]);
        });
    });

    describe("stack presets", () => {
        it("dev: one spot-only pool with at least ten instance types eligible, latest AMI, low limits, fast consolidation", () => {
            const [spot, ...rest] = parsed("dev").nodePools;
            expect(rest).to.deep.equal([]);
            expect(spot.capacityTypes).to.deep.equal(["spot"]);
            expect(spot.instanceTypes!.length).to.be.at.least(10);
            expect(spot.amiAlias).to.equal("al2023@latest");
            expect(Number(spot.limits.cpu)).to.be.at.most(32);
            expect(spot.consolidationPolicy).to.equal("WhenEmptyOrUnderutilized");
        });

        it("prod: an on-demand baseline and a spot pool weighted above it, current generations, a pinned AMI, disruption budgets", () => {
            const pools = parsed("prod").nodePools;
            const onDemand = pools.find((p) => p.capacityTypes.join() === "on-demand")!;
            const spot = pools.find((p) => p.capacityTypes.join() === "spot")!;
            expect(spot.weight!).to.be.above(onDemand.weight!);
            for (const p of [onDemand, spot]) {
                expect(p.amiAlias).to.match(/^al2023@v[0-9]{8}$/);
                expect(p.instanceGenerationMin).to.be.at.least(6);
                expect(p.budgets[0]).to.deep.equal({ nodes: "10%" });
                expect(p.expireAfter).to.not.equal("Never");
            }
        });
    });

    describe("component (through the dev stack)", () => {
        let dev: ProgramRun;
        const build = shared(() => runStack("dev"));
        beforeEach(async () => {
            dev = await build();
        });

        it("registers the EC2NodeClass and NodePool with the node role's name, after both Karpenter releases", () => {
            const nodeClass = findResource(dev, "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", "eks-karpenter-dev-pools-spot-nodeclass");
            const nodePool = findResource(dev, "kubernetes:karpenter.sh/v1:NodePool", "eks-karpenter-dev-pools-spot");
            const nodeRole = findResource(dev, "aws:iam/role:Role", "eks-karpenter-dev-karpenter-node");
            expect((nodeClass.inputs.spec as { role: string }).role).to.equal(nodeRole.state.name);
            const releases = resourcesOfType(dev, "kubernetes:helm.sh/v3:Release").map((r) => r.urn);
            for (const r of [nodeClass, nodePool]) expect(r.dependencies).to.include.members(releases);
            expect(nodePool.dependencies).to.include(nodeClass.urn);
            expect(nodePool.inputs).to.deep.include({ apiVersion: "karpenter.sh/v1", kind: "NodePool" });
            expect(nodePool.provider).to.match(/pulumi:providers:kubernetes::eks-karpenter-dev-k8s::/);
        });
    });
});
