import * as ipaddr from "ipaddr.js";
/**
 * Small, typed readers for untrusted configuration values. Each reader either returns a typed value or
 * records a problem (the key path, the value it got, what is allowed) and returns `undefined`, so one pass
 * over the whole config reports every problem at once instead of stopping at the first.
 */

/** Collects problems; `path` is the full config key, e.g. `eks-karpenter:systemNodeGroup.minSize`. */
export class Problems {
    readonly list: string[] = [];

    /** Records "<path>: got <value>; expected <allowed>. <fix>". */
    add(path: string, got: unknown, expected: string, fix?: string): undefined {
        this.list.push(`${path}: got ${show(got)}; expected ${expected}.${fix ? ` ${fix}` : ""}`);
        return undefined;
    }

    /** Records a free-form problem about `path`. */
    say(path: string, message: string): undefined {
        this.list.push(`${path}: ${message}`);
        return undefined;
    }

    get empty(): boolean {
        return this.list.length === 0;
    }
}

/** Renders a value the way a user typed it: strings quoted, objects as compact JSON. */
export function show(value: unknown): string {
    if (value === undefined) return "nothing";
    const text = JSON.stringify(value);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/**
 * The known key closest to `key`, for "did you mean" hints: within an edit distance of 3, or else the one
 * sharing the longest prefix of at least 6 characters ("availabilityZones" → "availabilityZoneCount").
 */
export function closest(key: string, known: readonly string[]): string | undefined {
    const k = key.toLowerCase();
    let best: string | undefined;
    let bestDistance = 4;
    for (const candidate of known) {
        const d = editDistance(k, candidate.toLowerCase());
        if (d < bestDistance) {
            best = candidate;
            bestDistance = d;
        }
    }
    if (best) return best;
    let bestPrefix = 5;
    for (const candidate of known) {
        const c = candidate.toLowerCase();
        // Characters shared from the start (k is no candidate here: equal strings have distance 0).
        const differs = [...k].findIndex((ch, i) => ch !== c[i]);
        const n = differs === -1 ? k.length : differs;
        if (n > bestPrefix) {
            best = candidate;
            bestPrefix = n;
        }
    }
    return best;
}

function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[b.length];
}

/**
 * Reports every key of `value` that is not in `known`, with a suggestion when one is close. `legacy` maps keys of
 * older APIs to what replaces them; their message says so instead of "unknown key".
 */
export function unknownKeys(p: Problems, path: string, value: Record<string, unknown>, known: readonly string[], legacy: Record<string, string> = {}): void {
    for (const key of Object.keys(value)) {
        if (known.includes(key)) continue;
        if (Object.hasOwn(legacy, key)) {
            p.say(`${path}${key}`, `${legacy[key]}.`);
            continue;
        }
        const hint = closest(key, known);
        p.say(`${path}${key}`, `unknown key${hint ? `; did you mean "${hint}"?` : ""} Known keys: ${known.join(", ")}.`);
    }
}

/**
 * AWS tags as EC2 takes them (EC2 API `Tag`: keys at most 127 characters and never starting with "aws:", values at
 * most 256; AWS tagging rules: letters, digits, spaces and _ . : / = + - @, and the "aws:" prefix reserved in any
 * letter case). EC2 is the strictest service the stack tags (IAM and EKS take 128-character keys).
 */
export const AWS_TAG_KEY = { pattern: /^(?![aA][wW][sS]:)[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,127}$/u, describe: 'a tag key of 1 to 127 letters, digits, spaces or _.:/=+-@, not starting with "aws:" in any letter case' };
export const AWS_TAG_VALUE = { pattern: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u, describe: "a tag value of at most 256 letters, digits, spaces or _.:/=+-@" };

export function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function readString(p: Problems, path: string, value: unknown, rule?: { pattern: RegExp; describe: string }): string | undefined {
    if (typeof value !== "string") return p.add(path, value, rule ? rule.describe : "a string");
    if (rule && !rule.pattern.test(value)) return p.add(path, value, rule.describe);
    return value;
}

export function readInt(p: Problems, path: string, value: unknown, min: number, max: number): number | undefined {
    const n = typeof value === "string" && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
    if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
        return p.add(path, value, `an integer from ${min} to ${max}`);
    }
    return n;
}

export function readBool(p: Problems, path: string, value: unknown): boolean | undefined {
    if (value === true || value === "true") return true;
    if (value === false || value === "false") return false;
    return p.add(path, value, "true or false");
}

export function readEnum<T extends string>(p: Problems, path: string, value: unknown, allowed: readonly T[]): T | undefined {
    if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
    return p.add(path, value, `one of ${allowed.map((a) => `"${a}"`).join(", ")}`);
}

/** Reads a list, each item with `item`; reports the list itself when it is not one or breaks the size bounds. */
export function readList<T>(
    p: Problems,
    path: string,
    value: unknown,
    item: (itemPath: string, v: unknown) => T | undefined,
    bounds: { min?: number; max?: number; unique?: boolean } = {},
): T[] | undefined {
    const { min = 0, max = Infinity } = bounds;
    const atLeast = `at least ${min} item${min > 1 ? "s" : ""}`;
    if (!Array.isArray(value)) return p.add(path, value, `a list${min > 0 ? ` of ${atLeast}` : ""}`);
    if (value.length < min || value.length > max) return p.add(path, value, `a list of ${max === Infinity ? atLeast : `${min} to ${max} items`}`);
    if (bounds.unique) {
        const dupes = value.filter((v, i) => value.findIndex((w) => JSON.stringify(w) === JSON.stringify(v)) !== i);
        if (dupes.length > 0) return p.add(path, value, `a list without duplicates (${show(dupes[0])} appears twice)`);
    }
    const out = value.map((v, i) => item(`${path}[${i}]`, v));
    return out.every((v) => v !== undefined) ? (out as T[]) : undefined;
}

