import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { StackConfigError } from "../components/config";
import { Finding, checkIamActions, checkManifests } from "./checks";
import { ProgramRun, RunOptions, runProgram } from "./engine";
import type { FieldTree } from "./models";
import { policyConfigFor, runPolicies } from "./policies";
import { countsByType, renderArtifacts, renderTree, resourcesDocument } from "./render";
import { PROJECT_DIR, stackConfig, stackNames } from "./stackFiles";

/**
 * `npm run plan -- <stack> [--out DIR] [--all] [--stack-file FILE] [--quiet]`: evaluates the real program for a
 * stack with Pulumi's mocks (no cloud account, no Pulumi CLI, no network), prints a preview-like tree and the
 * verdicts of the checks, and writes every artifact to DIR/<stack>/. Exit 0 clean, 1 a check failed, 2 bad
 * usage or bad config.
 */

const USAGE = `usage: npm run plan -- <stack>... | --all [--out DIR] [--quiet]
       npm run plan -- --stack-file path/to/Pulumi.<name>.yaml [--out DIR] [--quiet]
  <stack>       a stack with a Pulumi.<stack>.yaml in the project (${stackNames().join(", ")})
  --all         every Pulumi.*.yaml stack of the project
  --stack-file  plan a stack file kept elsewhere (an example or a fixture)
  --out DIR     where to write (DIR/<stack>/); default: plan
  --quiet       print the verdicts but not the resource tree`;

export interface PlanOptions {
    stack: string;
    /** Parsed content of a stack file kept outside the project, instead of Pulumi.<stack>.yaml. */
    stackFileConfig?: Record<string, unknown>;
    outDir: string;
    quiet?: boolean;
    log?: (line: string) => void;
    /** Another program to plan instead of index.ts (tests plan deliberately broken fixtures). */
    program?: RunOptions["program"];
    /** Project folder whose Pulumi.yaml, stack file and policy configs to read (tests plan a copy). @default the project */
    projectDir?: string;
}

export interface PlanResult {
    exitCode: 0 | 1 | 2;
    run?: ProgramRun;
    findings: Finding[];
    written: string[];
}

class UsageError extends Error {}

function loadFieldTrees(): Record<string, FieldTree> {
    return JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "offline", "fieldTrees.json"), "utf8")) as Record<string, FieldTree>;
}

