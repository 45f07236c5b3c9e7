// `node offline/run.js offline/plan.ts args...`: runs a TypeScript entry point of this project without a build
// step and without type checking (`npm test` type-checks). Each .ts file is transpiled by TypeScript's
// transpileModule (module node16: CommonJS with real dynamic `import()`, which the ESM-only Karpenter models
// need) and the output is cached under node_modules/.cache/eks-karpenter/ by content hash, so later runs do not
// even load the compiler. Plain JavaScript: it is the loader.
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const CACHE = path.join(ROOT, "node_modules", ".cache", "eks-karpenter", "ts");
let ts;
let announced = false;

function transpile(source, file) {
    if (!ts) {
        ts = require("typescript");
        if (!announced && process.env.EKS_KARPENTER_QUIET_LOADER !== "1") {
            process.stderr.write("  ... compiling the TypeScript sources (first run after install or a change; cached afterwards)\n");
            announced = true;
        }
    }
    return ts.transpileModule(source, {
        fileName: file,
        compilerOptions: { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, target: ts.ScriptTarget.ES2022, esModuleInterop: true, sourceMap: false },
    }).outputText;
}

function compiled(file) {
    const source = fs.readFileSync(file, "utf8");
    const key = crypto.createHash("sha256").update(file).update("\0").update(source).update(require("typescript/package.json").version).digest("hex");
    const cached = path.join(CACHE, `${key.slice(0, 40)}.js`);
    try {
        return fs.readFileSync(cached, "utf8");
    } catch {
        const js = transpile(source, file);
        fs.mkdirSync(CACHE, { recursive: true });
        fs.writeFileSync(`${cached}.${process.pid}`, js);
        fs.renameSync(`${cached}.${process.pid}`, cached);
        return js;
    }
}

Module._extensions[".ts"] = function loadTs(module, filename) {
    if (filename.includes(`${path.sep}node_modules${path.sep}`)) throw new Error(`refusing to compile ${filename}: packages ship JavaScript`);
    module._compile(compiled(filename), filename);
};

if (require.main === module) {
    const entry = process.argv[2];
    if (!entry) {
        process.stderr.write("usage: node offline/run.js <file.ts> [args...]\n");
        process.exit(2);
    }
    process.argv.splice(1, 2, path.resolve(entry));
    // Loaded as the main module, so the entry point's `require.main === module` holds.
    Module._load(path.resolve(entry), null, true);
}
