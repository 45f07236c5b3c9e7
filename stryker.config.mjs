// StrykerJS configuration for `npm run mutate -- <file...>` (tests/mutation/mutate.cjs passes the files as --mutate).
// Not run in CI: a file takes minutes on the 2-core machine (README "Mutation testing").
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
    packageManager: "npm",
    testRunner: "mocha",
    // The mocha runner reads .mocharc.cjs (ts-node transpile-only, timeout); only the reporter and spec list are Stryker's.
    // Same spec files as `npm test`, the fast specs of pure builders first: a mutant's tests run in file order and
    // stop at the first failure, and mutants in module-level constants ("static") run every test. A spec that
    // builds whole program runs costs seconds per test; a pure one, milliseconds. A file matched twice loads once.
    // `npm run mutate -- <file> --specs=a,b` narrows the run to those specs (STRYKER_SPECS): a lower-bound score.
    mochaOptions: {
        spec: process.env.STRYKER_SPECS ? process.env.STRYKER_SPECS.split(",") : [
            "tests/**/*.facts.spec.ts",
            "tests/karpenterIam.spec.ts",
            "tests/config.spec.ts",
            "tests/helmValues.spec.ts",
            "tests/nodePools.spec.ts",
            "tests/sweep.spec.ts",
            "tests/**/*.spec.ts",
        ],
    },
    checkers: ["typescript"],
    // tests/mutation/mutate.cjs narrows the checker to the mutated files (the CLI has no option for it).
    tsconfigFile: process.env.STRYKER_TSCONFIG ?? "tsconfig.stryker.json",
    // Each test runs only the mutants its own code path reached (tests/helpers/lazy.ts keeps that true for the
    // shared program runs).
    coverageAnalysis: "perTest",
    // 2 cores shared by several engineers: one test-runner process and one checker process.
    concurrency: 1,
    reporters: ["clear-text", "progress-append-only", "json", "html"],
    jsonReporter: { fileName: "reports/mutation/mutation.json" },
    htmlReporter: { fileName: "reports/mutation/mutation.html" },
    clearTextReporter: { allowColor: false, logTests: false, reportTests: false, reportScoreTable: true, reportMutants: true },
    // Program runs take a few hundred ms each; a mutant that loops (a lost pagination token) must time out, not hang.
    timeoutMS: 20000,
    // The first pass runs every test once with coverage (about 2.5 min alone); on a shared 2-core machine with a
    // second run it takes longer than Stryker's default 5 minutes.
    dryRunTimeoutMinutes: 15,
    ignorePatterns: ["bin", "plan", "reports", ".stryker-tmp"],
    tempDirName: ".stryker-tmp",
    cleanTempDir: true,
};
