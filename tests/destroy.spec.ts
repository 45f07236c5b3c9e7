import { expect } from "chai";
import { deleteTimeout, durationSeconds, nodePoolSpec } from "../components/nodePools/specs";
import { ProgramRun, RecordedResource, findResource, resourcesOfType } from "../offline/engine";
import { simulate } from "./helpers/iam";
import { sharedRun } from "./helpers/sharedRuns";
import { parsed, problemsOf } from "./helpers/scenario";

/** Whether `a` depends on `b`, directly or through other resources: Pulumi then deletes `a` before `b`. */
function dependsOn(run: ProgramRun, a: RecordedResource, b: RecordedResource): boolean {
    const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
    const seen = new Set<string>();
    const stack = [...a.dependencies];
    while (stack.length > 0) {
        const urn = stack.pop()!;
        if (urn === b.urn) return true;
        if (seen.has(urn)) continue;
        seen.add(urn);
        stack.push(...(byUrn.get(urn)?.dependencies ?? []));
    }
    return false;
}

describe("destroy order (from the recorded resource graph)", () => {
    let run: ProgramRun;
    beforeEach(async () => {
        run = await sharedRun("prod");
    });

    it("deletes demo workload → NodePools → EC2NodeClasses → controller → CRDs → cleanup sweep → system node group → ENI sweep → cluster → network", () => {
        const C = "eks-karpenter-prod";
        const chain: RecordedResource[] = [
            findResource(run, "kubernetes:apps/v1:Deployment", `${C}-demo-inflate`),
            findResource(run, "kubernetes:karpenter.sh/v1:NodePool", `${C}-pools-spot`),
            findResource(run, "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", `${C}-pools-spot-nodeclass`),
            findResource(run, "kubernetes:helm.sh/v3:Release", `${C}-karpenter-controller`),
            findResource(run, "kubernetes:helm.sh/v3:Release", `${C}-karpenter-crd`),
            findResource(run, "pulumi-nodejs:dynamic:Resource", `${C}-karpenter-cleanup`),
            findResource(run, "aws:eks/nodeGroup:NodeGroup", `${C}-system`),
            findResource(run, "pulumi-nodejs:dynamic:Resource", `${C}-eni-cleanup`),
            findResource(run, "eks:index:Cluster", `${C}-eks`),
            findResource(run, "awsx:ec2:Vpc", `${C}-vpc`),
        ];
        for (let i = 0; i + 1 < chain.length; i++) {
            expect(dependsOn(run, chain[i], chain[i + 1]), `${chain[i].name} is deleted before ${chain[i + 1].name}`).to.equal(true);
            expect(dependsOn(run, chain[i + 1], chain[i]), `no cycle between ${chain[i].name} and ${chain[i + 1].name}`).to.equal(false);
        }
    });

    it("keeps the controller running until every NodePool and EC2NodeClass is gone, with DNS and Pod Identity still there", () => {
        const controller = findResource(run, "kubernetes:helm.sh/v3:Release", "eks-karpenter-prod-karpenter-controller");
        for (const r of [...resourcesOfType(run, "kubernetes:karpenter.sh/v1:NodePool"), ...resourcesOfType(run, "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass")]) {
            expect(dependsOn(run, r, controller), r.name).to.equal(true);
        }
        // pulumi-eks's kube-proxy and vpc-cni add-ons (modelled children) have `preserve: true` (v4.3.0 cluster.ts,
        // addons/cni-addon.ts): deleting them leaves the software running.
        for (const addon of resourcesOfType(run, "aws:eks/addon:Addon").filter((a) => !a.modelled)) expect(dependsOn(run, controller, addon), addon.name).to.equal(true);
        expect(dependsOn(run, controller, findResource(run, "aws:eks/podIdentityAssociation:PodIdentityAssociation", "eks-karpenter-prod-karpenter-controller"))).to.equal(true);
    });

    it("serializes both sweeps into their resources, with the stack's cluster, region and timeout", () => {
        for (const [name, step] of [
            ["eks-karpenter-prod-karpenter-cleanup", "karpenter"],
            ["eks-karpenter-prod-eni-cleanup", "networkInterfaces"],
        ]) {
            const cleanup = findResource(run, "pulumi-nodejs:dynamic:Resource", name);
            expect(cleanup.inputs).to.deep.include({ clusterName: "eks-karpenter-prod", region: "us-west-2", timeoutSeconds: 900, step });
            expect(cleanup.inputs.__provider, "the provider is serialized into the resource").to.be.a("string").and.include("exports.handler");
        }
    });

    it("deletes the Karpenter node role only after the sweep (Karpenter's instance profiles hold it until then)", () => {
        const role = findResource(run, "aws:iam/role:Role", "eks-karpenter-prod-karpenter-node");
        expect(dependsOn(run, findResource(run, "pulumi-nodejs:dynamic:Resource", "eks-karpenter-prod-karpenter-cleanup"), role)).to.equal(true);
    });
});

