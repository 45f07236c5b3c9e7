import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

/**
 * The stacks of the eks-karpenter project and how each is delivered, derived from the project's files only: the
 * `Pulumi.<stack>.yaml` files (which stacks exist, and by their `environment:` import which AWS account each uses)
 * and `deployments/delivery.yaml` (per account: branch, protection, drift detection; the review-stack template; the
 * policy config of a stack without its own). Adding an environment is adding a stack file: nothing here, in
 * deployments/index.ts or in CI names a stack. Pure: reads files, returns values, throws one error listing every
 * problem.
 */

/** Where the eks-karpenter project lives: the nearest folder above this file with deployments/delivery.yaml (also from bin/). */
export const DEFAULT_PROJECT_DIR = ((): string => {
    for (let dir = path.dirname(__dirname); dir !== path.dirname(dir); dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, "deployments", "delivery.yaml"))) return dir;
    }
    throw new Error(`no deployments/delivery.yaml above ${__dirname}`);
})();

export interface AccountDelivery {
    /** Branch whose pushes deploy the account's stacks; pull requests to it get previews. */
    branch: string;
    /** Keep this account's credentials away from pull-request code in CI. @default false */
    protected: boolean;
    /** Cron schedule (UTC) of drift detection on the account's stacks; none when absent. */
    driftSchedule?: string;
}

export type MissingPolicyConfig = "strict" | { inherit: string };

/** `npm run verify` after each successful update: the arguments for every deployed stack, and per-stack overrides. */
export interface VerifyAfterDeploy {
    /** Arguments after `npm run verify -- <stack>`. @default "--no-scale" */
    args: string;
    /** Per stack: `false` (no verify) or its own arguments. @default {} */
    stacks: Record<string, string | false>;
}

export interface Delivery {
    reviewStackTemplate: string;
    accounts: Record<string, AccountDelivery>;
    missingPolicyConfig: MissingPolicyConfig;
    verifyAfterDeploy: VerifyAfterDeploy;
}

/** Which policy config a stack runs the pack with, and why. */
export interface PolicyConfigChoice {
    /** Project-relative path of the config file, when there is one. */
    file?: string;
    /** How the choice was made: the stack's own file, another stack's (delivery.yaml), or strict defaults. */
    source: "own" | "inherited" | "strict";
    /** One line for humans, e.g. `policy-config/dev.json (inherited: ...)`; never names a missing file. */
    description: string;
}

export interface DeliveredStack {
    stack: string;
    /** The stack file, relative to the project. */
    file: string;
    /** AWS account key (delivery.yaml `accounts`), from the file's `<project>/aws-<account>` ESC import. */
    account: string;
    /** The ESC environment name (within the project) that holds the account's credentials: `aws-<account>`. */
    environment: string;
    branch: string;
    protected: boolean;
    driftSchedule?: string;
    /** The review-stack template: never deployed itself, copied into one stack per pull request. */
    reviewStackTemplate: boolean;
    policyConfig: PolicyConfigChoice;
    /** Arguments of `npm run verify -- <stack>` run after each successful update; none for the template or when turned off. */
    verifyArgs?: string;
}

export interface DeliveryPlan {
    project: string;
    delivery: Delivery;
    /** Stacks that Pulumi Cloud hosts (their file imports an ESC credentials environment), sorted by name. */
    stacks: DeliveredStack[];
    /** Stack files without an `environment:` block: local-only stacks (self-managed backend, local credentials). */
    localOnly: string[];
}

export class DeliveryError extends Error {
    constructor(readonly problems: string[]) {
        super(`deployments: ${problems.length} problem${problems.length === 1 ? "" : "s"} in the delivery settings:\n${problems.map((p, i) => `  ${i + 1}. ${p}`).join("\n")}`);
        this.name = "DeliveryError";
    }
}

const STACK_FILE = /^Pulumi\.([^.]+)\.yaml$/;
const SCHEDULE = /^(\S+\s+){4}\S+$/;

/** Stack names with a Pulumi.<stack>.yaml in the project folder, sorted. */
export function stackFileNames(projectDir = DEFAULT_PROJECT_DIR): string[] {
    return fs
        .readdirSync(projectDir)
        .flatMap((f) => STACK_FILE.exec(f)?.[1] ?? [])
        .sort();
}

