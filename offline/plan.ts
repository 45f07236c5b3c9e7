import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { StackConfigError } from "../components/config";
import { Finding, checkIamActions, checkManifests } from "./checks";
import { ProgramRun, RunOptions, runProgram } from "./engine";
import type { FieldTree } from "./models";
import { notRun, policyConfigFor, runPolicies } from "./policies";
import { KeyOf, PlannedResource, planChange } from "./change";
import { clusterNameOf, countsByType, parsedIfJson, renderArtifacts, renderTree, resourcesDocument, sortedKeys } from "./render";
import { renderMarkdown, renderText } from "./report";
import { PROJECT_DIR, ProjectConfigError, stackConfig, stackNames } from "./stackFiles";

/**
 * `npm run plan -- <stack>...`: evaluates the real program for a stack with Pulumi's mocks (no cloud account, no
 * Pulumi CLI, no network), prints a preview-like tree and the verdicts of the checks, and writes every artifact to
 * DIR/<stack>/. With --from, plans the change from another config of the same stack; with --diff, summarises
 * the difference to another plan directory. Exit 0 clean, 1 a check or the change plan failed, 2 bad usage or
 * bad config.
 */

export const USAGE = `usage: npm run plan -- <stack>... | --all [options]
       npm run plan -- --stack-file path/to/Pulumi.<name>.yaml [options]
  <stack>          a stack with a Pulumi.<stack>.yaml in the project (${stackNames().join(", ")})
  --all            every Pulumi.*.yaml stack of the project
  --stack-file F   plan a stack file kept elsewhere; F is relative to the current folder. The stack name is
                   the file name without "Pulumi." and ".yaml" (Pulumi.staging.yaml → stack "staging"): it
                   names the plan folder, the default cluster name and the policy config (policy-config/<stack>.json,
                   or what deployments/delivery.yaml says for a stack without one)
  --from A         day-2 change: plan the change from A (a stack file, or a plan folder written before) to the
                   stack's current config: create / update / replace / delete per resource, and what fails on AWS
  --diff DIR       compare with another plan folder (another stack, or the base branch): text, and Markdown in
                   <out>/<stack>/diff.md for a pull-request comment
  --out DIR        where to write (DIR/<stack>/); default: plan
  --quiet          print only the verdicts
  -h, --help       this text`;

export interface PlanOptions {
    stack: string;
    /** A stack file kept outside the project (an example, a fixture), instead of Pulumi.<stack>.yaml. */
    stackFile?: string;
    /** Parsed content of a stack file kept outside the project (instead of `stackFile`). */
    stackFileConfig?: Record<string, unknown>;
    outDir: string;
    quiet?: boolean;
    log?: (line: string) => void;
    /** The previous config (parsed stack file) or a plan folder: plan the day-2 change from it. */
    from?: { stackFileConfig: Record<string, unknown>; file: string } | { planDir: string };
    /** Another plan folder to summarise the difference to. */
    diff?: string;
    /** Another program to plan instead of index.ts (tests plan deliberately broken fixtures). */
    program?: RunOptions["program"];
    /** Project folder whose Pulumi.yaml, stack file and policy configs to read (tests plan a copy). @default the project */
    projectDir?: string;
    /** The folder the printed paths are relative to. @default the folder the user ran npm in (INIT_CWD) */
    cwd?: string;
}

export interface PlanResult {
    exitCode: 0 | 1 | 2;
    run?: ProgramRun;
    findings: Finding[];
    written: string[];
    /** The text and Markdown of the change plan or diff, when --from or --diff was given. */
    change?: { text: string[]; markdown: string; failed: boolean };
}

class UsageError extends Error {}

/** The folder the user ran the command in (npm runs scripts in the project folder and sets INIT_CWD). */
function userCwd(): string {
    return process.env.INIT_CWD ?? process.cwd();
}

function loadFieldTrees(): Record<string, FieldTree> {
    return JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "offline", "fieldTrees.json"), "utf8")) as Record<string, FieldTree>;
}

