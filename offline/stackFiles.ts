import * as fs from "node:fs";
import * as path from "node:path";
import { YAMLError, parseDocument } from "yaml";
import type { RawStackConfig } from "../components/config";

/**
 * Reads Pulumi.yaml and Pulumi.<stack>.yaml the way the Pulumi CLI does before it starts the program, and fails
 * where the CLI fails. Rules from pulumi/pulumi (read at 1b5949891b, 2026-11):
 * - sdk/go/common/workspace/project.go `Project.Validate`, `RewriteShorthandConfigValues`, `ValidateConfigValue`:
 *   a project key without a namespace (or with the project's) is a typed declaration with an optional
 *   `default`; a key of another namespace (`aws:region`) may only carry a `value`; an array needs `items`.
 * - sdk/go/common/workspace/loaders.go `LoadProjectStackBytes`: stack keys without a namespace belong to the project.
 * - pkg/workspace/config.go `ValidateStackConfigAndApplyProjectConfig` (tests: config_project_test.go): a
 *   project key with neither `default` nor `value` must be set by every stack, typed or not ("Stack 'dev' is
 *   missing configuration value 'x'"); stack values of typed keys are type-checked; `secret: true` keys must be
 *   encrypted.
 * The CLI stops at the first of these errors; ProjectConfigError carries them all, the CLI's first one first.
 */

/** Where the Pulumi project lives: the nearest folder above this file with a Pulumi.yaml (also from bin/). */
export const PROJECT_DIR = ((): string => {
    for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    }
    throw new Error(`no Pulumi.yaml above ${__dirname}`);
})();

/** A config type of Pulumi.yaml (`simpleConfigType` of the project JSON schema) with its array items. */
interface ItemsType {
    type: string;
    items?: ItemsType;
}

export interface ProjectConfigType {
    type?: string;
    items?: ItemsType;
    description?: string;
    default?: unknown;
    value?: unknown;
    secret?: boolean;
}

export interface ProjectFile {
    name: string;
    /** Shorthand entries (`key: value`) already rewritten as the CLI does. */
    config?: Record<string, ProjectConfigType>;
}

/** What the CLI refuses before the program runs: a project file, a stack file or a value the project declares. */
export class ProjectConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(problems.length === 1 ? problems[0] : problems.map((p, i) => `  ${i + 1}. ${p}`).join("\n"));
        this.name = "ProjectConfigError";
    }
}

const SIMPLE_TYPES = ["string", "integer", "boolean", "array", "object"];

