import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { ProgramRun, findResource } from "../../offline/engine";

/**
 * The dynamic-provider host (`@pulumi/pulumi/cmd/dynamic-provider`) loads a resource's `__provider` text with the
 * `require-from-string` package it depends on, then calls `.handler()` once per text. Loading it here with the
 * same package from the same place gives the copy `pulumi destroy` runs, not the TypeScript module.
 */
export function loadAsHost(providerText: string): pulumi.dynamic.ResourceProvider {
    const host = path.dirname(require.resolve("@pulumi/pulumi/cmd/dynamic-provider"));
    const requireFromString = require(require.resolve("require-from-string", { paths: [host] })) as (code: string) => { handler(): pulumi.dynamic.ResourceProvider };
    return requireFromString(providerText).handler();
}

/** The serialized provider of a dynamic resource the program registered, as the SDK wrote it into its inputs. */
export function serializedProvider(run: ProgramRun, name: string): { provider: pulumi.dynamic.ResourceProvider; props: Record<string, unknown> } {
    const resource = findResource(run, "pulumi-nodejs:dynamic:Resource", name);
    const text = resource.inputs.__provider;
    if (typeof text !== "string" || !text.includes("exports.handler")) throw new Error(`${name}: no serialized provider in __provider (was serialization turned off?)`);
    return { provider: loadAsHost(text), props: { ...resource.state, __provider: text } };
}

/** What the engine shows for a failed delete: the host logs `${e}: ${e.stack}` and answers gRPC with `e.message`. */
export interface HostFailure {
    logged: string;
    message: string | undefined;
    error: unknown;
}

/** Calls delete as the host does (`provider.delete(id, props)`), returning the failure the engine would see, if any. */
export async function deleteAsHost(provider: pulumi.dynamic.ResourceProvider, id: string, props: Record<string, unknown>): Promise<HostFailure | undefined> {
    try {
        await provider.delete?.(id, props);
        return undefined;
    } catch (e) {
        const err = e as { message?: unknown; stack?: unknown };
        return { logged: `${String(e)}: ${String(err?.stack)}`, message: typeof err?.message === "string" ? err.message : undefined, error: e };
    }
}
