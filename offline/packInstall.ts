import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { allPolicies } from "../policies/all";
import { PACK_NAME } from "../policies/pack";
import { runProgram } from "./engine";
import type { RecordedResource } from "./engine";
import { policyConfigFor, resolvePolicy, runPolicies } from "./policies";
import { PROJECT_DIR, stackConfig } from "./stackFiles";

/**
 * `npm run test:pack [-- <stack>]` (CI runs it; about a minute, most of it `npm install`): the policy pack the way
 * Pulumi Cloud and the CLI install and run it, then over a stack's resources (default dev).
 * 1. `npm pack` policies/ (what `pulumi policy publish` and the pulumiservice PolicyPack resource upload);
 * 2. unpack it into an empty temporary folder and `npm install` there: only what policies/package.json declares
 *    (from the npm cache when it has everything; otherwise from the npm registry, nothing else);
 * 3. start it as the CLI does, `node node_modules/@pulumi/pulumi/cmd/run-policy-pack <engine> .` (ts-node with
 *    type-checking), read the analyzer's port from its stdout;
 * 4. over gRPC: GetAnalyzerInfo, Configure with the stack's policy config, Analyze every resource of the offline
 *    plan of the stack, AnalyzeStack once; and compare every verdict with the pack run in this process.
 * Exit 0 when the installed pack answers exactly as the source does; 1 otherwise, with the differences.
 */

const PROTO = "@pulumi/pulumi/proto";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pb = require(`${PROTO}/analyzer_pb`) as Record<string, any>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const rpc = require(`${PROTO}/analyzer_grpc_pb`) as Record<string, any>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const emptyPb = require("google-protobuf/google/protobuf/empty_pb") as { Empty: new () => unknown };

