// Mocha's config for `npm test` (tests/run.sh runs it with --parallel --jobs 2) and for StrykerJS's mocha runner.
// Type-checking is a separate step (npm run typecheck). The loader is offline/run.js, the one `npm run plan` uses:
// transpiled sources cached by content hash, traces mapped to the .ts lines only when printed. Under ts-node the
// same suite took about half again as much CPU: ts-node compiles every file in every worker on every run, and its
// source-map hook formats the stack the Pulumi SDK captures for each promise and resource.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

// The specs that build the most program runs or plans go first: two workers take files in this order, so the long
// ones overlap with the short ones instead of one worker finishing alone at the end. Every other spec follows in
// name order; a name here that no longer exists is skipped.
const FIRST = ["plan", "change", "remoteChildren", "policyMutations", "newEnvironment", "program", "providers"].map((n) => `tests/${n}.spec.ts`);
const all = fs.readdirSync(path.join(__dirname, "tests")).filter((f) => f.endsWith(".spec.ts")).map((f) => `tests/${f}`).sort();

module.exports = {
    require: "./offline/run.js",
    extension: ["ts"],
    spec: [...FIRST.filter((f) => all.includes(f)), ...all.filter((f) => !FIRST.includes(f))],
    timeout: 30000,
    reporter: "tests/helpers/reporter.ts",
};
