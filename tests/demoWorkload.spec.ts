import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { inflateDeployment } from "../components/demoWorkload";
import { findResource, resourcesOfType } from "../offline/engine";
import { runStack } from "./helpers/run";

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

    it("leaves replicas to kubectl after creation: no server-side apply conflict after a `kubectl scale`", async () => {
        // The provider applies with its own field manager and force only with the pulumi.com/patchForce annotation
        // (pulumi-kubernetes provider/pkg/await/await.go patchForce); `kubectl scale` makes "kubectl" own
        // spec.replicas, so the next apply of a different count is a conflict. ignoreChanges drops a field owned
        // by another manager from the apply (handleSSAIgnoreFields).
        const deployment = findResource(await runStack("dev"), "kubernetes:apps/v1:Deployment", "eks-karpenter-dev-demo-inflate");
        expect(deployment.options.ignoreChanges).to.deep.equal(["spec.replicas"]);
        expect((deployment.inputs.metadata as { annotations?: Record<string, string> }).annotations?.["pulumi.com/patchForce"]).to.equal(undefined);
        const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
        expect(readme).to.include("`demoWorkload.replicas` is the replica count the Deployment is created with");
    });
});