describe("drains that end (terminationGracePeriod) and deletes that wait for them (customTimeouts)", () => {
    let run: ProgramRun;
    beforeEach(async () => {
        run = await sharedRun("prod");
    });

    it("gives every NodePool a terminationGracePeriod of 30m by default", () => {
        for (const pool of resourcesOfType(run, "kubernetes:karpenter.sh/v1:NodePool")) {
            expect((pool.inputs.spec as { template: { spec: { terminationGracePeriod?: string } } }).template.spec.terminationGracePeriod, pool.name).to.equal("30m");
        }
    });

    it("waits for NodePool and EC2NodeClass deletes as long as the drain may take plus 15 minutes (the provider's own wait is 10 minutes)", () => {
        const objects = [...resourcesOfType(run, "kubernetes:karpenter.sh/v1:NodePool"), ...resourcesOfType(run, "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass")];
        expect(objects.length).to.be.greaterThan(1);
        for (const r of objects) expect(r.deleteTimeout, r.name).to.equal("45m");
    });

    it("follows the pool's own terminationGracePeriod (pure builders)", () => {
        const [pool] = parsed("dev", { nodePools: [{ name: "long", capacityTypes: ["on-demand"], limits: { cpu: "10", memory: "40Gi" }, terminationGracePeriod: "2h30m" }] }).nodePools;
        expect(nodePoolSpec(pool).spec.template.spec.terminationGracePeriod).to.equal("2h30m");
        expect(deleteTimeout(pool)).to.equal("165m");
        expect(durationSeconds("1h1m1s")).to.equal(3661);
    });

    it("refuses what the NodePool CRD refuses (pattern ^([0-9]+(s|m|h))+$: no days, no Never)", () => {
        const pool = (terminationGracePeriod: unknown) => ({ nodePools: [{ name: "p", capacityTypes: ["spot"], limits: { cpu: "10", memory: "40Gi" }, terminationGracePeriod }] });
        for (const bad of ["Never", "2d", "30", ""]) {
            expect(problemsOf("dev", pool(bad)), bad).to.deep.equal([`eks-karpenter:nodePools[0] (p).terminationGracePeriod: got ${JSON.stringify(bad)}; expected a duration such as "30m" or "2h".`]);
        }
    });
});

describe("interruption handling end to end (dev stack)", () => {
    it("hands the queue's name to the chart, lets the controller role receive and delete from exactly that queue, and points every rule at it", async () => {
        const run = await sharedRun("dev");
        const queue = findResource(run, "aws:sqs/queue:Queue", "eks-karpenter-dev-karpenter-interruption");
        const release = findResource(run, "kubernetes:helm.sh/v3:Release", "eks-karpenter-dev-karpenter-controller");
        expect((release.inputs.values as { settings: { interruptionQueue: string } }).settings.interruptionQueue).to.equal(queue.state.name);

        const role = findResource(run, "aws:iam/role:Role", "eks-karpenter-dev-karpenter-controller");
        const attachedArns = resourcesOfType(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => a.inputs.role === role.state.name).map((a) => a.inputs.policyArn);
        const documents = Object.fromEntries(
            resourcesOfType(run, "aws:iam/policy:Policy")
                .filter((p) => attachedArns.includes(p.state.arn))
                .map((p) => [String(p.state.name), JSON.parse(p.inputs.policy as string)]),
        );
        for (const action of ["sqs:ReceiveMessage", "sqs:DeleteMessage"]) {
            expect(await simulate(documents, { action, resource: String(queue.state.arn) }), `${action} on its queue`).to.equal("Allowed");
            expect(await simulate(documents, { action, resource: String(queue.state.arn).replace(/:[^:]+$/, ":another-queue") }), `${action} elsewhere`).to.equal("ImplicitlyDenied");
        }
        const targets = resourcesOfType(run, "aws:cloudwatch/eventTarget:EventTarget");
        expect(targets.map((t) => t.inputs.arn)).to.deep.equal(Array(5).fill(queue.state.arn));
    });
});
