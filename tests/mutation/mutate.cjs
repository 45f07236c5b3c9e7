#!/usr/bin/env node
// `npm run mutate -- <file.ts...>`: runs StrykerJS (stryker.config.mjs) on the given source files, in one run.
// Reports: clear text on stdout, reports/mutation/mutation.{json,html}. See README "Mutation testing".
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { spawnSync } = require("node:child_process");

const root = path.resolve(__dirname, "..", "..");
const files = process.argv.slice(2);
if (files.length === 0 || files.some((f) => f === "--help" || f === "-h")) {
    console.log("usage: npm run mutate -- <file.ts...>   e.g. npm run mutate -- components/karpenter/interruption.ts");
    process.exit(files.length === 0 ? 2 : 0);
}
const problems = files.filter((f) => !/\.ts$/.test(f) || !fs.existsSync(path.resolve(root, f)) || /(^|\/)tests\//.test(f));
if (problems.length > 0) {
    console.error(`npm run mutate: not a source .ts file of this project: ${problems.join(", ")} (give paths such as components/validate.ts)`);
    process.exit(2);
}
const shim = path.join(__dirname, "mocha12-cli.cjs");
const nodeOptions = [process.env.NODE_OPTIONS, `--require ${shim}`].filter(Boolean).join(" ");
const stryker = path.join(root, "node_modules", "@stryker-mutator", "core", "bin", "stryker.js");
const mutate = files.map((f) => path.relative(root, path.resolve(root, f))).join(",");
// Incremental mode, one results file per set of files: a re-run after a change tests again only the mutants whose
// code or covering tests changed (https://stryker-mutator.io/docs/stryker-js/incremental/), so a file's second
// run takes minutes instead of its first run's half hour. Delete the file for a clean measurement.
const incrementalFile = path.join("reports", "mutation", "incremental", `${mutate.replace(/[^A-Za-z0-9]+/g, "-")}.json`);
const args = [stryker, "run", "--mutate", mutate, "--incremental", "--incrementalFile", incrementalFile];
console.log(`stryker run --mutate ${mutate} --incremental --incrementalFile ${incrementalFile}`);
const started = Date.now();
const result = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit", env: { ...process.env, NODE_OPTIONS: nodeOptions } });
console.log(`npm run mutate: ${files.length} file(s) in ${Math.round((Date.now() - started) / 1000)} s`);
process.exit(result.status ?? 1);
