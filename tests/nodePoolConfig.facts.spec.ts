import { expect } from "chai";
import { NODE_POOL_DEFAULTS, POOL_PRESETS, poolPath } from "../components/nodePools/config";
import { parsed, problemsOf } from "./helpers/scenario";

// Pool config read through the stack config parser (no program run). Facts: AWS zone names (Regions and Zones:
// "<region><letter>", Local Zones "<region>-<location>-<n><letter>", GovCloud "us-gov-west-1a"); the Karpenter
// v1.14.1 NodePool CRD (consolidation policies, budgets' schedule and duration CEL rule, reasons enum, taint and
// label rules, at most 100 labels); v1beta1 and v1alpha5 names people carry over.

const K = "eks-karpenter";
const base = { name: "p", capacityTypes: ["spot"], limits: { cpu: "10", memory: "40Gi" } };
const pool = (overrides: Record<string, unknown>) => parsed("dev", { nodePools: [{ ...base, ...overrides }] }).nodePools[0];
const problems = (overrides: Record<string, unknown>) => problemsOf("dev", { nodePools: [{ ...base, ...overrides }] });
const at = (key: string) => `${K}:nodePools[0] (p).${key}`;

describe("node pool config: zones of the stack's region", () => {
    it("accepts the region's zones and Local Zones; refuses another region's, a region, capitals", () => {
        expect(pool({ zones: ["us-west-2a", "us-west-2d", "us-west-2-lax-1a"] }).zones).to.deep.equal(["us-west-2a", "us-west-2d", "us-west-2-lax-1a"]);
        expect(problems({ zones: ["us-west-1a", "us-west-2b"] })).to.deep.equal([`${at("zones[0]")}: "us-west-1a" is not a zone of the stack's region us-west-2 (aws:region); zones of us-west-2 look like "us-west-2a".`]);
        // A zone of a region whose name starts with this region's name is still another region's.
        expect(problems({ zones: ["us-west-2-lax-1a", "us-west-22a"] })).to.have.length(1);
        for (const zone of ["us-west-2", "US-west-2a", "us-west-2ab", "usw2-az1", "us-west-2-lax-1"]) {
            expect(problems({ zones: [zone] }), zone).to.deep.equal([`${at("zones[0]")}: got "${zone}"; expected an availability zone such as "us-west-2a", or a Local Zone such as "us-west-2-lax-1a".`]);
        }
    });

    it("knows GovCloud zone names", () => {
        const gov = parsed("dev", { "aws:region": "us-gov-west-1", nodePools: [{ ...base, zones: ["us-gov-west-1a"] }] });
        expect(gov.nodePools[0].zones).to.deep.equal(["us-gov-west-1a"]);
    });
});

describe("node pool config: capacity reservations", () => {
    it("go together with capacity type reserved, both ways", () => {
        expect(problems({ capacityTypes: ["on-demand"], capacityReservationIds: ["cr-0123456789abcdef0"] })).to.deep.equal([
            `${at("capacityReservationIds")}: is only used with capacity type "reserved"; add it to capacityTypes or remove the reservations.`,
        ]);
        expect(problems({ capacityTypes: ["reserved", "on-demand"] })).to.deep.equal([`${at("capacityReservationIds")}: is required with capacity type "reserved": name the reservations the pool may use.`]);
        expect(pool({ capacityTypes: ["reserved", "on-demand"], capacityReservationIds: ["cr-0123456789abcdef0"] }).capacityReservationIds).to.deep.equal(["cr-0123456789abcdef0"]);
    });
});

