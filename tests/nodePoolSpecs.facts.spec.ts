import { expect } from "chai";
import { POOL_PRESETS } from "../components/nodePools/config";
import { Requirement, nodePoolSpec } from "../components/nodePools/specs";
import { parsed } from "./helpers/scenario";

/**
 * Which instances a NodePool lets Karpenter launch, judged the way Karpenter evaluates requirements
 * (karpenter.sh/v1 NodeSelectorRequirement, Kubernetes node-affinity semantics): every requirement must hold;
 * In/NotIn compare the label's value, Exists/DoesNotExist its presence, Gt/Lt compare it as an integer.
 */
function admits(requirements: Requirement[], labels: Record<string, string>): boolean {
    return requirements.every((r) => {
        const v = labels[r.key];
        const values = r.values ?? [];
        switch (r.operator) {
            case "In":
                return v !== undefined && values.includes(v);
            case "NotIn":
                return v === undefined || !values.includes(v);
            case "Exists":
                return v !== undefined;
            case "DoesNotExist":
                return v === undefined;
            case "Gt":
                return v !== undefined && Number(v) > Number(values[0]);
            case "Lt":
                return v !== undefined && Number(v) < Number(values[0]);
            default:
                throw new Error(`operator ${r.operator} is not a Karpenter operator`);
        }
    });
}

/**
 * The labels Karpenter puts on a node of an EC2 instance type (Karpenter v1.14.1 well-known labels:
 * node.kubernetes.io/instance-type, karpenter.k8s.aws/instance-{category,family,generation,size},
 * kubernetes.io/arch and os, karpenter.sh/capacity-type, topology.kubernetes.io/zone).
 */
function node(instanceType: string, arch: "amd64" | "arm64", capacityType = "on-demand", zone = "us-west-2a"): Record<string, string> {
    const [family, size] = instanceType.split(".");
    return {
        "node.kubernetes.io/instance-type": instanceType,
        "karpenter.k8s.aws/instance-category": family.replace(/[0-9].*$/, ""),
        "karpenter.k8s.aws/instance-family": family,
        "karpenter.k8s.aws/instance-generation": /[0-9]+/.exec(family)![0],
        "karpenter.k8s.aws/instance-size": size,
        "kubernetes.io/arch": arch,
        "kubernetes.io/os": "linux",
        "karpenter.sh/capacity-type": capacityType,
        "topology.kubernetes.io/zone": zone,
    };
}

// On-demand unless a test says otherwise: spot pools must allow 15 types (config's spot-to-spot rule).
const pool = (p: Record<string, unknown>) => parsed("dev", { nodePools: [{ name: "p", capacityTypes: ["on-demand"], limits: { cpu: "10", memory: "40Gi" }, ...p }] }).nodePools[0];
const admitted = (p: Record<string, unknown>, n: Record<string, string>) => admits(nodePoolSpec(pool(p)).spec!.template.spec.requirements, n);

describe("NodePool requirements, evaluated as Karpenter does", () => {
    it("launches only the listed instance types", () => {
        const p = { instanceTypes: ["m6i.large", "c6i.large"] };
        expect(admitted(p, node("m6i.large", "amd64"))).to.equal(true);
        expect(admitted(p, node("c6i.large", "amd64"))).to.equal(true);
        expect(admitted(p, node("m6i.xlarge", "amd64")), "a type not listed").to.equal(false);
    });

    it("launches only the listed capacity types, architectures and zones, and only Linux", () => {
        const p = { capacityTypes: ["on-demand"], architectures: ["arm64"], zones: ["us-west-2b"] };
        expect(admitted(p, node("m7g.large", "arm64", "on-demand", "us-west-2b"))).to.equal(true);
        expect(admitted(p, node("m7g.large", "arm64", "spot", "us-west-2b")), "spot").to.equal(false);
        expect(admitted(p, node("m7i.large", "amd64", "on-demand", "us-west-2b")), "amd64").to.equal(false);
        expect(admitted(p, node("m7g.large", "arm64", "on-demand", "us-west-2a")), "another zone").to.equal(false);
        expect(admitted(p, { ...node("m7g.large", "arm64", "on-demand", "us-west-2b"), "kubernetes.io/os": "windows" }), "Windows").to.equal(false);
    });

    it("launches only the listed categories, families and sizes", () => {
        expect(admitted({ instanceCategories: ["c"] }, node("c7i.large", "amd64"))).to.equal(true);
        expect(admitted({ instanceCategories: ["c"] }, node("m7i.large", "amd64"))).to.equal(false);
        expect(admitted({ instanceFamilies: ["m7i"] }, node("m7i.large", "amd64"))).to.equal(true);
        expect(admitted({ instanceFamilies: ["m7i"] }, node("m6i.large", "amd64"))).to.equal(false);
        expect(admitted({ instanceSizes: ["large"] }, node("m7i.large", "amd64"))).to.equal(true);
        expect(admitted({ instanceSizes: ["large"] }, node("m7i.xlarge", "amd64"))).to.equal(false);
    });

    it("treats instanceGenerationMin n as n or newer", () => {
        const p = { instanceGenerationMin: 6 };
        expect(admitted(p, node("m5.large", "amd64"))).to.equal(false);
        expect(admitted(p, node("m6i.large", "amd64"))).to.equal(true);
        expect(admitted(p, node("m7i.large", "amd64"))).to.equal(true);
    });
});

/** NVIDIA GPU instance families (Amazon EC2 accelerated computing instances); g4ad (AMD), inf*, trn* are not. */
const NVIDIA_FAMILIES = ["g4dn", "g5", "g5g", "g6", "g6e", "gr6", "p3", "p3dn", "p4d", "p4de", "p5", "p5e", "p5en", "p6-b200"];

describe("gpu preset (facts from EC2 and the NVIDIA device plugin)", () => {
    it("launches only NVIDIA GPU families, on demand, tainted with the device plugin's resource name", () => {
        const gpu = pool({ preset: "gpu" });
        expect(POOL_PRESETS.gpu.instanceFamilies).to.not.be.empty;
        expect(NVIDIA_FAMILIES, "every preset family has NVIDIA GPUs").to.include.members([...gpu.instanceFamilies!]);
        expect(gpu.capacityTypes).to.deep.equal(["on-demand"]);
        // The NVIDIA device plugin advertises nvidia.com/gpu; GPU pods tolerate that key.
        expect(gpu.taints).to.deep.include({ key: "nvidia.com/gpu", effect: "NoSchedule" });
        const reqs = nodePoolSpec(gpu).spec!.template.spec.requirements;
        expect(admits(reqs, node("g6.xlarge", "amd64", "on-demand"))).to.equal(true);
        expect(admits(reqs, node("m7i.xlarge", "amd64", "on-demand")), "no GPU").to.equal(false);
        expect(admits(reqs, node("g4ad.xlarge", "amd64", "on-demand")), "AMD GPU").to.equal(false);
    });
});
