import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..");

describe("how the Pulumi CLI runs index.ts (Pulumi.yaml runtime options)", () => {
    // offline/cliStart.js applies the language host's handling of Pulumi.yaml's runtime options, then calls the
    // SDK's own runner (@pulumi/pulumi/cmd/run/run.js), which decides the ts-node options; it stops there.
    const decision = (env: Record<string, string> = {}) => {
        const r = spawnSync(process.execPath, [path.join(ROOT, "offline", "cliStart.js"), "--decision-only"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env } });
        expect(r.status, r.stderr).to.equal(0);
        return JSON.parse(r.stdout) as { transpileOnly: boolean; project: string; compilerOptions: Record<string, unknown> };
    };

    let d: ReturnType<typeof decision>;
    before(() => {
        d = decision();
    });

    it("the runner registers ts-node transpile-only: no second type check on every preview (npm test type-checks)", () => {
        // Failed before: Pulumi.yaml named no tsconfig, the runner read tsconfig.json (no noCheck) and type-checked.
        expect(d.transpileOnly).to.equal(true);
        expect(d.project).to.equal("tsconfig.pulumi.json");
    });

    it("compiles with the project's target and module, as the tests do (the runner's defaults would be ES2020/nodenext)", () => {
        const project = ts.readConfigFile(path.join(ROOT, "tsconfig.json"), (f) => fs.readFileSync(f, "utf8")).config.compilerOptions;
        for (const key of ["target", "module", "moduleResolution"]) expect(d.compilerOptions[key], key).to.equal(project[key]);
    });

    it("PULUMI_NODEJS_TRANSPILE_ONLY=false still turns type checking back on (the runner's override)", () => {
        expect(decision({ PULUMI_NODEJS_TRANSPILE_ONLY: "false" }).transpileOnly).to.equal(false);
    });
});
