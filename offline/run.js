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
        compilerOptions: { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, target: ts.ScriptTarget.ES2022, esModuleInterop: true, inlineSourceMap: true },
    }).outputText;
}

function compiled(file) {
    const source = fs.readFileSync(file, "utf8");
    const key = crypto.createHash("sha256").update(file).update("\0").update(source).update(require("typescript/package.json").version).update("\0inline-source-map").digest("hex");
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

// Stack traces name the .ts lines. Each output carries its source map inline; a map is parsed (by Node's own
// module.SourceMap) the first time a trace passes through its file, and only frames in files compiled here are
// mapped. Not source-map-support (what ts-node and the Pulumi runner register) nor Node's --enable-source-maps: the
// SDK captures a stack for every promise it makes (runtime/debuggable.js) and every resource, and with either of
// those every capture costs; `npm test` took half again as much CPU.
const outputs = new Map(); // file -> compiled JavaScript
const maps = new Map(); // file -> module.SourceMap, or null without one

function sourceMapOf(file) {
    if (!maps.has(file)) {
        const inline = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(outputs.get(file));
        maps.set(file, inline ? new Module.SourceMap(JSON.parse(Buffer.from(inline[1], "base64").toString("utf8"))) : null);
    }
    return maps.get(file);
}

function frame(callsite) {
    const text = callsite.toString();
    const file = callsite.getFileName();
    if (!file || !outputs.has(file)) return text;
    const line = callsite.getLineNumber();
    const column = callsite.getColumnNumber();
    const entry = sourceMapOf(file)?.findEntry(line - 1, column - 1);
    const generated = `${file}:${line}:${column}`;
    const at = text.lastIndexOf(generated);
    if (entry?.originalLine === undefined || at < 0) return text;
    return `${text.slice(0, at)}${file}:${entry.originalLine + 1}:${entry.originalColumn + 1}${text.slice(at + generated.length)}`;
}

// The header as V8 writes it (Error.prototype.toString, also for objects given to Error.captureStackTrace).
Error.prepareStackTrace = (error, callsites) => {
    let header;
    try {
        header = Error.prototype.toString.call(error);
    } catch {
        header = "<error>";
    }
    return header + callsites.map((callsite) => `\n    at ${frame(callsite)}`).join("");
};

Module._extensions[".ts"] = function loadTs(module, filename) {
    if (filename.includes(`${path.sep}node_modules${path.sep}`)) throw new Error(`refusing to compile ${filename}: packages ship JavaScript`);
    const js = compiled(filename);
    outputs.set(filename, js);
    maps.delete(filename); // a file loaded again (its cache entry purged) may have changed
    module._compile(js, filename);
};

/**
 * Fills the transpile cache with every TypeScript source of the project (tests/run.sh calls it before mocha: on a
 * fresh clone one process compiles each file once, instead of both mocha workers compiling all of them at once).
 */
function precompile() {
    const walk = (dir) =>
        fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
            const full = path.join(dir, e.name);
            if (e.isDirectory()) return e.name === "node_modules" || e.name.startsWith(".") ? [] : walk(full);
            return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [full] : [];
        });
    const files = [path.join(ROOT, "index.ts"), ...["components", "offline", "policies", "deployments", "verify", "tests"].flatMap((d) => walk(path.join(ROOT, d)))];
    for (const file of files) compiled(file);
    return files.length;
}

module.exports = { precompile };

if (require.main === module) {
    const entry = process.argv[2];
    if (!entry) {
        process.stderr.write("usage: node offline/run.js <file.ts> [args...]\n");
        process.exit(2);
    }
    process.argv.splice(1, 2, path.resolve(entry));
    // Loaded as the main module, so the entry point's `require.main === module` holds. An error thrown while it loads
    // is printed as its (mapped) trace and exits 1 as Node would, without Node's quote of the compiled line.
    try {
        Module._load(path.resolve(entry), null, true);
    } catch (error) {
        process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
        process.exit(1);
    }
}
