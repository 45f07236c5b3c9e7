import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { PackConfig, packConfigProblems, runPolicies } from "../offline/policies";
import { allPolicies } from "../policies/all";

const POLICIES = path.resolve(__dirname, "..", "policies");
/** Modules of policies/ that hold no policy: the pack itself, its list, helpers. */
const NOT_POLICY_MODULES = new Set(["index.ts", "all.ts", "util.ts"]);

/** A CrossGuard policy as @pulumi/policy serves it: a name, a description and a validate function. */
function isPolicy(value: unknown): value is { name: string } {
    const v = value as Record<string, unknown> | null;
    return typeof v === "object" && v !== null && typeof v.name === "string" && typeof v.description === "string" && (typeof v.validateResource === "function" || typeof v.validateStack === "function");
}

describe("policy pack list (policies/all.ts)", () => {
    const modules = fs.readdirSync(POLICIES).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !NOT_POLICY_MODULES.has(f));

    it("holds every policy that a policies/ module exports, each once", () => {
        expect(modules).to.not.be.empty;
        const exported = new Set<unknown>();
        for (const file of modules) {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const mod = require(path.join(POLICIES, file)) as Record<string, unknown>;
            for (const value of Object.values(mod)) if (isPolicy(value)) exported.add(value);
        }
        expect(exported.size).to.be.greaterThan(0);
        const missing = [...exported].filter((p) => !allPolicies.includes(p as never)).map((p) => (p as { name: string }).name);
        expect(missing, "exported but not served by the pack").to.deep.equal([]);
        expect(allPolicies).to.have.length(exported.size);
    });

    it("names every policy uniquely, never the reserved \"all\" (@pulumi/policy's server exits on it)", () => {
        const names = allPolicies.map((p) => p.name);
        expect(new Set(names).size, "duplicate policy names").to.equal(names.length);
        expect(names).to.not.include("all");
        for (const name of names) expect(name).to.match(/^[a-z0-9][a-z0-9-]*$/);
    });
});

describe("policy pack metadata and config as the Pulumi CLI reads them", () => {
    it("gives every policy a one-line description ending in a period: @pulumi/policy puts it above every violation's message", () => {
        for (const p of allPolicies) {
            expect(p.description, p.name).to.be.a("string").and.match(/^[^\n]{20,}\.$/);
        }
    });

    it("every policy's defaults satisfy its own configSchema, and every policy-config/ file validates", () => {
        expect(packConfigProblems({})).to.deep.equal([]);
        const dir = path.resolve(__dirname, "..", "policy-config");
        const files = fs.readdirSync(dir).filter((f) => f.endsWith(".json"));
        expect(files).to.include.members(["dev.json", "prod.json", "pr.json"]);
        for (const file of files) expect(packConfigProblems(JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"))), file).to.deep.equal([]);
    });

    it("refuses what the CLI refuses: a wrong type or range, an unknown enforcement level, an entry that is no string or object", () => {
        expect(
            packConfigProblems({
                "karpenter-nodepool-limits": { enforcementLevel: "mandatory", maxCpu: 64 },
                "iam-policy-size": { trustPolicyLimit: 5000 },
                "karpenter-spot-diversity": { minInstanceTypes: 0 },
                "karpenter-controller-replicas": { minReplicas: 1.5 },
                "iam-trust-policy": "blocking",
                "eks-public-endpoint-restricted": { enforcementLevel: "advise", allowedCidrs: "10.0.0.0/8" },
                "vpc-flow-logs": 3,
            } as unknown as PackConfig),
        ).to.deep.equal([
            '"iam-trust-policy": "blocking" is not a valid enforcement level',
            '"eks-public-endpoint-restricted": "advise" is not a valid enforcement level',
            'Value 3 for "vpc-flow-logs" is not a valid value; must be a string or object',
            'Policy "iam-policy-size": trustPolicyLimit must be <= 4096',
            'Policy "karpenter-nodepool-limits": maxCpu must be string',
            'Policy "karpenter-controller-replicas": minReplicas must be integer',
            'Policy "karpenter-spot-diversity": minInstanceTypes must be >= 1',
            'Policy "eks-public-endpoint-restricted": allowedCidrs must be array',
        ]);
    });

    it("checks list items and strings of the IAM policies' parameters", () => {
        expect(packConfigProblems({ "iam-trust-policy": { allowedServicePrincipals: ["ec2.amazonaws.com", 5] }, "iam-permissions-boundary": { permissionsBoundaryArn: 5 } } as unknown as PackConfig)).to.deep.equal([
            'Policy "iam-trust-policy": allowedServicePrincipals/1 must be string',
            'Policy "iam-permissions-boundary": permissionsBoundaryArn must be string',
        ]);
    });

    it("runPolicies refuses such a config before it runs any policy", async () => {
        const run = { resources: [] } as unknown as Parameters<typeof runPolicies>[0];
        let error: Error | undefined;
        await runPolicies(run, { "karpenter-nodepool-limits": { maxMemory: 256 } }).catch((e: Error) => (error = e));
        expect(error?.message).to.equal('the policy pack config is refused, as the Pulumi CLI would refuse it:\n  - Policy "karpenter-nodepool-limits": maxMemory must be string');
        expect(await runPolicies(run, {})).to.deep.equal([]);
    });
});
