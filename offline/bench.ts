import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_DIR } from "./stackFiles";

/**
 * `npm run bench [-- --runs N] [-- --stack S]`: wall time of the plan of a stack (the compiled plan command,
 * in a fresh Node process) against the floor, the bare cost of loading the Pulumi SDKs the program uses. Medians of N runs each,
 * alternated so that machine noise hits both alike. Target: plan ≤ 1.5 × floor.
 */
const ROOT = PROJECT_DIR;
const argv = process.argv.slice(2);
const runs = Number(argv[argv.indexOf("--runs") + 1] ?? 0) || 7;
const stack = argv.includes("--stack") ? argv[argv.indexOf("--stack") + 1] : "dev";
const SDKS = ["@pulumi/pulumi", "@pulumi/aws", "@pulumi/awsx", "@pulumi/eks", "@pulumi/kubernetes"];

function time(args: string[]): number {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8" });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr || r.stdout}`);
    return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const out = fs.mkdtempSync(path.join(os.tmpdir(), "bench-"));
const floor: number[] = [];
const plan: number[] = [];
try {
    for (let i = 0; i < runs; i++) {
        floor.push(time(["-e", SDKS.map((s) => `require(${JSON.stringify(s)});`).join("")]));
        plan.push(time([path.join(__dirname, "plan.js"), stack, "--quiet", "--out", out]));
    }
} finally {
    fs.rmSync(out, { recursive: true, force: true });
}
const [f, p] = [median(floor), median(plan)];
console.log(`node ${process.version}, ${os.cpus().length} cores, ${runs} runs each (median)`);
console.log(`floor: load ${SDKS.join(", ")}   ${f.toFixed(0)} ms`);
console.log(`plan:  node bin/offline/plan.js ${stack} --quiet        ${p.toFixed(0)} ms`);
console.log(`ratio: ${(p / f).toFixed(2)} × floor (target ≤ 1.5)`);