describe("node pool config: names carried over from older Karpenter APIs get the v1 name", () => {
    it("consolidation policies: v1beta1's WhenUnderutilized, v1.14.1's Balanced (not supported yet), anything else", () => {
        expect(problems({ consolidationPolicy: "WhenUnderutilized" })).to.deep.equal([
            `${at("consolidationPolicy")}: got "WhenUnderutilized"; expected "WhenEmpty" or "WhenEmptyOrUnderutilized". WhenUnderutilized is from Karpenter v1beta1; v1 calls it "WhenEmptyOrUnderutilized".`,
        ]);
        expect(problems({ consolidationPolicy: "Balanced" })[0]).to.match(/^eks-karpenter:nodePools\[0\] \(p\)\.consolidationPolicy: got "Balanced"; expected "WhenEmpty" or "WhenEmptyOrUnderutilized"\. Balanced is valid in Karpenter v1\.14\.1 but not supported here yet/);
        expect(problems({ consolidationPolicy: "WhenIdle" })).to.deep.equal([`${at("consolidationPolicy")}: got "WhenIdle"; expected one of "WhenEmpty", "WhenEmptyOrUnderutilized".`]);
        expect(pool({ consolidationPolicy: "WhenEmpty" }).consolidationPolicy).to.equal("WhenEmpty");
    });

    it("durations given as seconds (older APIs) get the string to write", () => {
        expect(problems({ consolidateAfter: 30 })).to.deep.equal([`${at("consolidateAfter")}: got 30; expected a duration such as "30s", "5m" or "720h", or "Never". Durations are strings with a unit; did you mean "30s"?`]);
        expect(problems({ expireAfter: 2592000 })).to.deep.equal([`${at("expireAfter")}: got 2592000; expected a duration such as "30s", "5m" or "720h", or "Never". Durations are strings with a unit; did you mean "720h"?`]);
        expect(pool({ consolidateAfter: "Never", expireAfter: "Never" })).to.deep.include({ consolidateAfter: "Never", expireAfter: "Never" });
    });

    it("v1alpha5's limits.resources", () => {
        expect(problems({ limits: { cpu: "10", memory: "40Gi", resources: { cpu: "1" } } })).to.deep.equal([
            `${at("limits.resources")}: limits.resources is from Karpenter v1alpha5; in v1 the resources sit directly under limits: { "cpu": "100", "memory": "400Gi" }.`,
        ]);
    });
});

describe("node pool config: limits", () => {
    it("numbers become quantities; accelerators, storage and pods may be limited; negative ones are refused", () => {
        expect(pool({ limits: { cpu: 10, memory: "40Gi", "nvidia.com/gpu": 4, pods: "110" } }).limits).to.deep.equal({ cpu: "10", memory: "40Gi", "nvidia.com/gpu": "4", pods: "110" });
        expect(problems({ limits: { cpu: "10", memory: "40Gi", pods: "-5" } })).to.deep.equal([`${at("limits.pods")}: got "-5"; expected a quantity of zero or more (a negative limit leaves the pool nothing to launch).`]);
        expect(problems({ limits: { cpu: "10", memory: "40 Gi" } })).to.deep.equal([`${at("limits.memory")}: got "40 Gi"; expected a Kubernetes quantity such as "100", "500m", "64G" or "400Gi".`]);
        expect(problems({ limits: { memory: "40Gi" } })).to.deep.equal([`${at("limits.cpu")}: is required: a Kubernetes quantity such as "100", "500m", "64G" or "400Gi".`]);
        expect(problems({ limits: { cpu: "10" } })).to.deep.equal([`${at("limits.memory")}: is required: a Kubernetes quantity such as "100", "500m", "64G" or "400Gi".`]);
        expect(problems({ limits: "100" })).to.deep.equal([`${at("limits")}: got "100"; expected an object with cpu and memory, such as { "cpu": "100", "memory": "400Gi" } (every pool needs a ceiling).`]);
    });
});

describe("node pool config: disruption budgets (NodePool CRD)", () => {
    it("nodes as a number or a string; a schedule needs a duration and a duration a schedule; reasons from the enum, once each", () => {
        expect(pool({ budgets: [{ nodes: 3 }, { nodes: "0", schedule: "0 9 * * 1-5", duration: "8h", reasons: ["Drifted", "Underutilized"] }] }).budgets).to.deep.equal([
            { nodes: "3" },
            { nodes: "0", schedule: "0 9 * * 1-5", duration: "8h", reasons: ["Drifted", "Underutilized"] },
        ]);
        expect(problems({ budgets: [{ nodes: "0", duration: "8h" }] })).to.deep.equal([`${at("budgets[0]")}: 'schedule' must be set with 'duration' (a budget with a schedule applies for a duration).`]);
        expect(problems({ budgets: [{ nodes: "1", reasons: ["Drifted", "Drifted"] }] })).to.deep.equal([`${at("budgets[0].reasons")}: got ["Drifted","Drifted"]; expected a list without duplicates ("Drifted" appears twice).`]);
        expect(problems({ budgets: [{ nodes: "1", reasons: [] }] })).to.deep.equal([`${at("budgets[0].reasons")}: got []; expected a list of 1 to 50 items.`]);
        expect(problems({ budgets: [{ nodes: "1", reasons: ["Expired"] }] })).to.deep.equal([`${at("budgets[0].reasons[0]")}: got "Expired"; expected one of "Underutilized", "Empty", "Drifted".`]);
        expect(problems({ budgets: [5] })).to.deep.equal([`${at("budgets[0]")}: got 5; expected an object such as { "nodes": "10%" }.`]);
        expect(problems({ budgets: [] })).to.deep.equal([`${at("budgets")}: got []; expected a list of 1 to 50 items.`]);
        expect(problems({ budgets: [{ nodes: "1", schedule: "every day", duration: "8h" }] })).to.have.length(1);
        expect(problems({ budgets: [{ nodes: "1", schedule: "@daily", duration: "8 hours" }] })).to.have.length(1);
        expect(problems({ budgets: [{ nodes: "1", when: "@daily" }] })[0]).to.match(/budgets\[0\]\.when: unknown key/);
    });
});

