import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { ProgramRun, RecordedResource, runProgram } from "../../offline/engine";
import { rawConfig } from "./scenario";

/** Runs the real program for a stack file, with some config keys replaced (see rawConfig). */
export function runStack(stack: string, overrides: Record<string, unknown> = {}): Promise<ProgramRun> {
    return runProgram(rawConfig(stack, overrides));
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
