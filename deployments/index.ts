import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as service from "@pulumi/pulumiservice";
import { PACK_NAME } from "../policies/pack";
import { parse } from "yaml";
import { packVersionTag } from "./packVersion";
import { DeliveryConfig, VERIFY_RUNNER_DIR, configProblems, deploymentSettings, escEnvironmentYaml, leaveDefaultGroupCommand, reviewStackPolicyCommand, verifyRunnerSettings } from "./settings";
import { DEFAULT_PROJECT_DIR, DeliveryError, DeliveryPlan, ciPreviewMatrix, deliveryPlan } from "./stacks";

/**
 * Pulumi Cloud settings of the eks-karpenter stacks. The stacks are the project's Pulumi.<stack>.yaml files that
 * import an ESC credentials environment; how each is delivered is deployments/delivery.yaml's. Order, as Pulumi
 * Cloud needs it: the policy pack is published, each stack is created, then its deployment settings, then its
 * drift schedule; each policy group waits for its stack and the published pack.
 */

const projectDir = DEFAULT_PROJECT_DIR;
const config = new pulumi.Config();
const c: DeliveryConfig = {
    organization: config.require("organization"),
    repository: config.require("repository"),
    awsRoleArns: config.getObject<Record<string, string>>("awsRoleArns") ?? {},
    sessionDuration: config.get("sessionDuration") ?? "2h",
};

let plan: DeliveryPlan;
try {
    plan = deliveryPlan(projectDir);
} catch (e) {
    throw e instanceof DeliveryError ? new pulumi.RunError(e.message) : e;
}
const problems = configProblems(c, plan);
if (problems.length > 0) {
    throw new pulumi.RunError(`deployments: ${problems.length} config problem${problems.length === 1 ? "" : "s"} (nothing was created):\n${problems.map((p, i) => `  ${i + 1}. ${p}`).join("\n")}`);
}
const project = plan.project;
/** The verify runner's project (deployments/verify-runner/Pulumi.yaml). */
const runnerProject = (parse(fs.readFileSync(path.join(projectDir, VERIFY_RUNNER_DIR, "Pulumi.yaml"), "utf8")) as { name: string }).name;

// The pack, published from policies/ (and nothing else: the configs are policy-config/'s). Versions are immutable and
// the provider replaces the pack on any change under policies/, so the tag carries the sources' fingerprint.
const packVersion = packVersionTag(path.join(projectDir, "policies"));
const pack = new service.PolicyPack("policy-pack", { organization: c.organization, name: PACK_NAME, versionTag: packVersion, sourcePath: path.join(projectDir, "policies") });

// AWS credentials by OIDC, one ESC environment per account a stack file imports.
const credentialEnvironments = new Map<string, service.Environment>();
for (const environment of [...new Set(plan.stacks.map((s) => s.environment))].sort()) {
    const account = environment.slice("aws-".length);
    credentialEnvironments.set(
        environment,
        new service.Environment(environment, {
            organization: c.organization,
            project,
            name: environment,
            yaml: new pulumi.asset.StringAsset(escEnvironmentYaml(c.awsRoleArns[account], `${project}-${environment}`, c.sessionDuration)),
        }),
    );
}

// CI previews pull requests with a team token (GitHub OIDC, pulumi/auth-actions): the team may read (preview)
// only the stacks of the CI matrix and open only their accounts' credentials, never a protected account's.
const ciStacks = new Set(ciPreviewMatrix(plan).map((m) => m.stack));
const ciTeam = new service.Team("ci-preview-team", {
    organizationName: c.organization,
    teamType: "pulumi",
    name: `${project}-ci-preview`,
    displayName: `${project} CI previews`,
    description: "Pull-request previews in GitHub Actions: read (preview) on unprotected stacks, open on their credentials only",
});
for (const environment of [...new Set(plan.stacks.filter((s) => ciStacks.has(s.stack)).map((s) => s.environment))].sort()) {
    const env = credentialEnvironments.get(environment)!;
    new service.TeamEnvironmentPermission(`${environment}-ci-preview`, {
        organization: c.organization,
        project: env.project,
        environment: env.name,
        team: ciTeam.name.apply((n) => n!),
        permission: "open",
        maxOpenDuration: c.sessionDuration,
    });
}
new service.OidcIssuer("github-actions", {
    organization: c.organization,
    name: "github-actions",
    url: "https://token.actions.githubusercontent.com",
    maxExpirationSeconds: 3600,
    policies: [
        {
            decision: "allow",
            tokenType: "team",
            teamName: ciTeam.name.apply((n) => n!),
            // pulumi/auth-actions asks GitHub for a token with this audience; only this repository's pull_request runs match.
            rules: { aud: `urn:pulumi:org:${c.organization}`, sub: `repo:${c.repository}:pull_request` },
        },
    ],
});

