import Ajv from "ajv";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

/**
 * The Karpenter v1.14.1 CRDs as the API server applies them to a create: the OpenAPI v3 schema (with ajv) and
 * every CEL rule in `x-kubernetes-validations` (with a CEL evaluator), both read from the CRD text kept in
 * tests/fixtures/karpenter-crds (copied from aws/karpenter-provider-aws at tag v1.14.1, commit
 * bde00654cd316fddb3dccfba3f5ac07039865429). Transition rules (those reading `oldSelf`) apply only to updates
 * and are skipped, as the API server does on create. Unknown fields are pruned by the API server, not refused,
 * so they are not reported here.
 */

type Schema = {
    properties?: Record<string, Schema>;
    items?: Schema;
    additionalProperties?: Schema | boolean;
    "x-kubernetes-validations"?: Array<{ rule: string; message?: string }>;
};

const FIXTURES = path.join(__dirname, "..", "fixtures", "karpenter-crds");
export const CRD_FILES = { NodePool: "karpenter.sh_nodepools.yaml", EC2NodeClass: "karpenter.k8s.aws_ec2nodeclasses.yaml" } as const;

const schemas = new Map<string, Schema>();
function schemaOf(kind: keyof typeof CRD_FILES): Schema {
    if (!schemas.has(kind)) {
        const crd = YAML.parse(fs.readFileSync(path.join(FIXTURES, CRD_FILES[kind]), "utf8"));
        schemas.set(kind, crd.spec.versions.find((v: { name: string }) => v.name === "v1").schema.openAPIV3Schema);
    }
    return schemas.get(kind)!;
}

/** Every CEL rule of a CRD with the schema path it sits on, for coverage checks. */
export function celRules(kind: keyof typeof CRD_FILES): Array<{ path: string; rule: string; message?: string }> {
    const out: Array<{ path: string; rule: string; message?: string }> = [];
    const walk = (s: Schema, at: string) => {
        for (const v of s["x-kubernetes-validations"] ?? []) out.push({ path: at, ...v });
        for (const [k, child] of Object.entries(s.properties ?? {})) walk(child, `${at}.${k}`);
        if (s.items) walk(s.items, `${at}[]`);
        if (s.additionalProperties && typeof s.additionalProperties === "object") walk(s.additionalProperties, `${at}{}`);
    };
    walk(schemaOf(kind), "");
    return out;
}

let cel: Promise<{ evaluate(rule: string, ctx: Record<string, unknown>): unknown }> | undefined;
/** The CEL environment with the Kubernetes regex library's `find` (Kubernetes CEL libraries, regex). */
function celEnvironment() {
    cel ??= import("@marcbachmann/cel-js").then(({ Environment }) => {
        const env = new Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false });
        env.registerFunction("string.find(string): string", (s: string, re: string) => new RegExp(re).exec(s)?.[0] ?? "");
        return env;
    });
    return cel;
}

/** JSON numbers that are integers become CEL ints (BigInt), as the API server decodes them for integer fields. */
function toCel(value: unknown): unknown {
    if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
    if (Array.isArray(value)) return value.map(toCel);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCel(v)]));
    return value;
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const validators = new Map<string, ReturnType<typeof ajv.compile>>();

/** What the API server would refuse in a create of this NodePool or EC2NodeClass: "<path>: <message>" each. */
export async function crdRefusals(object: { kind: string }): Promise<string[]> {
    const kind = object.kind as keyof typeof CRD_FILES;
    const schema = schemaOf(kind);
    if (!validators.has(kind)) validators.set(kind, ajv.compile(schema));
    const validate = validators.get(kind)!;
    const out: string[] = [];
    if (!validate(object)) for (const e of validate.errors ?? []) out.push(`${e.instancePath || "/"}: ${e.message}`);
    const env = await celEnvironment();
    const walk = (s: Schema, value: unknown, at: string) => {
        if (value === undefined) return;
        for (const { rule, message } of s["x-kubernetes-validations"] ?? []) {
            if (/\boldSelf\b/.test(rule)) continue;
            let result: unknown;
            try {
                result = env.evaluate(rule, { self: toCel(value) });
            } catch (e) {
                // A rule that errors refuses the object, as in the API server.
                result = `error: ${(e as Error).message}`;
            }
            if (result !== true) out.push(`${at || "/"}: ${message ?? rule}${result === false ? "" : ` (${String(result)})`}`);
        }
        if (Array.isArray(value) && s.items) value.forEach((v, i) => walk(s.items!, v, `${at}/${i}`));
        else if (value && typeof value === "object") {
            for (const [k, v] of Object.entries(value)) {
                const child = s.properties?.[k] ?? (typeof s.additionalProperties === "object" ? s.additionalProperties : undefined);
                if (child) walk(child, v, `${at}/${k}`);
            }
        }
    };
    walk(schema, object, "");
    return out;
}