function readYaml(file: string): unknown {
    return parse(fs.readFileSync(file, "utf8")) as unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Parses deployments/delivery.yaml, collecting every problem. */
export function parseDelivery(raw: unknown, where = "deployments/delivery.yaml"): { delivery: Delivery; problems: string[] } {
    const problems: string[] = [];
    const doc = isObject(raw) ? raw : {};
    if (!isObject(raw)) problems.push(`${where}: expected a mapping with reviewStackTemplate, accounts, missingPolicyConfig`);
    for (const key of Object.keys(doc)) {
        if (!["reviewStackTemplate", "accounts", "missingPolicyConfig", "verifyAfterDeploy"].includes(key)) problems.push(`${where}: unknown key "${key}" (allowed: reviewStackTemplate, accounts, missingPolicyConfig, verifyAfterDeploy)`);
    }
    const template = doc.reviewStackTemplate;
    if (typeof template !== "string" || template === "") problems.push(`${where}: reviewStackTemplate must be a stack name, got ${JSON.stringify(template)}`);
    const accounts: Record<string, AccountDelivery> = {};
    if (!isObject(doc.accounts) || Object.keys(doc.accounts).length === 0) {
        problems.push(`${where}: accounts must map each AWS account key to { branch, protected?, driftSchedule? }`);
    } else {
        for (const [name, value] of Object.entries(doc.accounts)) {
            const a = isObject(value) ? value : {};
            for (const key of Object.keys(a)) {
                if (!["branch", "protected", "driftSchedule"].includes(key)) problems.push(`${where}: accounts.${name}: unknown key "${key}" (allowed: branch, protected, driftSchedule)`);
            }
            if (typeof a.branch !== "string" || a.branch === "") problems.push(`${where}: accounts.${name}.branch must be a branch name, got ${JSON.stringify(a.branch)}`);
            if (a.protected !== undefined && typeof a.protected !== "boolean") problems.push(`${where}: accounts.${name}.protected must be true or false, got ${JSON.stringify(a.protected)}`);
            if (a.driftSchedule !== undefined && !(typeof a.driftSchedule === "string" && SCHEDULE.test(a.driftSchedule.trim()))) {
                problems.push(`${where}: accounts.${name}.driftSchedule must be a five-field cron expression, got ${JSON.stringify(a.driftSchedule)}`);
            }
            accounts[name] = { branch: String(a.branch), protected: a.protected === true, ...(typeof a.driftSchedule === "string" ? { driftSchedule: a.driftSchedule } : {}) };
        }
    }
    const missing = doc.missingPolicyConfig ?? "strict";
    let missingPolicyConfig: MissingPolicyConfig = "strict";
    if (missing === "strict") missingPolicyConfig = "strict";
    else if (isObject(missing) && typeof missing.inherit === "string" && Object.keys(missing).length === 1) missingPolicyConfig = { inherit: missing.inherit };
    else problems.push(`${where}: missingPolicyConfig must be "strict" or { inherit: <stack> }, got ${JSON.stringify(missing)}`);
    const verify = doc.verifyAfterDeploy ?? {};
    const verifyAfterDeploy: VerifyAfterDeploy = { args: "--no-scale", stacks: {} };
    const ARGS = /^[\w ./=-]*$/;
    if (!isObject(verify) || Object.keys(verify).some((k) => k !== "args" && k !== "stacks")) {
        problems.push(`${where}: verifyAfterDeploy must be { args?: "<verify arguments>", stacks?: { <stack>: false | "<verify arguments>" } }, got ${JSON.stringify(verify)}`);
    } else {
        if (verify.args !== undefined) {
            if (typeof verify.args === "string" && ARGS.test(verify.args)) verifyAfterDeploy.args = verify.args;
            else problems.push(`${where}: verifyAfterDeploy.args must be verify's arguments (letters, digits, - . / = and spaces), got ${JSON.stringify(verify.args)}`);
        }
        for (const [stack, value] of Object.entries(isObject(verify.stacks) ? verify.stacks : {})) {
            if (value === false || (typeof value === "string" && ARGS.test(value))) verifyAfterDeploy.stacks[stack] = value;
            else problems.push(`${where}: verifyAfterDeploy.stacks.${stack} must be false or verify's arguments, got ${JSON.stringify(value)}`);
        }
        if (verify.stacks !== undefined && !isObject(verify.stacks)) problems.push(`${where}: verifyAfterDeploy.stacks must map stack names to false or verify's arguments, got ${JSON.stringify(verify.stacks)}`);
    }
    return { delivery: { reviewStackTemplate: String(template), accounts, missingPolicyConfig, verifyAfterDeploy }, problems };
}

/** The policy config a stack runs the pack with: its own file, else delivery.yaml's `missingPolicyConfig`. */
export function choosePolicyConfig(stack: string, missing: MissingPolicyConfig, projectDir = DEFAULT_PROJECT_DIR): PolicyConfigChoice {
    const rel = (s: string) => `policy-config/${s}.json`;
    if (fs.existsSync(path.join(projectDir, rel(stack)))) return { file: rel(stack), source: "own", description: rel(stack) };
    if (missing !== "strict" && fs.existsSync(path.join(projectDir, rel(missing.inherit)))) {
        return {
            file: rel(missing.inherit),
            source: "inherited",
            description: `${rel(missing.inherit)} (inherited: no config of its own; deployments/delivery.yaml missingPolicyConfig.inherit: ${missing.inherit})`,
        };
    }
    return {
        source: "strict",
        description: `strict: every policy mandatory with default parameters (no config of its own; deployments/delivery.yaml missingPolicyConfig: strict)`,
    };
}

/** Reads the project's stack files and deployments/delivery.yaml into the delivery plan; throws every problem at once. */
export function deliveryPlan(projectDir = DEFAULT_PROJECT_DIR): DeliveryPlan {
    const project = (readYaml(path.join(projectDir, "Pulumi.yaml")) as { name?: string } | null)?.name ?? "";
    const { delivery, problems } = parseDelivery(readYaml(path.join(projectDir, "deployments", "delivery.yaml")));
    const inherit = delivery.missingPolicyConfig !== "strict" ? delivery.missingPolicyConfig.inherit : undefined;
    if (inherit !== undefined && !fs.existsSync(path.join(projectDir, "policy-config", `${inherit}.json`))) {
        problems.push(`deployments/delivery.yaml: missingPolicyConfig.inherit names "${inherit}", which has no policy-config/${inherit}.json`);
    }
    const credentials = new RegExp(`^${project.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/aws-([a-z0-9-]+)$`);
    const stacks: DeliveredStack[] = [];
    const localOnly: string[] = [];
    for (const stack of stackFileNames(projectDir)) {
        const file = `Pulumi.${stack}.yaml`;
        const content = readYaml(path.join(projectDir, file));
        const imports = isObject(content) ? content.environment : undefined;
        if (imports === undefined || imports === null) {
            localOnly.push(stack);
            continue;
        }
        const list = Array.isArray(imports) ? imports.map(String) : [];
        const accounts = list.flatMap((e) => credentials.exec(e)?.[1] ?? []);
        if (accounts.length !== 1) {
            problems.push(`${file}: environment must import exactly one credentials environment "${project}/aws-<account>" (got ${JSON.stringify(imports)}); remove the block for a local-only stack`);
            continue;
        }
        const account = delivery.accounts[accounts[0]];
        if (!account) {
            problems.push(`${file}: imports ${project}/aws-${accounts[0]}, but deployments/delivery.yaml has no account "${accounts[0]}" (known: ${Object.keys(delivery.accounts).join(", ")})`);
            continue;
        }
        stacks.push({
            stack,
            file,
            account: accounts[0],
            environment: `aws-${accounts[0]}`,
            branch: account.branch,
            protected: account.protected,
            ...(account.driftSchedule ? { driftSchedule: account.driftSchedule } : {}),
            reviewStackTemplate: stack === delivery.reviewStackTemplate,
            policyConfig: choosePolicyConfig(stack, delivery.missingPolicyConfig, projectDir),
        });
        const verify = delivery.verifyAfterDeploy.stacks[stack] ?? delivery.verifyAfterDeploy.args;
        const last = stacks[stacks.length - 1];
        // The template is never deployed; its review stacks are short-lived copies.
        if (verify !== false && !last.reviewStackTemplate) last.verifyArgs = verify;
    }
    for (const stack of Object.keys(delivery.verifyAfterDeploy.stacks)) {
        if (!stacks.some((s) => s.stack === stack && !s.reviewStackTemplate)) {
            problems.push(`deployments/delivery.yaml: verifyAfterDeploy.stacks names "${stack}", which is not a stack Pulumi Deployments deploys (deployed: ${stacks.filter((s) => !s.reviewStackTemplate).map((s) => s.stack).join(", ")})`);
        }
    }
    if (delivery.reviewStackTemplate && !stacks.some((s) => s.reviewStackTemplate) && !problems.some((p) => p.includes(`Pulumi.${delivery.reviewStackTemplate}.yaml`))) {
        problems.push(`deployments/delivery.yaml: reviewStackTemplate "${delivery.reviewStackTemplate}" has no Pulumi.${delivery.reviewStackTemplate}.yaml with a credentials environment`);
    }
    if (problems.length > 0) throw new DeliveryError(problems);
    return { project, delivery, stacks, localOnly };
}

/** The CI preview matrix: stacks CI may preview with pull-request code (deployed, not the template, not protected). */
export function ciPreviewMatrix(plan: DeliveryPlan): Array<{ stack: string; policyConfig: string }> {
    return plan.stacks.filter((s) => !s.reviewStackTemplate && !s.protected).map((s) => ({ stack: s.stack, policyConfig: s.policyConfig.file ?? "" }));
}
