import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_DIR } from "./stackFiles";

/**
 * `npm run bench [-- --runs N] [-- --stack S]`: wall times, each in a fresh Node process, medians of N runs
 * alternated so that machine noise hits all alike:
 * - floor: the bare cost of loading the Pulumi SDKs the program uses;
 * - plan: `npm run plan -- S --quiet` with the compiled sources cached (target ≤ 1.5 × floor);
 * - first plan: the same right after `npm ci` (empty cache: every source is transpiled; target ≤ 5 s);
 * - CLI start: the program as `pulumi preview` starts it (Pulumi.yaml runtime options, the SDK's runner, mocks
 *   instead of the engine) until every resource is registered; once more with the runner's type check forced
 *   back on (PULUMI_NODEJS_TRANSPILE_ONLY=false: what the CLI did before), a single run (it is slow).
 */
const ROOT = PROJECT_DIR;
const argv = process.argv.slice(2);
if (argv.includes("--help") || argv.includes("-h")) {
    console.log("usage: npm run bench [-- --runs N] [-- --stack S]\n  Times, in fresh Node processes (medians of N runs, default 5), the SDK floor, the offline plan of stack S\n  (default dev) with a warm and an empty transpile cache, and index.ts as `pulumi preview` starts it.");
    process.exit(0);
}
const runs = Number(argv[argv.indexOf("--runs") + 1] ?? 0) || 5;
const stack = argv.includes("--stack") ? argv[argv.indexOf("--stack") + 1] : "dev";
const SDKS = ["@pulumi/pulumi", "@pulumi/aws", "@pulumi/awsx", "@pulumi/eks", "@pulumi/kubernetes"];
const CACHE = path.join(ROOT, "node_modules", ".cache", "eks-karpenter", "ts");

function time(args: string[], env: Record<string, string> = {}): number {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8", env: { ...process.env, EKS_KARPENTER_QUIET_LOADER: "1", ...env } });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr || r.stdout}`);
    return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const step = (what: string) => process.stderr.write(`  ... ${what}\n`);

const out = fs.mkdtempSync(path.join(os.tmpdir(), "bench-"));
const rows = { floor: [] as number[], plan: [] as number[], first: [] as number[], cli: [] as number[], cliChecked: [] as number[] };
const planArgs = [path.join(ROOT, "offline", "run.js"), path.join(ROOT, "offline", "plan.ts"), stack, "--quiet", "--out", out];
const cliArgs = [path.join(ROOT, "offline", "cliStart.js"), stack];
try {
    for (let i = 0; i < runs; i++) {
        step(`run ${i + 1} of ${runs}`);
        rows.floor.push(time(["-e", SDKS.map((s) => `require(${JSON.stringify(s)});`).join("")]));
        fs.rmSync(CACHE, { recursive: true, force: true });
        rows.first.push(time(planArgs));
        rows.plan.push(time(planArgs));
        rows.cli.push(time(cliArgs));
    }
    step("the program as the CLI started it before (type-checked), once");
    rows.cliChecked.push(time(cliArgs, { PULUMI_NODEJS_TRANSPILE_ONLY: "false" }));
} finally {
    fs.rmSync(out, { recursive: true, force: true });
}
const f = median(rows.floor);
const line = (label: string, ms: number, note: string) => console.log(`${label.padEnd(66)} ${String(Math.round(ms)).padStart(6)} ms   ${note}`);
console.log(`node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}, ${runs} runs each (median)`);
line(`floor: load ${SDKS.length} Pulumi SDKs`, f, "");
line(`plan: npm run plan -- ${stack} --quiet`, median(rows.plan), `${(median(rows.plan) / f).toFixed(2)} × floor (target ≤ 1.5)`);
line(`first plan after npm ci (empty transpile cache)`, median(rows.first), `${(median(rows.first) / f).toFixed(2)} × floor (target ≤ 5000 ms)`);
line(`pulumi's start of index.ts (Pulumi.yaml options, no type check)`, median(rows.cli), `${(median(rows.cli) / f).toFixed(2)} × floor`);
line(`pulumi's start of index.ts, type-checked (before; 1 run)`, rows.cliChecked[0], `${(rows.cliChecked[0] / f).toFixed(2)} × floor`);
