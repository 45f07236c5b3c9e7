// Runs index.ts the way `pulumi preview` starts it, minus the engine: the language host's handling of the
// Pulumi.yaml runtime options, then the SDK's own runner (@pulumi/pulumi/cmd/run/run.js `run`), which decides
// whether ts-node type-checks and registers it. Pulumi's mocks stand in for the engine (no resource is created).
// Plain JavaScript on purpose: it must not run under a TypeScript loader, or ts-node would be registered twice.
//
//   node offline/cliStart.js [stack]          prints one JSON line: the ts-node options the runner used,
//                                             the resources registered and the milliseconds from start
//   node offline/cliStart.js --decision-only  stops once the runner has registered ts-node (for tests)
//   PULUMI_NODEJS_TRANSPILE_ONLY=false ...    the runner's own override: type-check as the CLI did before
"use strict";
const started = process.hrtime.bigint();
const fs = require("node:fs");
const path = require("node:path");
const { parse } = require("yaml");

const ROOT = path.resolve(__dirname, "..");
const args = process.argv.slice(2);
const decisionOnly = args.includes("--decision-only");
const stack = args.find((a) => !a.startsWith("-")) || "dev";

/**
 * The environment pulumi-language-nodejs gives the program for the project's runtime options
 * (sdk/nodejs/cmd/pulumi-language-nodejs/main.go, parseOptions and Run): `typescript` (default true) →
 * PULUMI_NODEJS_TYPESCRIPT=true; `tsconfig` → PULUMI_NODEJS_TSCONFIG_PATH.
 */
function languageHostEnv(projectFile) {
    const project = parse(fs.readFileSync(projectFile, "utf8"));
    const options = (typeof project.runtime === "object" && project.runtime.options) || {};
    const env = {};
    if (options.typescript !== false) env.PULUMI_NODEJS_TYPESCRIPT = "true";
    if (typeof options.tsconfig === "string") env.PULUMI_NODEJS_TSCONFIG_PATH = options.tsconfig;
    return env;
}

async function main() {
    process.chdir(ROOT);
    Object.assign(process.env, languageHostEnv(path.join(ROOT, "Pulumi.yaml")));

    // Record what the runner hands ts-node (the decision under test), then let ts-node do its real work.
    const tsnode = require("ts-node");
    const register = tsnode.register;
    let tsNodeOptions;
    tsnode.register = (options) => {
        tsNodeOptions = options;
        if (decisionOnly) {
            process.stdout.write(`${JSON.stringify({ transpileOnly: options.transpileOnly === true, project: options.project, compilerOptions: options.compilerOptions })}\n`);
            process.exit(0);
        }
        return register(options);
    };

    // The engine's part: config of the stack and a monitor. The offline cloud answers (compiled on the fly,
    // without type checks, exactly like the program).
    const pulumi = require("@pulumi/pulumi");
    const registered = [];
    const { runOffline } = await loadOfflineCloud();
    await runOffline(pulumi, stack, registered);

    // run.js imports its folder's index.js only for an exit code, but that module starts the CLI entry point
    // (argument parsing, --monitor) when loaded: stand in for it with that one constant.
    const indexFile = require.resolve("@pulumi/pulumi/cmd/run/index.js");
    const stub = new (require("node:module"))(indexFile, module);
    stub.exports = { nodeJSProcessExitedAfterLoggingUserActionableMessage: 32 };
    stub.loaded = true;
    require.cache[indexFile] = stub;
    const { run } = require("@pulumi/pulumi/cmd/run/run");
    const errors = [];
    await run({ _: ["."] }, () => undefined, (e) => errors.push(e), () => false).catch((e) => errors.push(e));
    await pulumi.runtime.waitForRPCs(); // until every registration the program started has been answered
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const result = {
        transpileOnly: tsNodeOptions ? tsNodeOptions.transpileOnly === true : null,
        project: tsNodeOptions ? tsNodeOptions.project : null,
        compilerOptions: tsNodeOptions ? tsNodeOptions.compilerOptions : null,
        resources: registered.length,
        errors: errors.map((e) => (e instanceof Error ? e.message : String(e))),
        ms: Math.round(ms),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(errors.length > 0 ? 1 : 0);
}

/**
 * The offline cloud and stack config, compiled by this project's own loader (offline/run.js, transpile-only, no
 * type check) before the runner registers ts-node for the program.
 */
async function loadOfflineCloud() {
    require("./run.js");
    const cloud = require("./cloud.ts");
    const stackFiles = require("./stackFiles.ts");
    return {
        async runOffline(pulumi, stackName, registered) {
            const config = stackFiles.stackConfig(stackName);
            const mocks = cloud.offlineMocks(cloud.scopeOf(config.values["aws:region"] || "us-west-2"));
            const newResource = mocks.newResource.bind(mocks);
            mocks.newResource = (args) => {
                // The runner wraps the program in the stack resource, as the CLI does (mocks-only runs never see it).
                if (args.type === "pulumi:pulumi:Stack") return { id: "", state: {} };
                registered.push(args.type);
                return newResource(args);
            };
            await pulumi.runtime.setMocks(mocks, config.project, stackName, true);
            pulumi.runtime.setAllConfig(config.values);
        },
    };
}

main().catch((e) => {
    process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
    process.exit(1);
});
