import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { ProgramRun, RecordedResource, runProgram } from "../../offline/engine";
import { rawConfig } from "./scenario";

const unchanged = new Map<string, Promise<ProgramRun>>();

/**
 * Runs the real program for a stack file, with some config keys replaced (see rawConfig). A stack file as it is
 * runs once per test process (the run is deterministic), and every caller shares that run: read it, never change
 * it (build a changed copy instead).
 */
export function runStack(stack: string, overrides: Record<string, unknown> = {}): Promise<ProgramRun> {
    if (Object.keys(overrides).length > 0) return runProgram(rawConfig(stack, overrides));
    if (!unchanged.has(stack)) unchanged.set(stack, runProgram(rawConfig(stack)));
    return unchanged.get(stack)!;
}

/** Inputs of a resource parsed from a JSON string input (policies, trust documents). */
export function jsonInput<T = unknown>(resource: RecordedResource, key: string): T {
    const value = resource.inputs[key];
    if (typeof value !== "string") throw new Error(`${resource.type} ${resource.name}: input ${key} is not a JSON string: ${JSON.stringify(value)}`);
    return JSON.parse(value) as T;
}

/** The resource a URN names, within a run. */
export function byUrn(run: ProgramRun, urn: string): RecordedResource {
    const found = run.resources.find((r) => r.urn === urn);
    if (!found) throw new Error(`no resource with URN ${urn}`);
    return found;
}

/**
 * Options that hand a component the explicit AWS provider, as index.ts does: Pulumi.yaml disables the default
 * providers, so a component run alone needs one too. Call it inside a test program (it registers a provider).
 */
export function withAwsProvider(region = "us-west-2"): pulumi.ComponentResourceOptions {
    return { providers: { aws: new aws.Provider("aws", { region: region as aws.Region }) } };
}

/** The message of a run that must fail (the test fails if it succeeds). */
export async function failure(run: Promise<unknown>): Promise<string> {
    try {
        await run;
    } catch (e) {
        return e instanceof Error ? e.message : String(e);
    }
    throw new Error("expected the run to fail");
}
