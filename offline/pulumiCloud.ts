import * as fs from "node:fs";
import type * as pulumi from "@pulumi/pulumi";
import { packSourceHash } from "../deployments/packVersion";

/**
 * A strict, offline Pulumi Cloud for the `pulumiservice` provider (pinned 1.3.0), holding what the service holds
 * between calls: stacks, their deployment settings, published policy pack versions, environments. Each rule
 * below is the service's or the provider's, read from pulumi/pulumi-pulumiservice at v1.3.0:
 * - DeploymentSettings are stored under an existing stack (`/api/stacks/{org}/{project}/{stack}/deployments/
 *   settings`): a stack that does not exist is rejected. The provider's own example creates the Stack first.
 * - Drift, TTL and deployment schedules run deployments of a stack and need its settings first (the provider's
 *   ts-schedules example: "Deployment Settings are required to be setup before schedules").
 * - A PolicyGroup's `mode` is `audit` or `preventative` (provider Check; default `audit`); each policy pack it
 *   enables must be a published version (name + versionTag), each stack must exist.
 * - A policy pack version (name + versionTag) is immutable: publishing it twice is refused (409).
 * - Across runs (a `CloudState` kept from an earlier run, as Pulumi keeps the stack's state): a resource of the earlier
 *   run is updated, not created again. The provider's PolicyPack Diff replaces the pack when its organization, name,
 *   versionTag or the fingerprint of every file under sourcePath changed ("versions are immutable on Pulumi Cloud"),
 *   and the replacement publishes organization/name@versionTag again: refused if that version is already published.
 * - Team permissions name an existing team and an existing stack (permission 101 read, 102 edit, 103 admin) or
 *   environment (none, read, open, write, admin); an OIDC issuer's team-token policy names an existing team.
 * - DeploymentSettings inputs are the schema's fields only; `operationContext` has environmentVariables, oidc,
 *   options and preRunCommands (no post-run commands exist), `options` the four documented flags.
 * - A Webhook's format is raw, slack, ms_teams or pulumi_deployments and its filters are the WebhookFilters enum; a
 *   pulumi_deployments webhook's payloadUrl is `<project>/<stack>` of a stack in the organization with deployment
 *   settings (Deployments docs: "requires that your stacks are configured with Deployment Settings").
 * - Policy groups (docs /docs/discovery-governance/policy/policy-groups/ and /docs/support/faq/policies/; the CLI's
 *   pkg/cmd/pulumi/policy/policy_enable.go and policy_group_edit.go): every organization has the preventative
 *   `default-policy-group`; "new stacks ... join the matching default group as they are created", and joining
 *   another group does not take a stack out of it. A stack in several groups runs each pack once: the newest
 *   version, and for one version enabled with different configs, "the most recently modified Policy Pack and
 *   configuration". Audit groups never run in a preview or update. `pulumi policy enable` without --policy-group
 *   enables the pack in the default group; `pulumi policy group edit --remove-stack project/stack` removes a member
 *   (a bare `stack` has an empty routing project and matches nothing; removing a non-member changes nothing).
 * A rejected call fails the run with the reason, as `pulumi up` would fail that resource.
 */

/** pulumiservice:index:DeploymentSettings input properties at 1.3.0. */
const SETTINGS_FIELDS = ["agentPoolId", "cacheOptions", "executorContext", "github", "operationContext", "organization", "project", "sourceContext", "stack", "vcs"];
/** WebhookFormat and WebhookFilters at 1.3.0 (the stack and deployment events; environment events are not for stacks). */
const WEBHOOK_FORMATS = ["raw", "slack", "pulumi_deployments", "ms_teams"];
const WEBHOOK_FILTERS = ["stack_created", "stack_deleted", "update_succeeded", "update_failed", "preview_succeeded", "preview_failed", "destroy_succeeded", "destroy_failed", "refresh_succeeded", "refresh_failed", "deployment_queued", "deployment_started", "deployment_succeeded", "deployment_failed", "drift_detected", "drift_detection_succeeded", "drift_detection_failed", "drift_remediation_succeeded", "drift_remediation_failed"];

