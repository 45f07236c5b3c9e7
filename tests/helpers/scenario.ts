import { RawStackConfig, StackConfig, StackConfigError, parseStackConfig } from "../../components/config";
import { stackConfig } from "../../offline/stackFiles";

/**
 * A stack's raw config with some keys replaced or removed: `rawConfig("dev", { natGateways: "onePerAz" })`.
 * Keys without a namespace belong to the project; `undefined` removes a key.
 */
export function rawConfig(stack: string, overrides: Record<string, unknown> = {}): RawStackConfig {
    const raw = stackConfig(stack);
    const values = { ...raw.values };
    for (const [key, value] of Object.entries(overrides)) {
        const full = key.includes(":") ? key : `${raw.project}:${key}`;
        if (value === undefined) delete values[full];
        else values[full] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return { ...raw, values };
}

export function parsed(stack: string, overrides: Record<string, unknown> = {}): StackConfig {
    return parseStackConfig(rawConfig(stack, overrides));
}

/** The problems parseStackConfig reports for these overrides; fails if it accepts them. */
export function problemsOf(stack: string, overrides: Record<string, unknown>): string[] {
    try {
        parseStackConfig(rawConfig(stack, overrides));
    } catch (e) {
        if (e instanceof StackConfigError) return e.problems;
        throw e;
    }
    throw new Error(`expected configuration problems for ${JSON.stringify(overrides)}, got none`);
}
