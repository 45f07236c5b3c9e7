import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";

const ROOT = path.resolve(__dirname, "..");
const FIXTURE = path.join(ROOT, "tests", "fixtures", "throwsAtKnownLine.ts");

// offline/run.js runs the offline plan and the tools, and is the suite's loader (.mocharc.cjs).
describe("offline/run.js, the TypeScript loader", () => {
    // The fixture's own text says where it throws and where it is called: 1-based, the column of the expression
    // as V8 prints it (`new Error`, `fail(`).
    const source = fs.readFileSync(FIXTURE, "utf8").split("\n");
    const line = source.findIndex((l) => l.includes("THROWN HERE")) + 1;
    const column = source[line - 1].indexOf("new Error") + 1;
    const callLine = source.findIndex((l) => l.startsWith("if (require.main === module) fail(")) + 1;

    it("a trace names the TypeScript line and column that threw, not the compiled JavaScript's", () => {
        const r = spawnSync(process.execPath, [path.join(ROOT, "offline", "run.js"), FIXTURE], { cwd: ROOT, encoding: "utf8" });
        expect(r.status).to.equal(1);
        expect(r.stderr).to.include("Error: no triangle (THROWN HERE)");
        expect(r.stderr).to.include(`    at fail (${FIXTURE}:${line}:${column})`);
        // Nothing else names a line of the fixture (Node's own report of an uncaught error would quote the compiled
        // line above the trace).
        expect([...r.stderr.matchAll(/throwsAtKnownLine\.ts:(\d+)/g)].map((m) => Number(m[1]))).to.have.members([line, callLine]);
    });

    it("frames outside the compiled files and the header are as V8 writes them", () => {
        const r = spawnSync(
            process.execPath,
            ["-e", `require(${JSON.stringify(path.join(ROOT, "offline", "run.js"))}); const o = { name: "N", message: "m" }; Error.captureStackTrace(o); console.log(o.stack); console.log(new (class E extends Error {})("x").stack);`],
            { cwd: ROOT, encoding: "utf8" },
        );
        expect(r.status, r.stderr).to.equal(0);
        const lines = r.stdout.trim().split("\n");
        expect(lines[0]).to.equal("N: m");
        expect(lines[1]).to.match(/^ {4}at \[eval\]:1:\d+$/);
        expect(lines).to.include("Error: x");
    });
});