/** Reads a map of string to string (labels, tags), checking each key and value. */
export function readStringMap(
    p: Problems,
    path: string,
    value: unknown,
    rules: { key: { pattern: RegExp; describe: string }; value: { pattern: RegExp; describe: string } },
): Record<string, string> | undefined {
    if (!isRecord(value)) return p.add(path, value, "a map of string keys to string values");
    const out: Record<string, string> = {};
    let ok = true;
    for (const [k, v] of Object.entries(value)) {
        if (!rules.key.pattern.test(k)) {
            p.add(`${path} key`, k, rules.key.describe);
            ok = false;
        }
        const s = readString(p, `${path}.${k}`, v, rules.value);
        if (s === undefined) ok = false;
        else out[k] = s;
    }
    return ok ? out : undefined;
}

/** IPv4 CIDR in canonical form (host bits zero), mask within [minMask, maxMask]. */
export function readCidr(p: Problems, path: string, value: unknown, minMask = 0, maxMask = 32): string | undefined {
    const describe = `an IPv4 CIDR block such as "10.0.0.0/16" with a prefix from /${minMask} to /${maxMask}`;
    if (typeof value !== "string") return p.add(path, value, describe);
    const parsed = parseCidr(value);
    if (!parsed || parsed.mask < minMask || parsed.mask > maxMask) return p.add(path, value, describe);
    if (parsed.hostBitsSet) return p.add(path, value, `${describe} with no host bits set (did you mean "${parsed.canonical}"?)`);
    return value;
}

/** The RFC 5737 documentation blocks (ipaddr.js counts them among its "reserved" ranges). */
const DOCUMENTATION_CIDRS = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"];

/**
 * The special-purpose address class (ipaddr.js `range()`: private, reserved, loopback, carrierGradeNat, ...) a
 * CIDR lies entirely in, named for a message; undefined when it holds public unicast addresses. A block whose
 * first and last addresses share a class lies in it (the classes are unions of CIDR blocks no larger than the
 * block's own alignment allows to straddle public space).
 */
export function nonPublicRange(cidr: string): string | undefined {
    const first = ipaddr.IPv4.networkAddressFromCIDR(cidr);
    const last = ipaddr.IPv4.broadcastAddressFromCIDR(cidr);
    // ipaddr.js names 255.255.255.255 "broadcast"; it is the last address of the reserved 240.0.0.0/4.
    const classOf = (address: ipaddr.IPv4) => (address.range() === "broadcast" ? "reserved" : address.range());
    const kind = classOf(first);
    if (kind === "unicast" || classOf(last) !== kind) return undefined;
    // A block that starts in a documentation /24 and reaches beyond it ends in another class: refused above.
    if (DOCUMENTATION_CIDRS.some((doc) => first.match(ipaddr.IPv4.parseCIDR(doc)))) return "reserved (documentation, RFC 5737)";
    return kind === "private" ? "private (RFC 1918)" : kind;
}

export function parseCidr(value: string): { base: number; mask: number; canonical: string; hostBitsSet: boolean } | undefined {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
    if (!m) return undefined;
    const octets = m.slice(1, 5).map(Number);
    const mask = Number(m[5]);
    if (octets.some((o) => o > 255) || mask > 32) return undefined;
    const address = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
    const netmask = mask === 0 ? 0 : (0xffffffff << (32 - mask)) >>> 0;
    const base = (address & netmask) >>> 0;
    const canonical = `${[24, 16, 8, 0].map((s) => (base >>> s) & 255).join(".")}/${mask}`;
    return { base, mask, canonical, hostBitsSet: base !== address };
}

/** A reader over one namespace of raw config: knows which keys were set and decodes structured values. */
export class RawReader {
    constructor(
        private readonly raw: { project: string; values: Record<string, string> },
        readonly p: Problems,
    ) {}

    path(key: string): string {
        return `${this.raw.project}:${key}`;
    }

    has(key: string): boolean {
        return this.raw.values[this.path(key)] !== undefined;
    }

    /** The raw string of a scalar key. */
    text(key: string): string | undefined {
        return this.raw.values[this.path(key)];
    }

    /** The decoded value of a structured key (Pulumi passes lists and objects as JSON text). */
    json(key: string): unknown {
        const text = this.text(key);
        if (text === undefined) return undefined;
        try {
            return JSON.parse(text);
        } catch {
            // Pulumi hands a plain YAML string through as is; let the typed reader report it.
            return text;
        }
    }

    /**
     * A structured key that holds an object: its decoded value ({} when unset), with keys outside `known`
     * reported. Undefined (and a problem recorded) when the value is not an object.
     */
    object(key: string, known: readonly string[], required = false): { path: string; value: Record<string, unknown> } | undefined {
        const path = this.path(key);
        const value = this.has(key) || required ? this.json(key) : {};
        if (!isRecord(value)) return this.p.add(path, value, `an object with ${known.join(", ")}`);
        unknownKeys(this.p, `${path}.`, value, known);
        return { path, value };
    }
}

