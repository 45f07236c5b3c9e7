import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { ChangePlan, PlannedResource, ResourceChange, planChange } from "../offline/change";
import { nodeImpacts } from "../offline/drift";
import { runProgram } from "../offline/engine";
import { resourcesDocument } from "../offline/render";
import { SharedRun, sharedRun } from "./helpers/sharedRuns";
import { REPLACEMENT_RULES } from "../offline/replacement";
import { stackConfig } from "../offline/stackFiles";
import { shared } from "./helpers/lazy";

const ROOT = path.resolve(__dirname, "..");
const K = "eks-karpenter";

/** A stack file's config with some keys replaced (project keys without namespace). */
function stackFile(file: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const config = { ...((parse(fs.readFileSync(path.join(ROOT, file), "utf8")) as { config: Record<string, unknown> }).config) };
    for (const [key, value] of Object.entries(overrides)) config[key.includes(":") ? key : `${K}:${key}`] = value;
    return config;
}

async function resources(stack: string, override?: Record<string, unknown>): Promise<PlannedResource[]> {
    // Serialization stays on: the SDK caches a provider's serialized text per provider object, and later specs
    // check the real text.
    const run = await runProgram(stackConfig(stack, override ? { override } : {}));
    return resourcesDocument(run) as PlannedResource[];
}

const devBase = () => stackFile("Pulumi.dev.yaml");
const named = (plan: ChangePlan, name: string, type?: string): ResourceChange => {
    const c = plan.changes.find((x) => x.name === name && (!type || x.type === type));
    if (!c) throw new Error(`no change for ${name}; changes: ${plan.changes.map((x) => x.name).join(", ")}`);
    return c;
};

