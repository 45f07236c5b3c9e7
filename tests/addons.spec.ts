import { expect } from "chai";
import { ProgramRun, findResource } from "../offline/engine";
import { runStack } from "./helpers/run";
import { problemsOf } from "./helpers/scenario";
import { shared } from "./helpers/lazy";

/**
 * Every EKS add-on of the cluster has a version tied to the Kubernetes version: the two this stack installs
 * (CoreDNS, Pod Identity agent) and the two pulumi-eks v4.3.0 installs (kube-proxy, vpc-cni), which float to the
 * most recent version when given none (cluster.ts: getAddonVersionOutput({ mostRecent: true })).
 */

const C = "eks-karpenter-dev";
const ADDONS = ["coredns", "eks-pod-identity-agent", "kube-proxy", "vpc-cni"] as const;

/** The version each add-on resource (ours and pulumi-eks's modelled ones) is created with. */
function versions(run: ProgramRun): Record<string, unknown> {
    return Object.fromEntries(run.resources.filter((r) => r.type === "aws:eks/addon:Addon").map((r) => [r.inputs.addonName, r.inputs.addonVersion]));
}

describe("EKS add-on versions", () => {
    let dev: ProgramRun;
    const build = shared(() => runStack("dev"));
    beforeEach(async () => {
        dev = await build();
    });

    it("gives all four add-ons AWS's default version for the cluster's Kubernetes version, never the most recent", () => {
        // The offline cloud answers eks:getAddonVersion with "default(<add-on>@<Kubernetes version>)" and refuses
        // mostRecent: true, so a floating version cannot pass.
        expect(versions(dev)).to.deep.equal(Object.fromEntries(ADDONS.map((a) => [a, `default(${a}@1.36)`])));
        const eks = findResource(dev, "eks:index:Cluster", `${C}-eks`);
        expect(eks.inputs.kubeProxyAddonOptions).to.deep.include({ version: "default(kube-proxy@1.36)" });
        expect(eks.inputs.vpcCniOptions).to.deep.include({ addonVersion: "default(vpc-cni@1.36)" });
    });

    it("moves the unpinned add-ons with the Kubernetes version, keeps the ones pinned in addonVersions, shows all as a stack output", async () => {
        const pins = { coredns: "v1.13.1-eksbuild.1", "kube-proxy": "v1.35.0-eksbuild.2" };
        const run = await runStack("dev", { kubernetesVersion: "1.35", addonVersions: pins });
        expect(versions(run)).to.deep.equal({ coredns: pins.coredns, "kube-proxy": pins["kube-proxy"], "eks-pod-identity-agent": "default(eks-pod-identity-agent@1.35)", "vpc-cni": "default(vpc-cni@1.35)" });
        expect(run.outputs.addonVersions).to.deep.equal(versions(run));
    });

    it("refuses a kube-proxy version for another Kubernetes minor, and malformed versions", () => {
        expect(problemsOf("dev", { addonVersions: { "kube-proxy": "v1.35.3-eksbuild.1", coredns: "1.13" } })).to.deep.equal([
            'eks-karpenter:addonVersions.coredns: got "1.13"; expected an EKS add-on version such as "v1.12.3-eksbuild.1" (aws eks describe-addon-versions --addon-name coredns --kubernetes-version 1.36).',
            'eks-karpenter:addonVersions.kube-proxy: got "v1.35.3-eksbuild.1"; expected a kube-proxy version of Kubernetes 1.36 (v1.36.<patch>-eksbuild.<n>): kube-proxy must match the cluster\'s minor version.',
        ]);
        expect(problemsOf("dev", { addonVersions: { "aws-ebs-csi-driver": "v1.0.0-eksbuild.1" } })[0]).to.match(/^eks-karpenter:addonVersions\.aws-ebs-csi-driver: unknown key/);
    });
});