/** Parses a YAML file; a syntax error names the file, line and column. */
function readYaml(file: string): unknown {
    const text = fs.readFileSync(file, "utf8");
    const doc = parseDocument(text);
    const error: YAMLError | undefined = doc.errors[0];
    if (error) {
        const where = error.linePos?.[0] ? `:${error.linePos[0].line}:${error.linePos[0].col}` : "";
        const message = error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
        throw new ProjectConfigError([`${path.relative(process.cwd(), file) || file}${where}: invalid YAML: ${message}`]);
    }
    return doc.toJS() as unknown;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function namespacedByProject(project: string, key: string): boolean {
    return !key.includes(":") || key.startsWith(`${project}:`);
}

/** The full `namespace:name` key (parseConfigKey): keys without a namespace belong to the project. */
function fullKey(project: string, key: string): string {
    return key.includes(":") ? key : `${project}:${key}`;
}

/** `ValidateConfigValue`: does a value (a string for scalars, parsed JSON for lists and maps) fit the type? */
export function fitsConfigType(type: string, items: ItemsType | undefined, value: unknown): boolean {
    switch (type) {
        case "string":
            return typeof value === "string";
        case "integer":
            if (typeof value === "number") return Number.isInteger(value);
            // Go's strconv.Atoi: optional sign, decimal digits, 64-bit range.
            return typeof value === "string" && /^[+-]?[0-9]+$/.test(value) && Math.abs(Number(value)) <= 2 ** 63;
        case "boolean":
            return value === "true" || value === "false" || typeof value === "boolean";
        case "object":
            return isPlainObject(value);
        default:
            return Array.isArray(value) && items !== undefined && value.every((item) => fitsConfigType(items.type, items.items, item));
    }
}

/** `InferFullTypeName`: "array<string>" for a list of strings. */
function fullTypeName(type: string, items?: ItemsType): string {
    return items ? `array<${fullTypeName(items.type, items.items)}>` : type;
}

/** Reads and validates Pulumi.yaml (`LoadProject` + `Project.Validate`); errors as the CLI words them. */
export function readProjectFile(dir = PROJECT_DIR): ProjectFile {
    const file = path.join(dir, "Pulumi.yaml");
    const raw = readYaml(file);
    const fail = (message: string): never => {
        throw new ProjectConfigError([`could not unmarshal '${file}': ${message}`]);
    };
    if (!isPlainObject(raw) || typeof raw.name !== "string" || raw.name === "") return fail("project is missing a 'name' attribute");
    const name = raw.name;
    const config: Record<string, ProjectConfigType> = {};
    for (const [key, entry] of Object.entries(isPlainObject(raw.config) ? raw.config : {})) {
        // RewriteShorthandConfigValues: `key: value` is a default for the project's keys, a value for others'.
        const spec: ProjectConfigType = isPlainObject(entry) ? (entry as ProjectConfigType) : namespacedByProject(name, key) ? { default: entry } : { value: entry };
        config[key] = spec;
        if (spec.default !== undefined && spec.value !== undefined) fail(`project config '${key}' cannot have both a 'default' and 'value' attribute`);
        if (spec.type !== undefined && !SIMPLE_TYPES.includes(spec.type)) fail(`config.${key}.type must be one of ${SIMPLE_TYPES.join(", ")}; got '${spec.type}'`);
        if (namespacedByProject(name, key)) {
            if (spec.type === "array" && spec.items === undefined) {
                fail(`The configuration key '${key}' declares an array but does not specify the underlying type via the 'items' attribute`);
            }
            if (spec.type !== undefined && spec.default !== undefined && !fitsConfigType(spec.type, spec.items, spec.default)) {
                fail(`The default value specified for configuration key '${key}' is not of the expected type '${fullTypeName(spec.type, spec.items)}'`);
            }
        } else {
            if (spec.type !== undefined) fail(`Configuration key '${key}' is not namespaced by the project and should not define a type`);
            if (spec.default !== undefined) {
                fail(`Configuration key '${key}' is not namespaced by the project and should not define a default value. Did you mean to use the 'value' attribute instead of 'default'?`);
            }
            if (spec.value === undefined) fail(`Configuration key '${key}' is namespaced and must provide an attribute 'value'`);
        }
    }
    return { name, config };
}

/** Stack names that have a Pulumi.<stack>.yaml in the project directory. */
export function stackNames(dir = PROJECT_DIR): string[] {
    return fs
        .readdirSync(dir)
        .map((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/** The `config:` block of a stack file (an absent or empty file has none, as for the CLI). */
export function readStackFile(file: string): Record<string, unknown> {
    if (!fs.existsSync(file)) return {};
    const raw = readYaml(file);
    if (raw === null || raw === undefined) return {};
    if (!isPlainObject(raw)) throw new ProjectConfigError([`${file}: a stack file must be a mapping with a 'config' key`]);
    if (raw.config !== undefined && raw.config !== null && !isPlainObject(raw.config)) throw new ProjectConfigError([`${file}: 'config' must be a mapping`]);
    return (raw.config as Record<string, unknown> | null | undefined) ?? {};
}

/** A stack value as the CLI stores it: scalars as text, lists and maps as JSON (`object.MarshalString`). */
interface StoredValue {
    text: string;
    object: boolean;
    secure: boolean;
}

function stored(value: unknown): StoredValue {
    if (isPlainObject(value) && Object.keys(value).length === 1 && typeof value.secure === "string") return { text: value.secure, object: false, secure: true };
    if (typeof value === "string") return { text: value, object: false, secure: false };
    if (value === null) return { text: "null", object: true, secure: false };
    if (typeof value !== "object") return { text: JSON.stringify(value), object: false, secure: false };
    return { text: JSON.stringify(value), object: true, secure: false };
}

function formatMissingKeys(keys: string[]): string {
    if (keys.length === 1) return `'${keys[0]}'`;
    const sorted = [...keys].sort();
    return `${sorted.slice(0, -1).map((k) => `'${k}'`).join(", ")} and '${sorted[sorted.length - 1]}'`;
}

/**
 * The config a `pulumi preview` of this stack hands the program: Pulumi.<stack>.yaml (or `stackFile`, or
 * `override`, the parsed `config:` block of another stack file) with Pulumi.yaml's defaults and values applied,
 * after the CLI's checks. Throws ProjectConfigError where the CLI would refuse the stack.
 */
export function stackConfig(stack: string, options: { dir?: string; stackFile?: string; override?: Record<string, unknown> } = {}): RawStackConfig {
    const dir = options.dir ?? PROJECT_DIR;
    const project = readProjectFile(dir);
    const fromStack = options.override ?? readStackFile(options.stackFile ?? path.join(dir, `Pulumi.${stack}.yaml`));
    const stackValues = new Map<string, StoredValue>();
    for (const [key, value] of Object.entries(fromStack)) stackValues.set(fullKey(project.name, key), stored(value));

    const declared = Object.entries(project.config ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const missing: string[] = [];
    const merged = new Map(stackValues);
    for (const [key, spec] of declared) {
        const full = fullKey(project.name, key);
        if (stackValues.has(full)) continue;
        const given = spec.default ?? spec.value;
        if (given === undefined) {
            if (full.startsWith(`${project.name}:`)) missing.push(key);
            continue;
        }
        merged.set(full, stored(given));
    }
    if (missing.length > 0) {
        throw new ProjectConfigError([`Stack '${stack}' is missing configuration value${missing.length > 1 ? "s" : ""} ${formatMissingKeys(missing)}`]);
    }

    const problems: string[] = [];
    for (const [key, spec] of declared) {
        const value = merged.get(fullKey(project.name, key));
        if (spec.type === undefined || value === undefined) continue;
        if (spec.secret && !value.secure) {
            problems.push(`Stack '${stack}' with configuration key '${key}' must be encrypted as it's secret`);
            continue;
        }
        // Encrypted values cannot be read offline; the CLI checks their decrypted text.
        if (value.secure) continue;
        const content: unknown = value.object ? JSON.parse(value.text) : value.text;
        if (!fitsConfigType(spec.type, spec.items, content)) {
            problems.push(`Stack '${stack}' with configuration key '${key}' must be of type '${fullTypeName(spec.type, spec.items)}'`);
        }
    }
    if (problems.length > 0) throw new ProjectConfigError(problems);

    const values: Record<string, string> = {};
    for (const [key, value] of merged) values[key] = value.secure ? "[secret]" : value.text;
    return { project: project.name, stack, values };
}