const started = Date.now();
const step = (msg: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${msg}`);

const plain = (v: unknown) => JSON.parse(JSON.stringify(v ?? {})) as Record<string, unknown>;

function run(cmd: string, args: string[], cwd: string): string {
    return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
}

function unary<Req, Res>(client: grpc.Client, method: string, req: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
        (client as unknown as Record<string, (r: Req, cb: (e: grpc.ServiceError | null, res: Res) => void) => void>)[method](req, (e, res) => (e ? reject(e) : resolve(res)));
    });
}

/** Starts the installed pack as the CLI does and resolves with its port; the process is returned for cleanup. */
function startPack(dir: string): Promise<{ port: number; child: ReturnType<typeof spawn>; stderr: () => string }> {
    const child = spawn(process.execPath, [path.join("node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack"), "127.0.0.1:0", "."], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    return new Promise((resolve, reject) => {
        child.stdout!.on("data", (d: Buffer) => {
            out += d.toString();
            const m = /^(\d+)\s*$/m.exec(out);
            if (m) resolve({ port: Number(m[1]), child, stderr: () => err });
        });
        child.on("exit", (code) => reject(new Error(`the installed pack exited (${code}) before serving:\n${err || out}`)));
    });
}

function analyzerResource(r: RecordedResource, byUrn: Map<string, RecordedResource>) {
    const res = new pb.AnalyzerResource();
    res.setType(r.type);
    res.setProperties(Struct.fromJavaScript(plain({ ...r.state, ...r.inputs }) as never));
    res.setUrn(r.urn);
    res.setName(r.name);
    const opts = new pb.AnalyzerResourceOptions();
    if (r.parent) opts.setParent(r.parent);
    res.setOptions(opts);
    const providerUrn = r.provider?.slice(0, r.provider.lastIndexOf("::"));
    const p = providerUrn ? byUrn.get(providerUrn) : undefined;
    if (p) {
        const provider = new pb.AnalyzerProviderResource();
        provider.setType(p.type);
        provider.setProperties(Struct.fromJavaScript(plain(p.inputs) as never));
        provider.setUrn(p.urn);
        provider.setName(p.name);
        res.setProvider(provider);
    }
    if (r.parent) res.setParent(r.parent);
    res.setDependenciesList(r.dependencies);
    return res;
}

async function main(stack: string): Promise<number> {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "eks-karpenter-pack-"));
    let child: ReturnType<typeof spawn> | undefined;
    try {
        step(`npm pack policies/ into ${work}`);
        const packed = JSON.parse(run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], path.join(PROJECT_DIR, "policies"))) as Array<{ filename: string; version: string }>;
        const dir = path.join(work, "pack");
        fs.mkdirSync(dir);
        run("tar", ["-xzf", path.join(work, packed[0].filename), "-C", dir, "--strip-components=1"], work);
        step(`installing ${packed[0].filename} alone (npm install, cache first): only what policies/package.json declares`);
        run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error"], dir);
        step("starting the installed pack as the CLI does (run-policy-pack, ts-node with type-checking)");
        const served = await startPack(dir);
        child = served.child;
        const client = new rpc.AnalyzerClient(`127.0.0.1:${served.port}`, grpc.credentials.createInsecure()) as grpc.Client;

        const info = await unary<unknown, any>(client, "getAnalyzerInfo", new emptyPb.Empty());
        const problems: string[] = [];
        if (info.getName() !== PACK_NAME) problems.push(`the installed pack serves as "${info.getName()}", deployments/ publishes "${PACK_NAME}"`);
        if (info.getVersion() !== packed[0].version) problems.push(`the installed pack reports version ${info.getVersion()}, its package.json says ${packed[0].version}`);
        const served_ = (info.getPoliciesList() as Array<{ getName(): string }>).map((p) => p.getName()).sort();
        const expected = allPolicies.map((p) => p.name).sort();
        if (JSON.stringify(served_) !== JSON.stringify(expected)) problems.push(`policies served ${served_.join(", ")}; expected ${expected.join(", ")}`);
        step(`serving ${info.getName()}@${info.getVersion()}: ${served_.length} policies`);

        const { config, choice } = policyConfigFor(stack);
        const configure = new pb.ConfigureAnalyzerRequest();
        const levels: Record<string, number> = { advisory: 0, mandatory: 1, disabled: 2, remediate: 3 };
        for (const policy of allPolicies) {
            const { level, params } = resolvePolicy(policy, config);
            const pc = new pb.PolicyConfig();
            pc.setEnforcementlevel(levels[level]);
            pc.setProperties(Struct.fromJavaScript(plain(params) as never));
            configure.getPolicyconfigMap().set(policy.name, pc);
        }
        await unary(client, "configure", configure);

        step(`planning ${stack} offline and analyzing its resources with ${choice.description}`);
        const planned = await runProgram(stackConfig(stack), { serializeDynamicProviders: false });
        const byUrn = new Map(planned.resources.map((r) => [r.urn, r]));
        const got: string[] = [];
        const record = (d: any, fallbackUrn?: string) => got.push(`${d.getPolicyname()} [${["advisory", "mandatory", "disabled", "remediate"][d.getEnforcementlevel()]}] ${d.getUrn() || fallbackUrn || "stack"}`);
        for (const r of planned.resources) {
            const req = new pb.AnalyzeRequest();
            const res = analyzerResource(r, byUrn);
            req.setType(res.getType());
            req.setProperties(res.getProperties());
            req.setUrn(res.getUrn());
            req.setName(res.getName());
            req.setOptions(res.getOptions());
            if (res.getProvider()) req.setProvider(res.getProvider());
            try {
                const answer = await unary<unknown, any>(client, "analyze", req);
                for (const d of answer.getDiagnosticsList()) record(d, r.urn);
            } catch (e) {
                problems.push(`${r.type} ${r.name}: the installed pack failed: ${(e as Error).message}`);
            }
        }
        const stackReq = new pb.AnalyzeStackRequest();
        stackReq.setResourcesList(planned.resources.map((r) => analyzerResource(r, byUrn)));
        try {
            const answer = await unary<unknown, any>(client, "analyzeStack", stackReq);
            for (const d of answer.getDiagnosticsList()) record(d);
        } catch (e) {
            problems.push(`stack policies: the installed pack failed: ${(e as Error).message}`);
        }

        const want = (await runPolicies(planned, config)).map((v) => `${v.policy} [${v.enforcementLevel}] ${v.urn ?? "stack"}`);
        const sort = (xs: string[]) => [...xs].sort();
        const missing = sort(want.filter((w) => !got.includes(w)));
        const extra = sort(got.filter((g) => !want.includes(g)));
        for (const m of missing) problems.push(`the source reports, the installed pack does not: ${m}`);
        for (const x of extra) problems.push(`the installed pack reports, the source does not: ${x}`);
        step(`${planned.resources.length} resources analyzed: ${got.length} verdicts from the installed pack, ${want.length} from the source`);
        if (problems.length > 0) {
            const shown = problems.slice(0, 10).map((p) => `  - ${p.split("\n").slice(0, 2).join(" ")}`);
            if (problems.length > shown.length) shown.push(`  ... and ${problems.length - shown.length} more`);
            console.error(`\nFAIL: the pack installed alone differs from the source (${problems.length}):\n${shown.join("\n")}`);
            if (served.stderr()) console.error(`\nthe pack's stderr (first lines):\n${served.stderr().split("\n").slice(0, 20).join("\n")}`);
            return 1;
        }
        step("ok: the installed pack answers exactly as the source does");
        return 0;
    } finally {
        child?.kill();
        fs.rmSync(work, { recursive: true, force: true });
    }
}

if (require.main === module) {
    main(process.argv[2] ?? "dev").then(
        (code) => process.exit(code),
        (e) => {
            console.error(e instanceof Error ? e.message : e);
            process.exit(1);
        },
    );
}
