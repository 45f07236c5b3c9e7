import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import type { RawStackConfig } from "../components/config";

/** Where the Pulumi project lives: the nearest folder above this file with a Pulumi.yaml (also from bin/). */
export const PROJECT_DIR = ((): string => {
    for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    }
    throw new Error(`no Pulumi.yaml above ${__dirname}`);
})();

interface ProjectFile {
    name: string;
    config?: Record<string, { default?: unknown; value?: unknown; type?: string; description?: string }>;
}

/** Pulumi passes every config value to the program as a string; lists and objects as JSON. */
function asConfigString(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

export function readProjectFile(dir = PROJECT_DIR): ProjectFile {
    return parse(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")) as ProjectFile;
}

/** Stack names that have a Pulumi.<stack>.yaml in the project directory. */
export function stackNames(dir = PROJECT_DIR): string[] {
    return fs
        .readdirSync(dir)
        .map((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/**
 * The config a `pulumi up` of this stack would hand the program: Pulumi.yaml's project defaults, overlaid by
 * Pulumi.<stack>.yaml (or by `override`, the parsed content of another stack file).
 */
export function stackConfig(stack: string, options: { dir?: string; override?: Record<string, unknown> } = {}): RawStackConfig {
    const dir = options.dir ?? PROJECT_DIR;
    const project = readProjectFile(dir);
    const values: Record<string, string> = {};
    for (const [key, spec] of Object.entries(project.config ?? {})) {
        const full = key.includes(":") ? key : `${project.name}:${key}`;
        const value = spec?.value ?? spec?.default;
        if (value !== undefined) values[full] = asConfigString(value);
    }
    const stackFile = path.join(dir, `Pulumi.${stack}.yaml`);
    const stackConfigValues =
        options.override ?? ((parse(fs.readFileSync(stackFile, "utf8")) as { config?: Record<string, unknown> } | null)?.config ?? {});
    for (const [key, value] of Object.entries(stackConfigValues)) {
        const full = key.includes(":") ? key : `${project.name}:${key}`;
        values[full] = asConfigString(value);
    }
    return { project: project.name, stack, values };
}