describe("node pool config: taints and labels (NodePool CRD)", () => {
    it("a taint's value is optional; a bad value, effect or shape is named", () => {
        expect(pool({ taints: [{ key: "a", effect: "NoSchedule" }, { key: "b", value: "c", effect: "NoExecute" }] }).taints).to.deep.equal([
            { key: "a", effect: "NoSchedule" },
            { key: "b", value: "c", effect: "NoExecute" },
        ]);
        expect(problems({ taints: [{ key: "a", value: "b c", effect: "NoSchedule" }] })).to.deep.equal([
            `${at("taints[0].value")}: got "b c"; expected a non-empty label value (at most 63 letters, digits, '-', '_' or '.'); leave value out for a taint without one.`,
        ]);
        expect(problems({ taints: ["x"] })).to.deep.equal([`${at("taints[0]")}: got "x"; expected an object such as { "key": "dedicated", "value": "gpu", "effect": "NoSchedule" }.`]);
        expect(problems({ taints: [{ key: "a", effect: "NoSchedule", operator: "Exists" }] })[0]).to.match(/taints\[0\]\.operator: unknown key/);
    });

    it("at most 100 labels", () => {
        const labels = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v"]));
        expect(Object.keys(pool({ labels: labels(100) }).labels)).to.have.length(100);
        expect(problems({ labels: labels(101) })).to.deep.equal([`${at("labels")}: has 101 labels; the NodePool CRD takes at most 100.`]);
    });
});

describe("node pool config: defaults, presets, bounds, the list", () => {
    it("fills every default the pool leaves out", () => {
        const p = pool({});
        expect(p).to.deep.equal({ ...base, ...JSON.parse(JSON.stringify(NODE_POOL_DEFAULTS)) });
        expect(p).to.not.have.any.keys("preset", "instanceTypes", "zones", "weight", "capacityReservationIds", "instanceGenerationMin");
    });

    it("the gpu preset fills what the pool leaves out; what the pool sets wins", () => {
        const gpu = parsed("dev", { nodePools: [{ name: "g", preset: "gpu", limits: { cpu: "10", memory: "40Gi" } }] }).nodePools[0];
        expect(gpu).to.deep.include({ preset: "gpu", capacityTypes: ["on-demand"], instanceFamilies: ["g5", "g6", "g6e", "p4d", "p5"], amiAlias: "bottlerocket@latest", volumeSizeGiB: 100 });
        expect(gpu.taints).to.deep.equal([{ key: "nvidia.com/gpu", effect: "NoSchedule" }]);
        expect(gpu.labels).to.deep.equal(POOL_PRESETS.gpu.labels);
        const own = parsed("dev", { nodePools: [{ name: "g", preset: "gpu", instanceFamilies: ["g6"], volumeSizeGiB: 200, taints: [], limits: { cpu: "10", memory: "40Gi" } }] }).nodePools[0];
        expect(own).to.deep.include({ capacityTypes: ["on-demand"], instanceFamilies: ["g6"], volumeSizeGiB: 200, taints: [], amiAlias: "bottlerocket@latest" });
        expect(problems({ preset: "cpu" })).to.deep.equal([`${at("preset")}: got "cpu"; expected one of "gpu".`]);
    });

    it("bounds: volume 20 to 16384 GiB, generation 1 to 99, weight 1 to 100; terminationGracePeriod takes no Never", () => {
        expect(problems({ volumeSizeGiB: 19 })).to.deep.equal([`${at("volumeSizeGiB")}: got 19; expected an integer from 20 to 16384.`]);
        expect(problems({ instanceGenerationMin: 100 })).to.deep.equal([`${at("instanceGenerationMin")}: got 100; expected an integer from 1 to 99.`]);
        expect(pool({ weight: 1, volumeSizeGiB: 20 })).to.deep.include({ weight: 1, volumeSizeGiB: 20 });
        expect(problems({ terminationGracePeriod: "Never" })).to.deep.equal([`${at("terminationGracePeriod")}: got "Never"; expected a duration such as "30m" or "2h".`]);
    });

    it("the list: at most 20 pools, names unique, each problem named by position and name", () => {
        expect(problemsOf("dev", { nodePools: 5 })).to.deep.equal([`${K}:nodePools: got 5; expected a list.`]);
        const many = Array.from({ length: 21 }, (_, i) => ({ ...base, name: `p${i}` }));
        expect(problemsOf("dev", { nodePools: many })).to.deep.equal([`${K}:nodePools: got ${JSON.stringify(many).slice(0, 117)}...; expected a list of 0 to 20 items.`]);
        expect(problemsOf("dev", { nodePools: [base, { ...base, name: "q", capacityTypes: [] }, "x"] })).to.deep.equal([
            `${K}:nodePools[1] (q).capacityTypes: got []; expected a list of at least 1 item.`,
            `${K}:nodePools[2]: got "x"; expected an object with at least name, capacityTypes and limits.`,
        ]);
        expect(parsed("dev", { nodePools: [] }).nodePools).to.deep.equal([]);
    });

    it("poolPath names a pool by position and, when it has one, by name", () => {
        expect(poolPath("nodePools[0]", { name: "spot" })).to.equal("nodePools[0] (spot)");
        expect(poolPath("nodePools[0]", { name: "" })).to.equal("nodePools[0]");
        expect(poolPath("nodePools[0]", { name: 5 })).to.equal("nodePools[0]");
        expect(poolPath("nodePools[0]", "spot")).to.equal("nodePools[0]");
    });
});

