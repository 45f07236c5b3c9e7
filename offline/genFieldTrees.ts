import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { FieldTree, MODELS } from "./models";
import { PROJECT_DIR } from "./stackFiles";

/**
 * Derives, with the TypeScript checker, the field tree of every kind in MODELS from the @kubernetes-models type
 * declarations, and writes offline/fieldTrees.json. The plan reads that file (fast); a test regenerates it and
 * fails when it is stale. Run: npm run gen:field-trees
 */
export const FIELD_TREES_FILE = path.join(PROJECT_DIR, "offline", "fieldTrees.json");

export function generateFieldTrees(): Record<string, FieldTree> {
    const probe = path.join(PROJECT_DIR, "offline", ".field-tree-probe.mts");
    const keys = Object.keys(MODELS);
    fs.writeFileSync(
        probe,
        keys.map((k, i) => `import type { ${MODELS[k].type} as T${i} } from "${MODELS[k].module}";\nexport type K${i} = T${i};`).join("\n"),
    );
    try {
        const program = ts.createProgram([probe], { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, strict: true, skipLibCheck: true, noEmit: true });
        const checker = program.getTypeChecker();
        const source = program.getSourceFile(probe)!;
        const aliases = source.statements.filter(ts.isTypeAliasDeclaration);
        const walk = (type: ts.Type, seen: Set<ts.Type>, depth: number): FieldTree => {
            const t = checker.getNonNullableType(type);
            if (depth > 25 || seen.has(t)) return null;
            if (t.isUnion()) {
                const objects = t.types.filter((u) => u.flags & ts.TypeFlags.Object);
                return objects.length === 1 ? walk(objects[0], seen, depth) : null;
            }
            if (!(t.flags & ts.TypeFlags.Object)) return null;
            if (checker.isArrayType(t)) return { a: walk(checker.getTypeArguments(t as ts.TypeReference)[0], new Set([...seen, t]), depth + 1) };
            const props = checker.getPropertiesOfType(t);
            const index = checker.getIndexInfoOfType(t, ts.IndexKind.String);
            if (props.length === 0) return index ? { m: walk(index.type, new Set([...seen, t]), depth + 1) } : null;
            const next = new Set([...seen, t]);
            return { f: Object.fromEntries(props.map((p) => [p.name, walk(checker.getTypeOfSymbolAtLocation(p, source), next, depth + 1)])) };
        };
        return Object.fromEntries(keys.map((k, i) => [k, walk(checker.getTypeAtLocation(aliases[i].name), new Set(), 0)]));
    } finally {
        fs.rmSync(probe, { force: true });
    }
}

if (require.main === module) {
    fs.writeFileSync(FIELD_TREES_FILE, `${JSON.stringify(generateFieldTrees())}\n`);
    console.log(`wrote ${path.relative(process.cwd(), FIELD_TREES_FILE)}`);
}
