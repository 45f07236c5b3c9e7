import * as path from "node:path";
import { expect } from "chai";
import ts from "typescript";
import { KarpenterChartValues } from "../components/karpenter/helmValues";
import { UPSTREAM_VALUE_PATHS } from "./fixtures/upstreamChartValues";

/** Key paths of an interface, descending into the keys listed in `descend` (the chart's own objects). */
function interfacePaths(file: string, name: string, descend: Set<string>): string[] {
    const program = ts.createProgram([file], { strict: true, noEmit: true, skipLibCheck: true });
    const checker = program.getTypeChecker();
    const source = program.getSourceFile(file)!;
    const decl = source.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name)!;
    const paths: string[] = [];
    const walk = (type: ts.Type, prefix: string) => {
        for (const p of checker.getPropertiesOfType(checker.getNonNullableType(type))) {
            const key = prefix ? `${prefix}.${p.name}` : p.name;
            paths.push(key);
            if (descend.has(key)) walk(checker.getTypeOfSymbolAtLocation(p, source), key);
        }
    };
    walk(checker.getTypeAtLocation(decl.name), "");
    return paths;
}

describe("Karpenter chart values type", () => {
    it("has exactly the keys of the chart's values.yaml at 1.14.1", () => {
        const parents = new Set(UPSTREAM_VALUE_PATHS.filter((p) => UPSTREAM_VALUE_PATHS.some((q) => q.startsWith(`${p}.`))));
        const ours = interfacePaths(path.join(__dirname, "..", "components", "karpenter", "helmValues.ts"), "KarpenterChartValues", parents);
        expect(ours.sort()).to.deep.equal([...UPSTREAM_VALUE_PATHS].sort());
    });

    it("turns a misspelled key into a type error (checked by npm run typecheck)", () => {
        const values: KarpenterChartValues = {
            settings: {
                clusterName: "demo",
                // @ts-expect-error: the chart's key is interruptionQueue; Helm would ignore this one silently.
                interruptionQueueName: "demo",
            },
        };
        expect(values.settings?.clusterName).to.equal("demo");
    });
});
