import { expect } from "chai";
import { ProgramRun, RecordedResource, findResource, resourcesOfType } from "../offline/engine";
import { simulate } from "./helpers/iam";
import { runStack } from "./helpers/run";
import { shared } from "./helpers/lazy";

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
    const build = shared(() => runStack("prod"));
    beforeEach(async () => {
        run = await build();
    });

    it("deletes demo workload → NodePools → EC2NodeClasses → controller → CRDs → cleanup sweep → system node group → cluster → network", () => {
        const C = "eks-karpenter-prod";
        const chain: RecordedResource[] = [
            findResource(run, "kubernetes:apps/v1:Deployment", `${C}-demo-inflate`),
            findResource(run, "kubernetes:karpenter.sh/v1:NodePool", `${C}-pools-spot`),
            findResource(run, "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", `${C}-pools-spot-nodeclass`),
            findResource(run, "kubernetes:helm.sh/v3:Release", `${C}-karpenter-controller`),
            findResource(run, "kubernetes:helm.sh/v3:Release", `${C}-karpenter-crd`),
            findResource(run, "pulumi-nodejs:dynamic:Resource", `${C}-karpenter-cleanup`),
            findResource(run, "aws:eks/nodeGroup:NodeGroup", `${C}-system`),
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
        for (const addon of resourcesOfType(run, "aws:eks/addon:Addon")) expect(dependsOn(run, controller, addon), addon.name).to.equal(true);
        expect(dependsOn(run, controller, findResource(run, "aws:eks/podIdentityAssociation:PodIdentityAssociation", "eks-karpenter-prod-karpenter-controller"))).to.equal(true);
    });

    it("sweeps after the network interfaces' owners are gone and before the network: the sweep depends on the VPC and the system nodes", () => {
        const cleanup = findResource(run, "pulumi-nodejs:dynamic:Resource", "eks-karpenter-prod-karpenter-cleanup");
        expect(cleanup.inputs).to.deep.include({ clusterName: "eks-karpenter-prod", region: "us-west-2", timeoutSeconds: 900 });
        expect(cleanup.inputs.__provider, "the provider is serialized into the resource").to.be.a("string").and.include("sweep");
    });
});

describe("interruption handling end to end (dev stack)", () => {
    it("hands the queue's name to the chart, lets the controller role receive and delete from exactly that queue, and points every rule at it", async () => {
        const run = await runStack("dev");
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