for (const s of plan.stacks) {
    // Kept in Pulumi Cloud if this program forgets it: a stack holding resources is destroyed by hand, never here.
    const stack = new service.Stack(`${s.stack}-stack`, { organizationName: c.organization, projectName: project, stackName: s.stack }, { retainOnDelete: true });
    const ref = { organization: stack.organizationName, project: stack.projectName, stack: stack.stackName };
    const settings = new service.DeploymentSettings(`${s.stack}-settings`, { ...ref, ...deploymentSettings(s, c) });
    if (s.driftSchedule) {
        // Report drift, never auto-remediate. Schedules need the stack's deployment settings first.
        new service.DriftSchedule(`${s.stack}-drift`, { ...ref, scheduleCron: s.driftSchedule, autoRemediate: false }, { dependsOn: [settings] });
    }
    if (s.verifyArgs !== undefined) {
        // `npm run verify` after each successful update (delivery.yaml verifyAfterDeploy): the update_succeeded
        // event, never a preview, destroy or refresh, starts a deployment of the runner stack, which runs verify.
        const runner = new service.Stack(`${s.stack}-verify-stack`, { organizationName: c.organization, projectName: runnerProject, stackName: s.stack }, { retainOnDelete: true });
        const runnerRef = { organization: runner.organizationName, project: runner.projectName, stack: runner.stackName };
        const runnerSettings = new service.DeploymentSettings(`${s.stack}-verify-settings`, { ...runnerRef, ...verifyRunnerSettings(s, c, project) });
        new service.Webhook(
            `${s.stack}-verify-after-update`,
            {
                organizationName: c.organization,
                projectName: stack.projectName,
                stackName: stack.stackName,
                displayName: `verify ${s.stack} after update`,
                format: service.WebhookFormat.PulumiDeployments,
                payloadUrl: pulumi.interpolate`${runner.projectName}/${runner.stackName}`,
                filters: [service.WebhookFilters.UpdateSucceeded],
                active: true,
            },
            { dependsOn: [runnerSettings, settings] },
        );
    }
    if (ciStacks.has(s.stack)) {
        // Stack Read allows previews and nothing more.
        new service.TeamStackPermission(`${s.stack}-ci-preview`, { ...ref, team: ciTeam.name.apply((n) => n!), permission: service.TeamStackPermissionScope.Read });
    }
    // Preventative: the pack runs in every preview and update of the stack and a mandatory violation blocks it.
    // (Audit only evaluates the state after an update and reports.)
    const policyConfig = s.policyConfig.file ? (JSON.parse(fs.readFileSync(path.join(projectDir, s.policyConfig.file), "utf8")) as Record<string, unknown>) : undefined;
    new service.PolicyGroup(`${s.stack}-policies`, {
        name: `${project}-${s.stack}`,
        organizationName: c.organization,
        mode: "preventative",
        stacks: [{ name: stack.stackName, routingProject: stack.projectName }],
        policyPacks: [{ name: pack.name, versionTag: pack.versionTag, ...(policyConfig ? { config: policyConfig } : {}) }],
    });
}

const template = plan.stacks.find((s) => s.reviewStackTemplate)!;
/** Stacks this program manages, with how each is delivered and which policy config it runs. */
export const stacks = Object.fromEntries(plan.stacks.map((s) => [s.stack, { account: s.account, branch: s.branch, policyConfig: s.policyConfig.description }]));
/** The team GitHub Actions previews run as: set it as the repository variable PULUMI_CI_TEAM. */
export const ciTeamName = ciTeam.name;
export const environments = [...new Set(plan.stacks.map((s) => `${project}/${s.environment}`))].sort();
/**
 * Review stacks join no named policy group (Pulumi Deployments creates them per pull request); as new stacks they
 * join the organization's default policy group, which must enable the pack: run this once per published version,
 * after `leaveDefaultPolicyGroup` (README, "First deploy").
 */
export const reviewStackPolicy = reviewStackPolicyCommand(c.organization, PACK_NAME, packVersion, template);
/**
 * Takes the stacks this program creates out of the organization's default policy group, which Pulumi Cloud puts
 * every new stack in: each named stack then runs only its own group's config, and the verify runners (no resources)
 * no pack. Run it after every `pulumi up` here that creates a stack, before `reviewStackPolicy` (README, "First deploy").
 */
export const leaveDefaultPolicyGroup = leaveDefaultGroupCommand(c.organization, [
    ...plan.stacks.map((s) => ({ project, stack: s.stack })),
    ...plan.stacks.filter((s) => s.verifyArgs !== undefined).map((s) => ({ project: runnerProject, stack: s.stack })),
]);