describe("day-2 change plan (npm run plan -- <stack> --from ...)", () => {
    let dev: PlannedResource[];
    // The stack files as they are: the runs other specs of this worker share (tests/helpers/sharedRuns.ts).
    const document = async (kind: SharedRun) => resourcesDocument(await sharedRun(kind)) as PlannedResource[];
    const build = shared(() => document("dev"));
    beforeEach(async () => {
        dev = await build();
    });

    it("has a replacement rule, with its source, for every resource type the program registers (dev, prod, pr, existing cluster)", async () => {
        // One after the other: Pulumi's mocks and config are process-wide.
        const others = [await document("prod"), await resources("pr"), await document("existingCluster")];
        const types = [...new Set([dev, ...others].flat().filter((r) => r.custom || r.remote).map((r) => r.type))].sort();
        expect(types.filter((t) => !REPLACEMENT_RULES[t])).to.deep.equal([]);
        expect(Object.values(REPLACEMENT_RULES).every((r) => r.source.length > 0)).to.equal(true);
    });

    it("an unchanged config plans no change", () => {
        expect(planChange(dev, dev).changes).to.deep.equal([]);
    });

    it("iam.path: every role and controller policy is replaced delete-first (a fixed name cannot exist twice); nothing fails", async () => {
        // Failed before: the two Karpenter roles and six policies were replaced create-first under their fixed
        // names, which IAM refuses with EntityAlreadyExists.
        const plan = planChange(dev, await resources("dev", stackFile("Pulumi.dev.yaml", { iam: { path: "/eks/" } })));
        expect(plan.findings.filter((f) => f.level === "error")).to.deep.equal([]);
        for (const name of ["karpenter-node", "karpenter-controller", "karpenter-NodeLifecycle", "karpenter-IAMIntegration", "karpenter-EKSIntegration", "karpenter-Interruption", "karpenter-ZonalShift", "karpenter-ResourceDiscovery"]) {
            const c = named(plan, `${K}-dev-${name}`, name.startsWith("karpenter-N") || name.includes("Integration") || name.includes("Interruption") || name.includes("Zonal") || name.includes("Resource") ? "aws:iam/policy:Policy" : "aws:iam/role:Role");
            expect([c.action, c.order, c.replaceBecause[0]], name).to.deep.equal(["replace", "delete-first", "path"]);
        }
        // What a delete-first role takes down with it: its attachments and the access entry that names its ARN.
        expect(named(plan, `${K}-dev-karpenter-node`, "aws:iam/role:Role").new!.options.deleteBeforeReplace).to.equal(true);
        expect(named(plan, `${K}-dev-karpenter-EKSIntegration`).replaceBecause).to.have.length(1);
        const warning = plan.findings.find((f) => f.resource === `${K}-dev-karpenter-node` && f.message.includes("AccessEntry"))!;
        expect(warning.message).to.include(`${K}-dev-karpenter-node (AccessEntry)`);
        // The system node role is auto-named: replaced create-first, and the node group (nodeRoleArn) with it.
        expect([named(plan, `${K}-dev-system-node`).order, named(plan, `${K}-dev-system`, "aws:eks/nodeGroup:NodeGroup").action]).to.deep.equal(["create-first", "replace"]);
        expect(plan.clusterReplaced).to.equal(false);
    });

    it("system node group: raising minSize (with desiredSize) updates the group; EKS's min ≤ desired holds because desiredSize is sent", async () => {
        // Failed before: desiredSize was in ignoreChanges, so the deployed desiredSize 1 was sent with minSize 2:
        // "Minimum capacity 2 can't be greater than desired size 1".
        const bigger = { ...(devBase()[`${K}:systemNodeGroup`] as object), minSize: 2, desiredSize: 2, maxSize: 3 };
        const plan = planChange(dev, await resources("dev", stackFile("Pulumi.dev.yaml", { systemNodeGroup: bigger })));
        const ng = named(plan, `${K}-dev-system`, "aws:eks/nodeGroup:NodeGroup");
        expect([ng.action, ng.changed]).to.deep.equal(["update", ["scalingConfig.desiredSize", "scalingConfig.maxSize", "scalingConfig.minSize"]]);
        expect(plan.findings).to.deep.equal([]);
    });

    it("the sizing check itself: with desiredSize ignored, a minimum above the deployed desired size is refused as EKS refuses it", () => {
        const ng = dev.find((r) => r.type === "aws:eks/nodeGroup:NodeGroup")!;
        const after = { ...ng, inputs: { ...ng.inputs, scalingConfig: { minSize: 3, desiredSize: 3, maxSize: 4 } }, options: { ...ng.options, ignoreChanges: ["scalingConfig.desiredSize"] } };
        const plan = planChange([ng], [after]);
        expect(plan.findings.map((f) => f.message)).to.deep.equal([
            `minSize 3 with desiredSize 1 (desiredSize is in ignoreChanges, so the deployed value is sent): EKS refuses it ("Minimum capacity 3 can't be greater than desired size 1").`,
        ]);
    });

    it("kubernetesVersion bump (1.35 → 1.36): the control plane and the system node group are updated in place, nothing replaced", async () => {
        const plan = planChange(await resources("dev", stackFile("Pulumi.dev.yaml", { kubernetesVersion: "1.35" })), dev);
        expect(plan.changes.filter((c) => c.action !== "update")).to.deep.equal([]);
        expect(named(plan, `${K}-dev-eks`).changed).to.include("version");
        expect(named(plan, `${K}-dev-system`, "aws:eks/nodeGroup:NodeGroup").changed).to.include("version");
        expect(plan.findings.filter((f) => f.level === "error")).to.deep.equal([]);
        // dev selects al2023@latest: after the upgrade the alias resolves to the new version's AMI.
        expect(nodeImpacts(plan.changes, plan.after).map((i) => [i.kind, i.name, i.replaces])).to.deep.equal([["EC2NodeClass", "spot", "all"]]);
    });

    it("a NodePool edit updates the NodePool object only, and says its nodes drift", async () => {
        const pools = devBase()[`${K}:nodePools`] as Array<Record<string, unknown>>;
        const plan = planChange(dev, await resources("dev", stackFile("Pulumi.dev.yaml", { nodePools: [{ ...pools[0], expireAfter: "72h" }] })));
        expect(plan.changes.map((c) => [c.action, c.name])).to.deep.equal([["update", `${K}-dev-pools-spot`]]);
        expect(named(plan, `${K}-dev-pools-spot`).changed).to.deep.equal(["spec.template.spec.expireAfter"]);
        expect(nodeImpacts(plan.changes, plan.after).map((i) => [i.name, i.replaces])).to.deep.equal([["spot", "all"]]);
    });

    it("a cluster rename deletes and recreates everything, and says so first and loudly", async () => {
        const plan = planChange(dev, await resources("dev", stackFile("Pulumi.dev.yaml", { clusterName: "renamed" })));
        expect(plan.clusterReplaced).to.equal(true);
        expect(plan.findings[0].level).to.equal("error");
        expect(plan.findings[0].message).to.match(/^THE EKS CLUSTER IS DELETED AND CREATED AGAIN/);
        const kept = plan.changes.filter((c) => c.action === "update" || c.action === "replace").map((c) => c.type);
        expect(plan.changes.filter((c) => c.action === "delete")).to.have.length(dev.length - 1 - kept.length);
        expect(kept).to.deep.equal(["pulumi:providers:aws"].filter((t) => kept.includes(t)));
    });
});