/**
 * Prints a line on stderr when a step takes longer than a second (the SDKs' first load on a busy machine), so
 * stdout keeps only the plan. Silent when the caller collects the output itself (tests).
 */
function progress(log: ((line: string) => void) | undefined, what: string): () => void {
    if (log) return () => undefined;
    log = (line: string) => process.stderr.write(`${line}\n`);
    const started = Date.now();
    const timer = setTimeout(() => log(`  ... ${what}`), 1000);
    timer.unref();
    return () => {
        clearTimeout(timer);
        if (Date.now() - started > 1000) log(`  ... ${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    };
}

/** Runs the program for a stack; a config error is printed and becomes exit code 2. */
async function runStack(o: PlanOptions, stackFileConfig: Record<string, unknown> | undefined, log: (line: string) => void, stackFile?: string, firstPreview = false): Promise<ProgramRun | undefined> {
    const done = progress(o.log, `running the program for stack "${o.stack}"${firstPreview ? " as its first preview" : ""}`);
    // The first-preview run repeats the program: its warnings were printed by the first run.
    const warn = pulumi.log.warn;
    if (firstPreview) pulumi.log.warn = async () => undefined;
    try {
        const source = stackFileConfig ? { override: stackFileConfig } : stackFile ? { stackFile } : {};
        return await runProgram(stackConfig(o.stack, { ...(o.projectDir ? { dir: o.projectDir } : {}), ...source }), {
            program: o.program,
            serializeDynamicProviders: false,
            firstPreview,
        });
    } catch (e) {
        // The CLI's own checks of Pulumi.yaml and the stack file, then the program's: both stop before any resource.
        if (e instanceof ProjectConfigError) {
            log(`error: ${e.message}`);
            return undefined;
        }
        if (e instanceof StackConfigError) {
            log(e.message);
            return undefined;
        }
        throw e;
    } finally {
        pulumi.log.warn = warn;
        done();
    }
}

/** A plan folder's resources.json and the cluster name it was planned with. */
function readPlanDir(dir: string): { resources: PlannedResource[]; clusterName: string; stack: string } {
    const file = path.join(dir, "resources.json");
    if (!fs.existsSync(file)) throw new UsageError(`${dir} is not a plan folder: it has no resources.json (write one with npm run plan -- <stack> --out ...)`);
    const meta = fs.existsSync(path.join(dir, "plan.json")) ? (JSON.parse(fs.readFileSync(path.join(dir, "plan.json"), "utf8")) as { clusterName: string; stack: string }) : { clusterName: "", stack: path.basename(dir) };
    // Plans written by older versions of this command lack options and keep JSON documents as strings.
    const resources = (JSON.parse(fs.readFileSync(file, "utf8")) as PlannedResource[]).map((r) => ({
        ...r,
        options: r.options ?? { ignoreChanges: [], replaceOnChanges: [], protect: false },
        propertyDependencies: r.propertyDependencies ?? {},
        inputs: sortedKeys(Object.fromEntries(Object.entries(r.inputs ?? {}).map(([k, v]) => [k, parsedIfJson(v)]))) as Record<string, unknown>,
    }));
    return { resources, ...meta };
}

/** Matches resources across stacks: type and logical name without the cluster-name prefix. */
function neutralKey(clusterName: string): KeyOf {
    return (r) => `${r.type}::${clusterName && r.name.startsWith(`${clusterName}-`) ? r.name.slice(clusterName.length + 1) : r.name === clusterName ? "cluster" : r.name}`;
}

/** Plans one stack: run, check, write; then the change plan or diff if asked. Never throws for bad config. */
export async function planStack(o: PlanOptions): Promise<PlanResult> {
    const log = o.log ?? ((line: string) => console.log(line));
    const cwd = o.cwd ?? userCwd();
    const run = await runStack(o, o.stackFileConfig, log, o.stackFile);
    if (!run) return { exitCode: 2, findings: [], written: [] };
    const artifacts = renderArtifacts(run);
    log(`Plan of stack "${o.stack}": offline (Pulumi mocks; account 123456789012, ${run.scope.region}, partition ${run.scope.partition})`);
    if (!o.quiet) {
        log("");
        for (const line of renderTree(run)) log(line);
        log("");
        log(`Resources: ${run.resources.length}`);
        for (const [type, count] of countsByType(run)) log(`  ${String(count).padStart(3)}  ${type}`);
    }

    const doneChecks = progress(o.log, "checking manifests, IAM documents and policies");
    const manifestFindings = await checkManifests(
        artifacts.manifests.map((m) => ({ where: m.file, object: m.content })),
        loadFieldTrees(),
    );
    const iamFindings = await checkIamActions(artifacts.iam.map((i) => ({ where: i.file, document: i.content })));
    const statements = artifacts.iam.reduce((n, i) => n + ((i.content as { Statement?: unknown[] }).Statement?.length ?? 0), 0);
    const { config: packConfig, choice } = policyConfigFor(o.stack, o.projectDir);
    const violations = await runPolicies(run, packConfig);
    doneChecks();
    // The pack again at the stack's first preview (every new stack, every review stack): a policy that reads a value
    // AWS has not assigned yet is reported as not run by @pulumi/policy, so that preview would not check it.
    const preview = await runStack(o, o.stackFileConfig, log, o.stackFile, true);
    const cantRun = preview ? (await runPolicies(preview, packConfig)).filter(notRun) : [];
    if (!o.quiet) log("");
    log("Checks:");
    log(`  ${manifestFindings.length === 0 ? "ok  " : "FAIL"} Kubernetes objects: ${artifacts.manifests.length} checked against their schemas and declared fields`);
    log(`  ${iamFindings.length === 0 ? "ok  " : "FAIL"} IAM: ${artifacts.iam.length} documents (${statements} statements): every action checked against the IAM action catalogue`);
    const findings = [...manifestFindings, ...iamFindings];
    for (const f of findings) log(`       ${f.where}: ${f.message}`);
    const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory");
    log(`  ${mandatory.length === 0 ? "ok  " : "FAIL"} Policy pack (${choice.description}): ${mandatory.length} mandatory, ${violations.length - mandatory.length} advisory violations`);
    for (const v of violations) log(`       [${v.enforcementLevel}] ${v.policy}: ${v.resource ?? "stack"}: ${v.message}`);
    findings.push(...mandatory.map((v) => ({ where: `policy ${v.policy} (${v.resource ?? "stack"})`, message: v.message })));
    const policiesNotRun = [...new Set(cantRun.map((v) => v.policy))];
    log(`  ${policiesNotRun.length === 0 ? "ok  " : "FAIL"} Policy pack at the first preview: ${policiesNotRun.length === 0 ? "every policy runs" : `${policiesNotRun.length} policies can't run (a new stack's preview would not check them)`}`);
    for (const v of cantRun) log(`       ${v.policy}: ${v.resource ?? "stack"}: ${v.message.replace(/^.* during preview: /, "")}`);
    findings.push(...cantRun.map((v) => ({ where: `policy ${v.policy} (${v.resource ?? "stack"}) at the first preview`, message: v.message })));

    const dir = path.join(o.outDir, o.stack);
    const document = resourcesDocument(run) as PlannedResource[];
    let change: PlanResult["change"];
    if (o.from || o.diff) {
        const clusterName = clusterNameOf(run);
        let before: PlannedResource[];
        let title: string;
        let keyOf: KeyOf | undefined;
        let crossStack = false;
        if (o.from && "stackFileConfig" in o.from) {
            const previous = await runStack(o, o.from.stackFileConfig, log);
            if (!previous) return { exitCode: 2, run, findings, written: [] };
            before = resourcesDocument(previous) as PlannedResource[];
            title = `Change plan of stack "${o.stack}": from ${o.from.file} to ${o.stackFileConfig || o.stackFile ? "the given stack file" : `Pulumi.${o.stack}.yaml`}`;
        } else {
            const other = readPlanDir(o.from && "planDir" in o.from ? o.from.planDir : o.diff!);
            before = other.resources;
            const sameStack = other.stack === o.stack && other.clusterName === clusterName;
            crossStack = !sameStack;
            // Another stack: its cluster name is everywhere (names, ARNs, tag keys). Read it as this stack's, so
            // the summary shows what really differs.
            if (crossStack && other.clusterName) before = JSON.parse(JSON.stringify(before).split(other.clusterName).join(clusterName)) as PlannedResource[];
            keyOf = sameStack ? undefined : neutralKey(clusterName);
            title = o.from
                ? `Change plan of stack "${o.stack}": from the plan in ${path.relative(cwd, (o.from as { planDir: string }).planDir) || "."}`
                : `Difference: stack "${other.stack}" (${path.relative(cwd, o.diff!) || "."}) → stack "${o.stack}"`;
        }
        const plan = planChange(before, document, keyOf, { crossStack });
        const failed = plan.findings.some((f) => f.level === "error");
        change = { text: renderText(plan, title), markdown: renderMarkdown(plan, title), failed };
        log("");
        if (o.quiet) {
            log(change.text[0]);
            log(change.text[1]);
            for (const f of plan.findings) log(`  ${f.level === "error" ? "FAIL" : "warn"} ${f.resource}: ${f.message}`);
        } else for (const line of change.text) log(line);
    }

    fs.rmSync(dir, { recursive: true, force: true });
    const written: string[] = [];
    const write = (file: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), text);
        written.push(file);
    };
    write("plan.json", `${JSON.stringify({ stack: o.stack, clusterName: clusterNameOf(run), region: run.scope.region }, null, 2)}\n`);
    write("resources.json", `${JSON.stringify(document, null, 2)}\n`);
    for (const m of artifacts.manifests) write(m.file, stringify(m.content));
    for (const h of artifacts.helm) write(h.file, stringify(h.content));
    for (const i of artifacts.iam) write(i.file, `${JSON.stringify(i.content, null, 2)}\n`);
    for (const e of artifacts.events) write(e.file, `${JSON.stringify(e.content, null, 2)}\n`);
    write("policy-report.json", `${JSON.stringify({ configFrom: choice.description, config: packConfig, mandatory: mandatory.length, advisory: violations.length - mandatory.length, violations }, null, 2)}\n`);
    if (change) write(o.from ? "change.md" : "diff.md", change.markdown);
    if (!o.quiet) {
        log("");
        log(
            `Wrote ${path.relative(cwd, dir) || "."}/: resources.json, ${artifacts.manifests.length} manifests, ${artifacts.helm.length} Helm releases, ` +
                `${artifacts.iam.length} IAM documents, ${artifacts.events.length} EventBridge rules, policy-report.json${change ? `, ${o.from ? "change.md" : "diff.md"}` : ""}`,
        );
    }
    return { exitCode: findings.length > 0 || change?.failed ? 1 : 0, run, findings, written, change };
}

interface ParsedArgs {
    stacks: Array<{ stack: string; stackFileConfig?: Record<string, unknown>; stackFile?: string }>;
    outDir: string;
    quiet: boolean;
    from?: PlanOptions["from"];
    diff?: string;
    help?: boolean;
}

/** A stack file's config, parsed (a YAML error names the file and line). */
function readStackFile(file: string): Record<string, unknown> {
    const { parse } = require("yaml") as typeof import("yaml");
    try {
        const parsed = parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
        return parsed?.config ?? {};
    } catch (e) {
        throw new UsageError(`${file}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
    }
}

/** Arguments are relative to the folder the user ran npm in (npm sets INIT_CWD; the script runs in the project). */
export function parseArgs(argv: string[], cwd = userCwd()): ParsedArgs {
    const stacks: ParsedArgs["stacks"] = [];
    let outDir = path.join(PROJECT_DIR, "plan");
    let quiet = false;
    let from: PlanOptions["from"];
    let diff: string | undefined;
    const value = (i: number, what: string) => {
        if (!argv[i + 1] || argv[i + 1].startsWith("-")) throw new UsageError(`${argv[i]} needs ${what}`);
        return path.resolve(cwd, argv[i + 1]);
    };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "-h" || arg === "--help") return { stacks, outDir, quiet, help: true };
        if (arg === "--all") stacks.push(...stackNames().map((stack) => ({ stack })));
        else if (arg === "--quiet") quiet = true;
        else if (arg === "--out") outDir = value(i++, "a directory");
        else if (arg === "--diff") {
            diff = value(i++, "a plan folder");
            if (!fs.existsSync(path.join(diff, "resources.json"))) throw new UsageError(`--diff needs a plan folder (with resources.json), got ${diff}`);
        } else if (arg === "--from") {
            const source = value(i++, "a stack file or a plan folder");
            if (fs.existsSync(path.join(source, "resources.json"))) from = { planDir: source };
            else if (fs.existsSync(source) && fs.statSync(source).isFile()) from = { stackFileConfig: readStackFile(source), file: path.relative(cwd, source) || source };
            else throw new UsageError(`--from needs a stack file or a plan folder (with resources.json), got ${source}`);
        } else if (arg === "--stack-file") {
            const file = value(i++, "a file");
            if (!fs.existsSync(file)) throw new UsageError(`--stack-file needs an existing file, got ${file}`);
            const base = path.basename(file).replace(/^Pulumi\./, "").replace(/\.ya?ml$/, "");
            // Read by the run as the CLI reads it (a YAML error: exit 2 with the file and line).
            stacks.push({ stack: base, stackFile: file });
        } else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
        else if (!stackNames().includes(arg)) throw new UsageError(`no stack "${arg}": there is no Pulumi.${arg}.yaml in ${PROJECT_DIR}`);
        else stacks.push({ stack: arg });
    }
    if (stacks.length === 0) throw new UsageError("name a stack, or use --all");
    if ((from || diff) && stacks.length > 1) throw new UsageError("--from and --diff take one stack");
    return { stacks, outDir, quiet, from, diff };
}