/** Plans one stack: run, check, write. Never throws for bad config; returns the exit code. */
export async function planStack(o: PlanOptions): Promise<PlanResult> {
    const log = o.log ?? ((line: string) => console.log(line));
    let run: ProgramRun;
    try {
        run = await runProgram(stackConfig(o.stack, { ...(o.projectDir ? { dir: o.projectDir } : {}), ...(o.stackFileConfig ? { override: o.stackFileConfig } : {}) }), {
            program: o.program,
            serializeDynamicProviders: false,
        });
    } catch (e) {
        if (e instanceof StackConfigError) {
            log(e.message);
            return { exitCode: 2, findings: [], written: [] };
        }
        throw e;
    }
    const artifacts = renderArtifacts(run);
    log(`Plan of stack "${o.stack}": offline (Pulumi mocks; account 123456789012, ${run.scope.region}, partition ${run.scope.partition})`);
    if (!o.quiet) {
        log("");
        for (const line of renderTree(run)) log(line);
    }
    log("");
    log(`Resources: ${run.resources.length}`);
    for (const [type, count] of countsByType(run)) log(`  ${String(count).padStart(3)}  ${type}`);

    const manifestFindings = await checkManifests(
        artifacts.manifests.map((m) => ({ where: m.file, object: m.content })),
        loadFieldTrees(),
    );
    const iamFindings = await checkIamActions(artifacts.iam.map((i) => ({ where: i.file, document: i.content })));
    const statements = artifacts.iam.reduce((n, i) => n + ((i.content as { Statement?: unknown[] }).Statement?.length ?? 0), 0);
    log("");
    log("Checks:");
    log(`  ${manifestFindings.length === 0 ? "ok  " : "FAIL"} Kubernetes objects: ${artifacts.manifests.length} checked against their schemas and declared fields`);
    log(`  ${iamFindings.length === 0 ? "ok  " : "FAIL"} IAM: ${artifacts.iam.length} documents (${statements} statements): every action checked against the IAM action catalogue`);
    const findings = [...manifestFindings, ...iamFindings];
    for (const f of findings) log(`       ${f.where}: ${f.message}`);
    const { config: packConfig, choice } = policyConfigFor(o.stack, o.projectDir);
    const violations = await runPolicies(run, packConfig);
    const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory");
    log(`  ${mandatory.length === 0 ? "ok  " : "FAIL"} Policy pack (${choice.description}): ${mandatory.length} mandatory, ${violations.length - mandatory.length} advisory violations`);
    for (const v of violations) log(`       [${v.enforcementLevel}] ${v.policy}: ${v.resource ?? "stack"}: ${v.message}`);
    findings.push(...mandatory.map((v) => ({ where: `policy ${v.policy} (${v.resource ?? "stack"})`, message: v.message })));

    const dir = path.join(o.outDir, o.stack);
    fs.rmSync(dir, { recursive: true, force: true });
    const written: string[] = [];
    const write = (file: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), text);
        written.push(file);
    };
    write("resources.json", `${JSON.stringify(resourcesDocument(run), null, 2)}\n`);
    for (const m of artifacts.manifests) write(m.file, stringify(m.content));
    for (const h of artifacts.helm) write(h.file, stringify(h.content));
    for (const i of artifacts.iam) write(i.file, `${JSON.stringify(i.content, null, 2)}\n`);
    for (const e of artifacts.events) write(e.file, `${JSON.stringify(e.content, null, 2)}\n`);
    write("policy-report.json", `${JSON.stringify({ configFrom: choice.description, config: packConfig, mandatory: mandatory.length, advisory: violations.length - mandatory.length, violations }, null, 2)}\n`);
    log("");
    log(
        `Wrote ${path.relative(process.cwd(), dir) || "."}/: resources.json, ${artifacts.manifests.length} manifests, ${artifacts.helm.length} Helm releases, ` +
            `${artifacts.iam.length} IAM documents, ${artifacts.events.length} EventBridge rules, policy-report.json`,
    );
    return { exitCode: findings.length > 0 ? 1 : 0, run, findings, written };
}

function parseArgs(argv: string[]): { stacks: Array<{ stack: string; stackFileConfig?: Record<string, unknown> }>; outDir: string; quiet: boolean } {
    const stacks: Array<{ stack: string; stackFileConfig?: Record<string, unknown> }> = [];
    let outDir = path.join(PROJECT_DIR, "plan");
    let quiet = false;
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--all") stacks.push(...stackNames().map((stack) => ({ stack })));
        else if (arg === "--quiet") quiet = true;
        else if (arg === "--out") {
            if (!argv[i + 1]) throw new UsageError("--out needs a directory");
            outDir = path.resolve(argv[++i]);
        } else if (arg === "--stack-file") {
            const file = argv[++i];
            if (!file || !fs.existsSync(file)) throw new UsageError(`--stack-file needs an existing file, got ${file ?? "nothing"}`);
            const base = path.basename(file).replace(/^Pulumi\./, "").replace(/\.ya?ml$/, "");
            const { parse } = require("yaml") as typeof import("yaml");
            const parsed = parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
            stacks.push({ stack: base, stackFileConfig: parsed?.config ?? {} });
        } else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
        else if (!stackNames().includes(arg)) throw new UsageError(`no stack "${arg}": there is no Pulumi.${arg}.yaml in ${PROJECT_DIR}`);
        else stacks.push({ stack: arg });
    }
    if (stacks.length === 0) throw new UsageError("name a stack, or use --all");
    return { stacks, outDir, quiet };
}

async function main(argv: string[]): Promise<number> {
    let args: ReturnType<typeof parseArgs>;
    try {
        args = parseArgs(argv);
    } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        console.error(`${e.message}\n\n${USAGE}`);
        return 2;
    }
    let exitCode = 0;
    for (const [i, s] of args.stacks.entries()) {
        if (i > 0) console.log(`\n${"-".repeat(100)}\n`);
        const result = await planStack({ ...s, outDir: args.outDir, quiet: args.quiet });
        exitCode = Math.max(exitCode, result.exitCode);
    }
    return exitCode;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e) => {
            console.error(e instanceof Error ? e.message : e);
            process.exit(1);
        },
    );
}
