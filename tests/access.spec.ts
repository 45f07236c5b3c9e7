import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { ProgramRun, resourcesOfType } from "../offline/engine";
import { runStack } from "./helpers/run";

/**
 * Who can use the cluster. EKS gives cluster admin to the identity that creates it (pulumi-eks v4.3.0 sets
 * accessConfig.bootstrapClusterCreatorAdminPermissions: true): the deploy role, which must run every later
 * `pulumi up`. People get access through `adminPrincipalArns` (access entries with AmazonEKSClusterAdminPolicy).
 */

/** Runs a stack and collects what it warns about. */
async function runWithWarnings(stack: string, overrides: Record<string, unknown> = {}): Promise<{ run: ProgramRun; warnings: string[] }> {
    const warnings: string[] = [];
    const warn = pulumi.log.warn;
    pulumi.log.warn = async (message: string) => {
        warnings.push(message);
    };
    try {
        return { run: await runStack(stack, overrides), warnings };
    } finally {
        pulumi.log.warn = warn;
    }
}

describe("cluster access", () => {
    it("outputs the command that writes a kubeconfig, and warns when only the deploy role can use kubectl (no adminPrincipalArns)", async () => {
        const { run, warnings } = await runWithWarnings("dev", { adminPrincipalArns: [] });
        expect(run.outputs.kubeconfigCommand).to.equal("aws eks update-kubeconfig --region us-west-2 --name eks-karpenter-dev");
        expect(warnings).to.include(
            'No adminPrincipalArns: only the identity that created the cluster (the deploy role running "pulumi up") is a cluster admin. Give the operators\' role access with: pulumi config set --path \'adminPrincipalArns[0]\' arn:aws:iam::<account>:role/<operators-role>',
        );
    });

    it("gives each admin principal an access entry with the cluster admin policy, and then does not warn", async () => {
        const operators = "arn:aws:iam::123456789012:role/platform-operators";
        const { run, warnings } = await runWithWarnings("dev", { adminPrincipalArns: [operators] });
        expect(warnings.filter((w) => w.startsWith("No adminPrincipalArns"))).to.deep.equal([]);
        // pulumi-eks's children (modelled): cluster.ts createAccessEntries names them `${name}-${key}` and
        // `${name}-${key}-${association}`, the association parented by its entry.
        const entries = resourcesOfType(run, "aws:eks/accessEntry:AccessEntry").filter((e) => e.modelled);
        expect(entries.map((e) => [e.name, e.inputs.principalArn])).to.deep.equal([["eks-karpenter-dev-eks-admin-123456789012-role-platform-operators", operators]]);
        const associations = resourcesOfType(run, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation");
        expect(associations.map((a) => [a.name, a.parent, a.inputs.principalArn, a.inputs.policyArn])).to.deep.equal([
            [`${entries[0].name}-admin`, entries[0].urn, operators, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"],
        ]);
    });
});
