import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { PlannedResource, planChange } from "../offline/change";
import { REPLACEMENT_RULES } from "../offline/replacement";

/**
 * The replace-on-change table against facts read upstream (tests/fixtures/upstream-forcenew.json: the ForceNew
 * attributes of terraform-provider-aws resources, with file and commit). Terraform names are translated the way
 * the bridge does (snake_case → camelCase per segment) and checked against @pulumi/aws 7.48.0's `*Args`.
 */
interface UpstreamResource {
    pulumiType: string;
    file: string;
    commit: string;
    forceNew: string[];
    forceNewWhen?: { path: string; when: "removed" | "changed-from-set" }[];
    inPlace: string[];
}
const ROOT = path.resolve(__dirname, "..");
const upstream = JSON.parse(fs.readFileSync(path.join(ROOT, "tests/fixtures/upstream-forcenew.json"), "utf8")) as { resources: Record<string, UpstreamResource> };

const camel = (tfPath: string) => tfPath.split(".").map((s) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())).join(".");

/** Top-level input names of a resource's `*Args` interface in the installed @pulumi/aws. */
function argNames(pulumiType: string): Set<string> {
    const [, mod] = /^aws:([^:]+):/.exec(pulumiType)!;
    const dts = fs.readFileSync(path.join(ROOT, "node_modules/@pulumi/aws", `${mod}.d.ts`), "utf8");
    const body = /export interface \w+Args \{([\s\S]*?)\n\}/.exec(dts)![1];
    return new Set([...body.matchAll(/^ {4}(\w+)\??:/gm)].map((m) => m[1]));
}

function resource(type: string, inputs: Record<string, unknown>): PlannedResource {
    return {
        urn: `urn:pulumi:dev::eks-karpenter::${type}::r`,
        type,
        name: "r",
        custom: true,
        remote: false,
        inputs,
        options: { ignoreChanges: [], replaceOnChanges: [], protect: false },
        propertyDependencies: {},
    };
}

describe("replace-on-change table (offline/replacement.ts) against terraform-provider-aws", () => {
    for (const [tf, facts] of Object.entries(upstream.resources)) {
        it(`${facts.pulumiType}: the ForceNew attributes of ${tf} (${facts.file} @ ${facts.commit.slice(0, 12)}), in @pulumi/aws names`, () => {
            const rule = REPLACEMENT_RULES[facts.pulumiType];
            expect(rule, facts.pulumiType).to.not.equal(undefined);
            const names = argNames(facts.pulumiType);
            const derived = facts.forceNew.map(camel);
            // Every derived top-level name is a real input of the pinned SDK (the translation is not guessed).
            expect(derived.map((p) => p.split(".")[0]).filter((n) => !names.has(n))).to.deep.equal([]);
            expect([...rule.forceNew].sort()).to.deep.equal([...derived].sort());
            expect((rule.forceNewWhen ?? []).map((w) => `${w.path}:${w.when}`).sort()).to.deep.equal((facts.forceNewWhen ?? []).map((w) => `${camel(w.path)}:${w.when}`).sort());
            expect(rule.source).to.include(facts.file);
        });
    }

    it("the planner replaces on every upstream ForceNew attribute and updates in place on the attributes upstream updates", () => {
        for (const facts of Object.values(upstream.resources)) {
            for (const [tfPath, replaces] of [...facts.forceNew.map((p) => [p, true] as const), ...facts.inPlace.map((p) => [p, false] as const)]) {
                const p = camel(tfPath).split(".");
                const nest = (v: unknown) => p.reduceRight<unknown>((acc, k) => ({ [k]: acc }), v) as Record<string, unknown>;
                const plan = planChange([resource(facts.pulumiType, nest("a"))], [resource(facts.pulumiType, nest("b"))]);
                expect(plan.changes[0].action, `${facts.pulumiType} ${tfPath}`).to.equal(replaces ? "replace" : "update");
            }
        }
    });

    it("aws_eks_cluster: removing encryption_config replaces (customdiff.ForceNewIfChange 1 → 0); adding it updates in place", () => {
        const T = "aws:eks/cluster:Cluster";
        const enc = { encryptionConfig: { provider: { keyArn: "arn:aws:kms:eu-west-1:1:key/k" }, resources: ["secrets"] } };
        expect(planChange([resource(T, { name: "c", ...enc })], [resource(T, { name: "c" })]).changes[0].action).to.equal("replace");
        expect(planChange([resource(T, { name: "c" })], [resource(T, { name: "c", ...enc })]).changes[0].action).to.equal("update");
    });

    it("aws_eks_cluster: compute_config.node_role_arn replaces only when a role was set before", () => {
        const T = "aws:eks/cluster:Cluster";
        const cc = (arn?: string) => ({ name: "c", computeConfig: { enabled: true, ...(arn ? { nodeRoleArn: arn } : {}) } });
        expect(planChange([resource(T, cc())], [resource(T, cc("arn:aws:iam::1:role/a"))]).changes[0].action).to.equal("update");
        expect(planChange([resource(T, cc("arn:aws:iam::1:role/a"))], [resource(T, cc("arn:aws:iam::1:role/b"))]).changes[0].action).to.equal("replace");
    });
});
