import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { inflateDeployment } from "../components/demoWorkload";
import { findResource, resourcesOfType } from "../offline/engine";
import { runStack } from "./helpers/run";
import { PULUMI_MANAGER, ServerObject, SsaConflict, pulumiUp } from "./helpers/ssa";

/** The pod spec of the Deployment (plain values: the builder takes no outputs). */
function podSpec(a: Parameters<typeof inflateDeployment>[0]): Record<string, any> {
    return (inflateDeployment(a).spec as { template: { spec: Record<string, any> } }).template.spec;
}

describe("DemoWorkload", () => {
    it("is the pause image asking 1 CPU per pod, non-root, without privilege escalation, stopping at once", () => {
        const pod = podSpec({ replicas: 0, onDemandOnly: false, spreadAcrossZones: false });
        expect(pod.terminationGracePeriodSeconds).to.equal(0);
        expect(pod.securityContext.runAsNonRoot).to.equal(true);
        expect(pod.containers).to.have.length(1);
        expect(pod.containers[0].image).to.match(/\/pause:/);
        expect(pod.containers[0].resources).to.deep.equal({ requests: { cpu: "1" } });
        expect(pod.containers[0].securityContext).to.deep.include({ allowPrivilegeEscalation: false });
        expect(pod).to.not.have.property("nodeSelector");
        expect(pod).to.not.have.property("topologySpreadConstraints");
    });

    it("can ask for on-demand nodes and spread over zones", () => {
        const pod = podSpec({ replicas: 3, onDemandOnly: true, spreadAcrossZones: true });
        expect(pod.nodeSelector).to.deep.equal({ "karpenter.sh/capacity-type": "on-demand" });
        expect(pod.topologySpreadConstraints[0]).to.deep.include({ topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule" });
    });

    it("runs in its own namespace with the configured replicas (default 0), after the NodePools", async () => {
        const dev = await runStack("dev", { demoWorkload: { replicas: 4 } });
        const ns = findResource(dev, "kubernetes:core/v1:Namespace", "eks-karpenter-dev-demo-namespace");
        const deployment = findResource(dev, "kubernetes:apps/v1:Deployment", "eks-karpenter-dev-demo-inflate");
        expect((deployment.inputs.metadata as { namespace: string }).namespace).to.equal((ns.inputs.metadata as { name: string }).name);
        expect((deployment.inputs.spec as { replicas: number }).replicas).to.equal(4);
        const pools = [...resourcesOfType(dev, "kubernetes:karpenter.sh/v1:NodePool"), ...resourcesOfType(dev, "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass")];
        expect(pools).to.not.be.empty;
        for (const r of [ns, deployment]) expect(r.dependencies).to.include.members(pools.map((p) => p.urn));
        expect(((await runStack("dev", { demoWorkload: undefined })).resources.find((r) => r.type === "kubernetes:apps/v1:Deployment")!.inputs.spec as { replicas: number }).replicas).to.equal(0);
    });

    describe("replicas after a `kubectl scale` or `npm run verify` (server-side apply field ownership)", () => {
        const config = { replicas: 0, onDemandOnly: false, spreadAcrossZones: false };
        const scaler = "kubectl"; // `kubectl scale`, or verify's client: an Update of the scale subresource
        let ignoreChanges: string[];
        before(async () => {
            const deployment = findResource(await runStack("dev"), "kubernetes:apps/v1:Deployment", "eks-karpenter-dev-demo-inflate");
            ignoreChanges = deployment.options.ignoreChanges ?? [];
            expect((deployment.inputs.metadata as { annotations?: Record<string, string> }).annotations?.["pulumi.com/patchForce"]).to.equal(undefined);
        });
        /** The Deployment created by `pulumi up`, then scaled by hand to `scaled`. */
        function created(scaled: number): ServerObject {
            const server = new ServerObject();
            server.apply(PULUMI_MANAGER, inflateDeployment(config) as never, false);
            server.update(scaler, "spec.replicas", scaled);
            return server;
        }

        it("the model refuses what the API server refuses: applying another count of a field kubectl owns, unless forced", () => {
            const server = created(3);
            expect(server.managers("spec.replicas")).to.deep.equal([scaler]);
            expect(() => server.apply(PULUMI_MANAGER, inflateDeployment(config) as never, false)).to.throw(SsaConflict, `conflict with "${scaler}": .spec.replicas`);
            // Without ignoreChanges, any later change of the Deployment sends replicas: 0 and conflicts.
            expect(() => pulumiUp(created(3), inflateDeployment(config) as never, inflateDeployment({ ...config, spreadAcrossZones: true }) as never, [])).to.throw(SsaConflict);
            server.apply(PULUMI_MANAGER, inflateDeployment(config) as never, true);
            expect(server.managers("spec.replicas")).to.deep.equal([PULUMI_MANAGER]);
        });

        it("(a) a change of other fields applies without a conflict and keeps the scaled count", () => {
            for (const scaled of [3, 0]) {
                // 0: verify scaled up and restored the original count; the field stays verify's.
                const server = created(scaled);
                expect(pulumiUp(server, inflateDeployment(config) as never, inflateDeployment({ ...config, spreadAcrossZones: true }) as never, ignoreChanges)).to.equal("updated");
                expect(server.value("spec.replicas")).to.equal(scaled);
                expect(server.value("spec.template.spec.topologySpreadConstraints")).to.not.equal(undefined);
            }
            // Never scaled: the provider still owns replicas and sends the live value.
            const untouched = new ServerObject();
            untouched.apply(PULUMI_MANAGER, inflateDeployment({ ...config, replicas: 2 }) as never, false);
            expect(pulumiUp(untouched, inflateDeployment({ ...config, replicas: 2 }) as never, inflateDeployment({ ...config, replicas: 2, onDemandOnly: true }) as never, ignoreChanges)).to.equal("updated");
            expect(untouched.value("spec.replicas")).to.equal(2);
        });

        it("(b) a change of demoWorkload.replicas alone changes nothing (as README says), with or without a scale before", () => {
            for (const server of [created(3), (() => { const s = new ServerObject(); s.apply(PULUMI_MANAGER, inflateDeployment(config) as never, false); return s; })()]) {
                const before = server.value("spec.replicas");
                expect(pulumiUp(server, inflateDeployment(config) as never, inflateDeployment({ ...config, replicas: 4 }) as never, ignoreChanges)).to.equal("no change");
                expect(server.value("spec.replicas")).to.equal(before);
            }
            const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
            expect(readme).to.include("`demoWorkload.replicas` is the replica count the Deployment is created with");
            expect(readme).to.include("changing `demoWorkload.replicas` later changes nothing");
        });
    });
});
