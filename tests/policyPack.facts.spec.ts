import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
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