/** Where the command line writes, and the folder its arguments are relative to (tests run it in-process). */
export interface PlanIo {
    out: (line: string) => void;
    err: (line: string) => void;
    cwd: string;
}

/**
 * The command line: the exit code, what it printed on `io`. Without `io` it prints on the process's stdout and
 * stderr, relative to the user's folder, with progress lines on stderr for slow steps.
 */
export async function main(argv: string[], io?: PlanIo): Promise<number> {
    const out = io?.out ?? ((line: string) => console.log(line));
    const err = io?.err ?? ((line: string) => console.error(line));
    const cwd = io?.cwd ?? userCwd();
    let args: ParsedArgs;
    try {
        args = parseArgs(argv, cwd);
    } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        err(`${e.message}\n\n${USAGE}`);
        return 2;
    }
    if (args.help) {
        out(USAGE);
        return 0;
    }
    let exitCode = 0;
    for (const [i, s] of args.stacks.entries()) {
        if (i > 0) out(`\n${"-".repeat(100)}\n`);
        if (s.stackFile) out(`Stack file: ${path.relative(cwd, s.stackFile) || s.stackFile} (stack "${s.stack}": the file name without "Pulumi." and ".yaml")`);
        try {
            const result = await planStack({ ...s, outDir: args.outDir, quiet: args.quiet, from: args.from, diff: args.diff, cwd, ...(io ? { log: io.out } : {}) });
            exitCode = Math.max(exitCode, result.exitCode);
        } catch (e) {
            if (!(e instanceof UsageError)) throw e;
            err(e.message);
            return 2;
        }
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
