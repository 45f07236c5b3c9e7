import { expect } from "chai";
import { emptyAccount } from "./helpers/awsMock";
import { SharedRun, sharedRun } from "./helpers/sharedRuns";
import { Scenario, Teardown } from "./helpers/teardown";

/**
 * `pulumi destroy` simulated end to end (tests/helpers/teardown.ts): the recorded graph deleted in the engine's
 * order against a stateful fake AWS and cluster, the cleanup resources running their serialized providers. Each
 * case asserts that the destroy completes and leaves nothing of this stack's or its Karpenter's, and takes nothing
 * of anyone else's (another cluster's Karpenter nodes, templates and profiles; an existing cluster's nodes and
 * ENIs; load balancer tags the shared subnets had before).
 */
async function destroyed(kind: SharedRun, scenario: Scenario = {}) {
    const world = new Teardown(await sharedRun(kind), scenario);
    return { world, result: await world.destroy() };
}

describe("teardown simulation: pulumi destroy against a stateful fake AWS and cluster", () => {
    after(emptyAccount);

    for (const kind of ["dev", "prod", "existingVpc", "existingCluster"] as const) {
        it(`${kind}: completes and leaves nothing of its own, taking nothing of anyone else's (deletes of a wave in either order)`, async () => {
            for (const order of ["forward", "reverse"] as const) {
                const { world, result } = await destroyed(kind, { order });
                expect(result.failure, `${order}:\n${result.log.join("\n")}`).to.equal(undefined);
                expect(world.leftovers(), order).to.deep.equal({ ours: [], othersLost: [] });
            }
        });
    }

    it("existing cluster: the cluster's own nodes keep running, with their ENIs, even a detached one", async () => {
        const { world } = await destroyed("existingCluster");
        expect([...world.aws.instances.values()].filter((i) => i.id.startsWith("i-existing")).map((i) => i.state)).to.deep.equal(["running", "running"]);
        expect(world.aws.networkInterfaces.get("eni-i-existing-1-leaked")?.status).to.equal("available");
    });

    it("a pod that blocks its drain: Karpenter evicts it after the NodePool's terminationGracePeriod, within the delete timeout", async () => {
        const { world, result } = await destroyed("dev", { blockingPod: true });
        expect(result.failure, result.log.join("\n")).to.equal(undefined);
        expect(world.leftovers()).to.deep.equal({ ours: [], othersLost: [] });
        expect(result.minutes, "at least the 30 minutes of terminationGracePeriod").to.be.within(30, 120);
    });

    it("a controller already dead: the first destroy stops at the NodePool, the README's fallback finishes it", async () => {
        const world = new Teardown(await sharedRun("dev"), { controllerDead: true });
        const first = await world.destroy();
        expect(first.failure).to.match(/^kubernetes:karpenter\.sh\/v1:NodePool eks-karpenter-dev-pools-\S+: timed out waiting for the deletion to complete \(45 minutes\)/);
        world.removeFinalizers();
        const second = await world.destroy();
        expect(second.failure, second.log.join("\n")).to.equal(undefined);
        expect(world.leftovers()).to.deep.equal({ ours: [], othersLost: [] });
        expect(second.log).to.include("[karpenter cleanup] deleted instance profile eks-karpenter-dev_0");
    });
});