describe("node pool config: names as EC2 writes them (whole value, lower case)", () => {
    const refused = (key: string, values: unknown[], expected: string) => expect(problems({ [key]: values }), `${key} ${JSON.stringify(values)}`).to.deep.equal([`${at(`${key}[0]`)}: got ${JSON.stringify(values[0])}; expected ${expected}.`]);

    it("zones: nothing before or after the zone name; ISO regions' zones as their region is written", () => {
        const zone = 'an availability zone such as "us-west-2a", or a Local Zone such as "us-west-2-lax-1a"';
        for (const z of ["xus-west-2a", "us-west-2a1", "us-west-2-lax-1a-"]) refused("zones", [z], zone);
        // aws:region takes us-iso-east-1 and us-isob-east-1 (components/config.ts REGION); their zones add the letter.
        for (const region of ["us-iso-east-1", "us-isob-east-1"]) {
            expect(parsed("dev", { "aws:region": region, nodePools: [{ ...base, zones: [`${region}a`] }] }).nodePools[0].zones).to.deep.equal([`${region}a`]);
        }
    });

    it("capacity reservation ids: cr- and lower-case hex-like characters, nothing else", () => {
        const cr = 'a capacity reservation id such as "cr-0123456789abcdef0"';
        for (const id of ["xcr-0123456789abcdef0", "cr-0123456789abcdef0 ", "cr-"]) {
            expect(problems({ capacityTypes: ["reserved"], capacityReservationIds: [id] }), id).to.deep.equal([`${at("capacityReservationIds[0]")}: got ${JSON.stringify(id)}; expected ${cr}.`]);
        }
    });

    it("instance types, categories, families and sizes: start with a letter or digit, no other characters", () => {
        for (const t of ["-m7i.large", "m7i.large!", "M7i.large"]) refused("instanceTypes", [t], 'an EC2 instance type such as "m7i.large"');
        for (const c of ["-m", "m!"]) refused("instanceCategories", [c], 'an instance category such as "m"');
        for (const f of ["-m7i", "m7i.", "m7i "]) refused("instanceFamilies", [f], 'an instance family such as "m7i"');
        for (const z of ["-large", "large."]) refused("instanceSizes", [z], 'an instance size such as "large" or "2xlarge"');
    });

    it("lists: at least one entry, each once (NodePool requirement values are a set)", () => {
        for (const key of ["instanceTypes", "instanceFamilies", "zones"]) {
            expect(problems({ [key]: [] }), key).to.deep.equal([`${at(key)}: got []; expected a list of at least 1 item.`]);
        }
        expect(problems({ instanceTypes: ["m7i.large", "m7i.large"] })).to.deep.equal([`${at("instanceTypes")}: got ["m7i.large","m7i.large"]; expected a list without duplicates ("m7i.large" appears twice).`]);
        expect(problems({ capacityTypes: ["spot", "spot"] })).to.deep.equal([`${at("capacityTypes")}: got ["spot","spot"]; expected a list without duplicates ("spot" appears twice).`]);
        expect(problems({ architectures: ["amd64", "amd64"] })).to.deep.equal([`${at("architectures")}: got ["amd64","amd64"]; expected a list without duplicates ("amd64" appears twice).`]);
        expect(problems({ architectures: [] })).to.deep.equal([`${at("architectures")}: got []; expected a list of at least 1 item.`]);
    });
});

