import * as fs from "node:fs";
import * as path from "node:path";
import type { PolicyProviderResource } from "@pulumi/policy";

/** A statement of an IAM document, actions and resources as lists. */
export interface NormalizedStatement {
    sid?: string;
    effect: string;
    actions: string[];
    notActions: string[];
    resources: string[];
    principal: unknown;
    condition?: Record<string, Record<string, unknown>>;
}

const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

/**
 * Whether an action pattern of a statement covers an action, as IAM matches them: case-insensitive, `*` any run
 * of characters, `?` one character.
 */
export function actionMatches(pattern: string, action: string): boolean {
    const source = pattern.replace(/[*?]|[.+^${}()|[\]\\]/g, (c) => (c === "*" ? ".*" : c === "?" ? "." : `\\${c}`));
    return new RegExp(`^${source}$`, "i").test(action);
}

/**
 * @pulumi/policy's proxy module (proxy.js; not in its typings): its server hands policies props through
 * `unknownCheckingProxy`, which throws UnknownValueError on reading a value a preview does not know yet
 * (`unknownStringValue`, the SDK's sentinel). The offline policy run and the tests use the same module.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const policyProxy = require("@pulumi/policy/proxy") as {
    unknownCheckingProxy<T>(value: T): T;
    unknownStringValue: string;
    UnknownValueError: new (...args: never[]) => Error;
};
const { UnknownValueError } = policyProxy;

/**
 * A plain copy of a value read through @pulumi/policy's proxy, with every value a preview does not know yet left
 * out (as if unset), instead of the read throwing and the whole policy being reported as not run.
 */
export function knownValues<T>(value: T): T {
    if (value === null || typeof value !== "object") return value;
    const out: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {};
    for (const key of Object.keys(value)) {
        try {
            (out as Record<string, unknown>)[key] = knownValues((value as Record<string, unknown>)[key]);
        } catch (e) {
            if (!(e instanceof UnknownValueError)) throw e;
        }
    }
    return out as T;
}

/** `props[key]` as knownValues leaves it: undefined when a preview does not know the value yet (or it is unset). */
export function knownProp(props: Record<string, any>, key: string): unknown {
    try {
        return knownValues(props[key]);
    } catch (e) {
        if (!(e instanceof UnknownValueError)) throw e;
        return undefined;
    }
}

/** Whether `props[key]` itself is a value a preview does not know yet (reading it through the proxy raises). */
export function unknownProp(props: Record<string, any>, key: string): boolean {
    try {
        void props[key];
        return false;
    } catch (e) {
        if (!(e instanceof UnknownValueError)) throw e;
        return true;
    }
}

/** Reads `props[key]`, unknown at this preview: the proxy raises, and @pulumi/policy reports the policy as not run. */
export function raiseUnknown(props: Record<string, any>, key: string): void {
    void props[key];
}

/**
 * Whether a value is set: truthy, or unknown at a preview (the program set it from an output AWS has not assigned
 * yet, such as a KMS key's ARN). `read` reads it through the policy proxy.
 */
export function isSet(read: () => unknown): boolean {
    try {
        return !!read();
    } catch (e) {
        if (!(e instanceof UnknownValueError)) throw e;
        return true;
    }
}

/** A Kubernetes object's name for messages; "(unnamed)" when the program leaves metadata.name to auto-naming. */
export const objectName = (props: Record<string, any>): string => props.metadata?.name ?? "(unnamed)";

/** Parses an IAM document given as JSON text or as an object. */
export function parseDocument(value: unknown): { Statement?: unknown } | undefined {
    if (typeof value === "string") {
        try {
            return JSON.parse(value) as { Statement?: unknown };
        } catch {
            return undefined;
        }
    }
    return value && typeof value === "object" ? (value as { Statement?: unknown }) : undefined;
}

export function statements(document: unknown): NormalizedStatement[] {
    const doc = parseDocument(document);
    const raw = doc?.Statement === undefined ? [] : Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
    return raw.map((s: Record<string, unknown>) => ({
        sid: s.Sid as string | undefined,
        effect: String(s.Effect),
        actions: list(s.Action),
        notActions: list(s.NotAction),
        resources: list(s.Resource),
        principal: s.Principal,
        condition: s.Condition as NormalizedStatement["condition"],
    }));
}

/** The IAM documents a resource carries, with what each is, for the resource types this pack knows. */
export function documentsOf(type: string, props: Record<string, any>): Array<{ kind: "managed" | "inline" | "trust" | "resource"; document: unknown }> {
    switch (type) {
        case "aws:iam/policy:Policy":
            return [{ kind: "managed", document: props.policy }];
        case "aws:iam/rolePolicy:RolePolicy":
        case "aws:iam/userPolicy:UserPolicy":
        case "aws:iam/groupPolicy:GroupPolicy":
            return [{ kind: "inline", document: props.policy }];
        case "aws:iam/role:Role":
            return [
                { kind: "trust", document: props.assumeRolePolicy },
                ...((props.inlinePolicies ?? []) as Array<{ policy?: unknown }>).map((p) => ({ kind: "inline" as const, document: p.policy })),
            ];
        case "aws:sqs/queuePolicy:QueuePolicy":
        case "aws:s3/bucketPolicy:BucketPolicy":
            return [{ kind: "resource", document: props.policy }];
        default:
            return [];
    }
}

/** Tags a resource ends up with: its own, the provider's defaultTags, and tagsAll when a real preview knows it. */
export function effectiveTags(props: Record<string, any>, provider?: PolicyProviderResource): Record<string, string> {
    let defaults: unknown = provider?.props?.defaultTags;
    if (typeof defaults === "string") {
        try {
            defaults = JSON.parse(defaults);
        } catch {
            defaults = undefined;
        }
    }
    const fromProvider = (defaults as { tags?: Record<string, string> } | undefined)?.tags ?? {};
    return { ...fromProvider, ...(props.tagsAll ?? {}), ...(props.tags ?? {}) };
}

const taggable = new Map<string, boolean>();

/**
 * Whether an AWS resource type takes tags: its class in @pulumi/aws passes a `tags` input. Read from the SDK
 * module of the type, so the answer follows the installed provider version.
 */
export function isTaggableAwsType(type: string): boolean {
    const known = taggable.get(type);
    if (known !== undefined) return known;
    const m = /^aws:([^:]+):[^:]+$/.exec(type);
    let result = false;
    if (m) {
        const root = path.dirname(require.resolve("@pulumi/aws/package.json"));
        const module = m[1].startsWith("index/") ? m[1].slice("index/".length) : m[1];
        const file = path.join(root, `${module}.js`);
        result = fs.existsSync(file) && fs.readFileSync(file, "utf8").includes('resourceInputs["tags"]');
    }
    taggable.set(type, result);
    return result;
}
