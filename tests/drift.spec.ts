import { expect } from "chai";
import { PlannedResource, planChange } from "../offline/change";
import { drainPace, nodeImpacts } from "../offline/drift";

// Facts: Karpenter v1.14.1 website/content/en/v1.14/concepts/disruption.md ("Drift", "Behavioral Fields",
// "NodePool Disruption Budgets") and pkg/apis/v1/ec2nodeclass.go (`hash:"ignore"` fields, EC2NodeClass.Hash).

const OPTIONS = { ignoreChanges: [], replaceOnChanges: [], protect: false };
function object(type: string, name: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): PlannedResource {
    return { urn: `urn:${type}::${name}`, type, name, custom: true, remote: false, inputs: { metadata: { name, ...metadata }, spec }, options: OPTIONS, propertyDependencies: {} };
}
const POOL = "kubernetes:karpenter.sh/v1:NodePool";
const CLASS = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass";
const poolSpec = (over: Record<string, any> = {}) => ({
    template: {
        metadata: { labels: { team: "a" } },
        spec: {
            nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "spot" },
            requirements: [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] }, { key: "node.kubernetes.io/instance-type", operator: "In", values: ["m5.large", "m6i.large"] }],
            expireAfter: "168h",
            ...(over.templateSpec ?? {}),
        },
        ...(over.template ?? {}),
    },
    disruption: { consolidationPolicy: "WhenEmptyOrUnderutilized", consolidateAfter: "30s", budgets: [{ nodes: "10%" }], ...(over.disruption ?? {}) },
    limits: { cpu: "16" },
});
const classSpec = (over: Record<string, unknown> = {}) => ({ role: "node-role", amiSelectorTerms: [{ alias: "al2023@v20260901" }], subnetSelectorTerms: [{ tags: { "karpenter.sh/discovery": "c" } }], ...over });

function impacts(before: PlannedResource[], after: PlannedResource[]) {
    const plan = planChange(before, after);
    return nodeImpacts(plan.changes, plan.after).map((i) => ({ name: i.name, replaces: i.replaces, pace: i.pace }));
}
const pool = (spec = poolSpec(), meta = {}) => object(POOL, "spot", spec, meta);
const nodeClass = (spec = classSpec()) => object(CLASS, "spot", spec);

describe("impact of NodePool and EC2NodeClass changes on running nodes (Karpenter drift)", () => {
    it("a changed AMI alias: nodes drift once the alias resolves to another AMI (amiSelectorTerms are checked dynamically, not hashed)", () => {
        expect(impacts([pool(), nodeClass()], [pool(), nodeClass(classSpec({ amiSelectorTerms: [{ alias: "al2023@v20261001" }] }))])).to.deep.equal([
            { name: "spot", replaces: "resolved", pace: "spot: at most 10% of the pool's nodes at a time" },
        ]);
    });

    it("a hashed EC2NodeClass field (tags) drifts every node of every pool using the class", () => {
        expect(impacts([pool(), nodeClass()], [pool(), nodeClass(classSpec({ tags: { team: "b" } }))])[0].replaces).to.equal("all");
    });

    it("a changed requirement: narrowing drifts the nodes that no longer match; widening drifts none", () => {
        const narrowed = poolSpec({ templateSpec: { requirements: [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] }, { key: "node.kubernetes.io/instance-type", operator: "In", values: ["m5.large"] }] } });
        const widened = poolSpec({ templateSpec: { requirements: [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["spot", "on-demand"] }, { key: "node.kubernetes.io/instance-type", operator: "In", values: ["m5.large", "m6i.large"] }] } });
        expect(impacts([pool()], [pool(narrowed)]).map((i) => i.replaces)).to.deep.equal(["some"]);
        expect(impacts([pool()], [pool(widened)]).map((i) => i.replaces)).to.deep.equal(["none"]);
    });

    it("a changed budget is a behavioral field: no drift", () => {
        expect(impacts([pool()], [pool(poolSpec({ disruption: { budgets: [{ nodes: "1" }] } }))]).map((i) => i.replaces)).to.deep.equal(["none"]);
    });

    it("a label-only change: a template label drifts every node (nodepool-hash); a label on the NodePool object drifts none", () => {
        expect(impacts([pool()], [pool(poolSpec({ template: { metadata: { labels: { team: "b" } } } }))]).map((i) => i.replaces)).to.deep.equal(["all"]);
        expect(impacts([pool()], [pool(poolSpec(), { labels: { owner: "x" } })]).map((i) => i.replaces)).to.deep.equal(["none"]);
    });

    it("pace: the minimum of the budgets for Drifted (or without reasons); a scheduled budget of 0 blocks drift in its window", () => {
        const spec = poolSpec({ disruption: { budgets: [{ nodes: "20%", reasons: ["Empty", "Drifted"] }, { nodes: "5" }, { nodes: "0", schedule: "0 9 * * mon-fri", duration: "8h" }, { nodes: "0", reasons: ["Underutilized"] }] } });
        expect(drainPace(pool(spec))).to.equal('at most 20% and 5 of the pool\'s nodes at a time; blocked during "0 9 * * mon-fri" for 8h');
        expect(drainPace(pool(poolSpec({ disruption: { budgets: [{ nodes: "0" }] } })))).to.equal("BLOCKED: a budget allows 0 drifted nodes at any time");
    });
});