type Outputs = (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown>;

/** A policy pack a group enables: its version and config, and when the group's entry last changed. */
export interface EnabledPack {
    versionTag: string;
    config?: unknown;
    modified: number;
}

/** A policy group of the organization, by name. */
export interface CloudPolicyGroup {
    isOrgDefault: boolean;
    mode: "audit" | "preventative";
    /** Member stacks, `org/project/stack`. */
    stacks: Set<string>;
    /** Enabled packs by name. */
    packs: Map<string, EnabledPack>;
}

/** Name of the organization's default preventative group (pulumi/docs#20563: "default-policy-group"). */
export const DEFAULT_POLICY_GROUP = "default-policy-group";

/** What Pulumi Cloud and the deployments/ stack's state keep between two `pulumi up` runs. */
export interface CloudState {
    /** Inputs of each resource the earlier runs created, by `type::name` (the PolicyPack's with its sourceHash). */
    resources: Map<string, Record<string, unknown>>;
    /** Published policy pack versions, `org/name@versionTag`, in the order they were published. */
    packs: Set<string>;
    /** Policy groups by `org/name`; the organization's default group exists from the start. */
    groups: Map<string, CloudPolicyGroup>;
    /** A clock for "most recently modified". */
    tick: number;
}

export function newCloudState(): CloudState {
    return { resources: new Map(), packs: new Set(), groups: new Map(), tick: 0 };
}

/** The organization's group `name`; the default group is there before anything else. */
function groupOf(state: CloudState, org: string, name: string): CloudPolicyGroup | undefined {
    const key = `${org}/${name}`;
    if (!state.groups.has(key) && name === DEFAULT_POLICY_GROUP) state.groups.set(key, { isOrgDefault: true, mode: "preventative", stacks: new Set(), packs: new Map() });
    return state.groups.get(key);
}

/**
 * The packs a preview or update of `org/project/stack` runs, by pack name: from every preventative group the stack
 * is in, the newest published version; among entries of that version, the most recently modified one's config.
 */
export function enforcedPacks(state: CloudState, stackId: string): Map<string, { versionTag: string; config?: unknown; groups: string[] }> {
    const published = [...state.packs];
    const entries = new Map<string, Array<EnabledPack & { group: string }>>();
    for (const [key, g] of state.groups) {
        if (g.mode !== "preventative" || !g.stacks.has(stackId)) continue;
        for (const [name, p] of g.packs) entries.set(name, [...(entries.get(name) ?? []), { ...p, group: key.slice(key.indexOf("/") + 1) }]);
    }
    const out = new Map<string, { versionTag: string; config?: unknown; groups: string[] }>();
    for (const [name, list] of entries) {
        const org = stackId.split("/")[0];
        const order = (p: EnabledPack) => published.indexOf(`${org}/${name}@${p.versionTag}`);
        const newest = Math.max(...list.map(order));
        const same = list.filter((p) => order(p) === newest).sort((a, b) => b.modified - a.modified);
        out.set(name, { versionTag: same[0].versionTag, config: same[0].config, groups: list.map((p) => p.group).sort() });
    }
    return out;
}

/**
 * Runs a `pulumi policy ...` command line as the pinned CLI would against this cloud (logged in to `org`), for the
 * commands deployments/ prints: `policy enable <org>/<pack> <version> [--config <file>] [--policy-group <group>]`
 * and `policy group edit <group> [--org <org>] --remove-stack <project/stack>...`. `readConfig` reads a --config
 * file. Anything else is refused, so a printed command with a flag the CLI lacks fails here too.
 */
export function runPolicyCommand(state: CloudState, org: string, command: string, readConfig: (file: string) => unknown): void {
    const words = command.trim().split(/\s+/);
    const fail = (why: string): never => {
        throw new Error(`pulumi CLI refused \`${command}\`: ${why}`);
    };
    const flags = (from: number, allowed: string[]) => {
        const positional: string[] = [];
        const values = new Map<string, string[]>();
        for (let i = from; i < words.length; i++) {
            if (!words[i].startsWith("--")) {
                positional.push(words[i]);
                continue;
            }
            const [flag, inline] = words[i].slice(2).split("=", 2);
            if (!allowed.includes(flag)) fail(`unknown flag --${flag}`);
            const value = inline ?? words[++i];
            if (value === undefined) fail(`flag --${flag} needs a value`);
            values.set(flag, [...(values.get(flag) ?? []), value]);
        }
        return { positional, values };
    };
    if (words[0] !== "pulumi" || words[1] !== "policy") fail("not a pulumi policy command");
    if (words[2] === "enable") {
        const { positional, values } = flags(3, ["config", "policy-group"]);
        if (positional.length !== 2) fail("expects <org-name>/<policy-pack-name> <latest|version>");
        const [packOrg, packName] = positional[0].split("/");
        if (packOrg !== org || !packName) fail(`policy pack ${positional[0]} is not of organization ${org}`);
        if (!state.packs.has(`${org}/${packName}@${positional[1]}`)) fail(`policy pack ${org}/${packName}@${positional[1]} is not published`);
        const groupName = values.get("policy-group")?.[0] ?? DEFAULT_POLICY_GROUP;
        const group = groupOf(state, org, groupName) ?? fail(`policy group ${groupName} not found`);
        const configFile = values.get("config")?.[0];
        group.packs.set(packName, { versionTag: positional[1], ...(configFile ? { config: readConfig(configFile) } : {}), modified: ++state.tick });
        return;
    }
    if (words[2] === "group" && words[3] === "edit") {
        const { positional, values } = flags(4, ["org", "name", "add-stack", "remove-stack", "add-policy-pack", "remove-policy-pack", "add-insights-account", "remove-insights-account", "output"]);
        if (positional.length !== 1) fail("expects <name>");
        const supported = ["org", "remove-stack"];
        const other = [...values.keys()].filter((f) => !supported.includes(f));
        if (other.length > 0) fail(`--${other[0]} is not modelled offline`);
        if (!values.has("remove-stack")) fail("no changes specified");
        const groupOrg = values.get("org")?.[0] ?? org;
        const group = groupOf(state, groupOrg, positional[0]) ?? fail(`policy group ${positional[0]} not found`);
        for (const ref of values.get("remove-stack")!) {
            // parseStackReference: "project/stack", or a bare stack with an empty routing project.
            const [project, stack] = ref.includes("/") ? [ref.slice(0, ref.indexOf("/")), ref.slice(ref.indexOf("/") + 1)] : ["", ref];
            group.stacks.delete(`${groupOrg}/${project}/${stack}`);
        }
        return;
    }
    fail("not a command deployments/ prints");
}

export function pulumiCloud(state: CloudState = newCloudState()): Record<string, Outputs> {
    const stacks = new Set<string>();
    const settings = new Set<string>();
    const packs = state.packs;
    const existed = (a: pulumi.runtime.MockResourceArgs) => state.resources.has(`${a.type}::${a.name}`);
    const environments = new Set<string>();
    const teams = new Set<string>();
    const stackId = (org: unknown, project: unknown, stack: unknown) => `${org}/${project}/${stack}`;
    const fail = (a: pulumi.runtime.MockResourceArgs, why: string): never => {
        throw new Error(`Pulumi Cloud refused ${a.type} ${a.name}: ${why}`);
    };
    const unknownKeys = (a: pulumi.runtime.MockResourceArgs, prefix: string, value: unknown, allowed: string[]) => {
        const extra = Object.keys((value as Record<string, unknown> | undefined) ?? {}).filter((k) => !allowed.includes(k));
        if (extra.length > 0) fail(a, `${extra.map((k) => prefix + k).join(", ")}: not in the provider's schema (allowed ${prefix || "inputs"}: ${allowed.join(", ")})`);
    };
    const needsSettings: Outputs = (a) => {
        const id = stackId(a.inputs.organization, a.inputs.project, a.inputs.stack);
        if (!settings.has(id)) fail(a, `stack ${id} has no deployment settings yet (schedules need them first)`);
        return { scheduleId: `${a.name}-schedule` };
    };
    const handlers: Record<string, Outputs> = {
        "pulumi:providers:pulumiservice": () => ({}),
        "pulumiservice:index:Stack": (a) => {
            const id = stackId(a.inputs.organizationName, a.inputs.projectName, a.inputs.stackName);
            if (stacks.has(id) && !existed(a)) fail(a, `stack ${id} already exists`);
            // A new stack joins the organization's default group as it is created.
            if (!existed(a)) groupOf(state, String(a.inputs.organizationName), DEFAULT_POLICY_GROUP)!.stacks.add(id);
            stacks.add(id);
            return {};
        },
        "pulumiservice:index:DeploymentSettings": (a) => {
            const id = stackId(a.inputs.organization, a.inputs.project, a.inputs.stack);
            if (!stacks.has(id)) fail(a, `stack ${id} not found (create the stack before its deployment settings)`);
            unknownKeys(a, "", a.inputs, SETTINGS_FIELDS);
            unknownKeys(a, "operationContext.", a.inputs.operationContext, ["environmentVariables", "oidc", "options", "preRunCommands"]);
            unknownKeys(a, "operationContext.options.", (a.inputs.operationContext as Record<string, unknown> | undefined)?.options, ["skipInstallDependencies", "skipIntermediateDeployments", "shell", "deleteAfterDestroy"]);
            settings.add(id);
            return {};
        },
        "pulumiservice:index:Webhook": (a) => {
            const format = a.inputs.format ?? "raw";
            if (!WEBHOOK_FORMATS.includes(format as string)) fail(a, `format must be one of ${WEBHOOK_FORMATS.join(", ")}, got ${JSON.stringify(format)}`);
            for (const f of (a.inputs.filters ?? []) as string[]) if (!WEBHOOK_FILTERS.includes(f)) fail(a, `unknown filter ${JSON.stringify(f)}`);
            if (a.inputs.stackName !== undefined) {
                const own = stackId(a.inputs.organizationName, a.inputs.projectName, a.inputs.stackName);
                if (!stacks.has(own)) fail(a, `stack ${own} not found`);
            }
            if (format === "pulumi_deployments") {
                const target = `${a.inputs.organizationName}/${a.inputs.payloadUrl}`;
                if (!/^[^/]+\/[^/]+$/.test(String(a.inputs.payloadUrl))) fail(a, `a pulumi_deployments payloadUrl is "<project>/<stack>", got ${JSON.stringify(a.inputs.payloadUrl)}`);
                if (!settings.has(target)) fail(a, `target stack ${target} has no deployment settings (a deployment webhook needs them)`);
            }
            return {};
        },
        "pulumiservice:index:DriftSchedule": needsSettings,
        "pulumiservice:index:TtlSchedule": needsSettings,
        "pulumiservice:index:DeploymentSchedule": needsSettings,
        "pulumiservice:index:PolicyPack": (a) => {
            const id = `${a.inputs.organization}/${a.inputs.name}@${a.inputs.versionTag}`;
            const sourceHash = typeof a.inputs.sourcePath === "string" && fs.existsSync(a.inputs.sourcePath) ? packSourceHash(a.inputs.sourcePath) : "";
            const prior = state.resources.get(`${a.type}::${a.name}`);
            const same = prior !== undefined && ["organization", "name", "versionTag", "displayName"].every((k) => prior[k] === a.inputs[k]) && prior.sourceHash === sourceHash;
            if (!same && packs.has(id)) {
                const why = prior && prior.versionTag === a.inputs.versionTag ? ` (the files under ${a.inputs.sourcePath} changed: the provider replaces the pack under the same versionTag)` : "";
                fail(a, `policy pack version ${id} already published (versions are immutable)${why}`);
            }
            packs.add(id);
            state.resources.set(`${a.type}::${a.name}`, { ...a.inputs, sourceHash });
            return { version: 1, contentHash: `${a.name}-hash` };
        },
        "pulumiservice:index:PolicyGroup": (a) => {
            const mode = a.inputs.mode ?? "audit";
            if (mode !== "audit" && mode !== "preventative") fail(a, `mode must be either 'audit' or 'preventative', got ${JSON.stringify(mode)}`);
            for (const p of (a.inputs.policyPacks ?? []) as Array<{ name: string; versionTag?: string }>) {
                const id = `${a.inputs.organizationName}/${p.name}@${p.versionTag}`;
                if (!packs.has(id)) fail(a, `policy pack ${id} is not published`);
            }
            const members = new Set<string>();
            for (const s of (a.inputs.stacks ?? []) as Array<{ name: string; routingProject: string }>) {
                const id = stackId(a.inputs.organizationName, s.routingProject, s.name);
                if (!stacks.has(id)) fail(a, `stack ${id} not found`);
                members.add(id);
            }
            const key = `${a.inputs.organizationName}/${a.inputs.name}`;
            if (a.inputs.name === DEFAULT_POLICY_GROUP || (state.groups.has(key) && !existed(a))) fail(a, `policy group ${key} already exists`);
            const prior = state.groups.get(key);
            const enabled = new Map<string, EnabledPack>();
            for (const p of (a.inputs.policyPacks ?? []) as Array<{ name: string; versionTag: string; config?: unknown }>) {
                const before = prior?.packs.get(p.name);
                const same = before && before.versionTag === p.versionTag && JSON.stringify(before.config) === JSON.stringify(p.config);
                enabled.set(p.name, same ? before : { versionTag: p.versionTag, ...(p.config !== undefined ? { config: p.config } : {}), modified: ++state.tick });
            }
            state.groups.set(key, { isOrgDefault: false, mode: mode as CloudPolicyGroup["mode"], stacks: members, packs: enabled });
            return { mode, entityType: a.inputs.entityType ?? "stacks" };
        },
        "pulumiservice:index:Team": (a) => {
            const id = `${a.inputs.organizationName}/${a.inputs.name}`;
            if (a.inputs.teamType !== "pulumi" && a.inputs.teamType !== "github") fail(a, `teamType must be pulumi or github, got ${JSON.stringify(a.inputs.teamType)}`);
            if (teams.has(id) && !existed(a)) fail(a, `team ${id} already exists`);
            teams.add(id);
            return {};
        },
        "pulumiservice:index:TeamStackPermission": (a) => {
            const stack = stackId(a.inputs.organization, a.inputs.project, a.inputs.stack);
            if (!stacks.has(stack)) fail(a, `stack ${stack} not found`);
            if (!teams.has(`${a.inputs.organization}/${a.inputs.team}`)) fail(a, `team ${a.inputs.team} not found`);
            if (![101, 102, 103].includes(a.inputs.permission as number)) fail(a, `permission must be 101 (read), 102 (edit) or 103 (admin), got ${JSON.stringify(a.inputs.permission)}`);
            return {};
        },
        "pulumiservice:index:TeamEnvironmentPermission": (a) => {
            const env = `${a.inputs.organization}/${a.inputs.project}/${a.inputs.environment}`;
            if (!environments.has(env)) fail(a, `environment ${env} not found`);
            if (!teams.has(`${a.inputs.organization}/${a.inputs.team}`)) fail(a, `team ${a.inputs.team} not found`);
            if (!["none", "read", "open", "write", "admin"].includes(a.inputs.permission as string)) fail(a, `permission must be none, read, open, write or admin, got ${JSON.stringify(a.inputs.permission)}`);
            return {};
        },
        "pulumiservice:index:OidcIssuer": (a) => {
            for (const p of (a.inputs.policies ?? []) as Array<{ tokenType: string; teamName?: string }>) {
                if (p.tokenType === "team" && !teams.has(`${a.inputs.organization}/${p.teamName}`)) fail(a, `policy names team ${p.teamName}, which does not exist`);
            }
            return {};
        },
        "pulumiservice:index:Environment": (a) => {
            const id = `${a.inputs.organization}/${a.inputs.project}/${a.inputs.name}`;
            if (environments.has(id) && !existed(a)) fail(a, `environment ${id} already exists`);
            environments.add(id);
            return { revision: 1 };
        },
    };
    return Object.fromEntries(
        Object.entries(handlers).map(([type, h]) => [
            type,
            (a: pulumi.runtime.MockResourceArgs) => {
                const out = h(a);
                const key = `${a.type}::${a.name}`;
                if (type !== "pulumiservice:index:PolicyPack") state.resources.set(key, { ...a.inputs });
                return out;
            },
        ]),
    );
}