describe("node pool config: a problem is named once, at its own key", () => {
    it("catalogue checks wait for the instance settings they read: no second problem from a half-read pool", () => {
        // The type is listed in extraInstanceTypes, whose other entry is refused: only that entry is named.
        expect(problems({ instanceTypes: ["m9z.large"], extraInstanceTypes: ["m9z.large", "M9Z"] })).to.deep.equal([
            `${at("extraInstanceTypes[1]")}: got "M9Z"; expected an instance-type name such as "m9z.large" (family with a generation number, a dot, a size; at most 63 characters).`,
        ]);
        // With spot-to-spot on, a refused capacity type leaves nothing to check the spot rule against.
        expect(problemsOf("dev", { karpenter: { spotToSpotConsolidation: true }, nodePools: [{ ...base, capacityTypes: ["spotty"], instanceTypes: ["m7i.large"] }] })).to.deep.equal([
            `${at("capacityTypes[0]")}: got "spotty"; expected one of "spot", "on-demand", "reserved".`,
        ]);
        expect(problems({ architectures: ["x86_64"], instanceTypes: ["m7g.large"] })).to.deep.equal([`${at("architectures[0]")}: got "x86_64"; expected one of "amd64", "arm64".`]);
        // A refused filter is left out of the catalogue check (which only widens the match), the rest still checked.
        const both = problems({ instanceTypes: ["m7i.large", "M7I"], instanceFamilies: ["m77"] });
        expect(both[0]).to.equal(`${at("instanceTypes[1]")}: got "M7I"; expected an EC2 instance type such as "m7i.large".`);
        expect(both.slice(1)).to.have.length(1).and.satisfy((rest: string[]) => rest[0].startsWith(`${at("instanceFamilies[0]")}: "m77" is not an instance family in the catalogue`));
    });

    it("amiAlias, limits, budgets and taints name the key that is wrong", () => {
        expect(problems({ amiAlias: 5 })).to.deep.equal([`${at("amiAlias")}: got 5; expected a string.`]);
        expect(problems({ limits: { cpu: {}, memory: "40Gi" } })).to.deep.equal([`${at("limits.cpu")}: got {}; expected a Kubernetes quantity such as "100", "500m", "64G" or "400Gi".`]);
        expect(problems({ budgets: [{ nodes: "1", schedule: "every day", duration: "8h" }] })[0]).to.match(/^eks-karpenter:nodePools\[0\] \(p\)\.budgets\[0\]\.schedule: got "every day"; expected /);
        expect(problems({ budgets: [{ nodes: "1", schedule: "@daily", duration: "8 hours" }] })[0]).to.match(/^eks-karpenter:nodePools\[0\] \(p\)\.budgets\[0\]\.duration: got "8 hours"; expected /);
        // Every problem of a budget at once: the schedule rule and a bad nodes value.
        expect(problems({ budgets: [{ nodes: "ten", duration: "8h" }] })).to.have.length(2);
        expect(problems({ taints: [{ key: "a b", effect: "NoSchedule" }] })[0]).to.match(/^eks-karpenter:nodePools\[0\] \(p\)\.taints\[0\]\.key: got "a b"; expected /);
        expect(problems({ labels: { "a b": "c" } })[0]).to.match(/^eks-karpenter:nodePools\[0\] \(p\)\.labels/);
    });

    it("the stack without nodePools has no pools", () => {
        expect(parsed("dev", { nodePools: undefined }).nodePools).to.deep.equal([]);
    });
});
