import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";

/**
 * The policy pack as Pulumi Cloud installs it: a published pack is the `npm pack` of policies/, unpacked alone and
 * `npm install`ed with only what its own package.json declares, then run by the CLI's run-policy-pack with ts-node
 * and type-checking. These checks are the fast half; `npm run test:pack` (CI) does the real install and runs the
 * installed pack over the dev stack.
 */

const ROOT = path.resolve(__dirname, "..");
const POLICIES = path.join(ROOT, "policies");
const pkg = JSON.parse(fs.readFileSync(path.join(POLICIES, "package.json"), "utf8")) as { dependencies: Record<string, string>; files?: string[]; main: string };
const rootPkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
const packageOf = (spec: string) => (spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]);

/** Packages a source file loads: imports, require() and require.resolve(), bare specifiers only. */
function loadedPackages(file: string): string[] {
    const text = fs.readFileSync(file, "utf8");
    const specs = [...text.matchAll(/(?:from |require(?:\.resolve)?\()"([^"]+)"/g)].map((m) => m[1]);
    return specs.filter((s) => !s.startsWith(".") && !s.startsWith("node:")).map(packageOf);
}

describe("policy pack as Pulumi Cloud installs it (package.json)", () => {
    const sources = (fs.readdirSync(POLICIES, { recursive: true }) as string[]).filter((f) => f.endsWith(".ts") && !f.startsWith("node_modules")).map((f) => f.split(path.sep).join("/"));

    it("declares every package the pack loads (imports, require, require.resolve) at an exact version", () => {
        const loaded = new Set(sources.flatMap((f) => loadedPackages(path.join(POLICIES, f))));
        for (const name of loaded) expect(pkg.dependencies, `policies/ loads ${name}`).to.have.property(name);
        for (const [name, version] of Object.entries(pkg.dependencies)) expect(version, name).to.match(/^\d+\.\d+\.\d+$/);
    });

    it("pins the same versions as the program: the taggable-type answer follows the AWS provider the stacks use", () => {
        const all = { ...rootPkg.dependencies, ...rootPkg.devDependencies };
        for (const [name, version] of Object.entries(pkg.dependencies)) {
            if (all[name] !== undefined) expect(version, name).to.equal(all[name]);
        }
    });

    it("declares the TypeScript toolchain the CLI runs a TypeScript pack with (else run-policy-pack falls back to vendored TypeScript 3.8.3 and ts-node 7.0.1)", () => {
        expect(pkg.main).to.equal("index.ts");
        const vendor = path.join(ROOT, "node_modules", "@pulumi", "pulumi", "vendor");
        expect(fs.readdirSync(vendor)).to.include.members(["typescript@3.8.3", "ts-node@7.0.1"]);
        expect(pkg.dependencies).to.include.keys("typescript", "ts-node", "@types/node");
    });

    it("packs every source file and PulumiPolicy.yaml, and nothing else", () => {
        const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: POLICIES, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
        const files = (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0].files.map((f) => f.path).sort();
        expect(files).to.deep.equal(["PulumiPolicy.yaml", "package.json", ...sources].sort());
    });
});
