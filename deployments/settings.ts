import { stringify } from "yaml";
import type { DeliveredStack, DeliveryPlan } from "./stacks";

/**
 * Pure builders of the Pulumi Cloud settings of each eks-karpenter stack, and the validation of deployments/'s
 * config. Everything account-specific (the organization, the repository, the role ARNs) comes from config; which
 * stacks exist and how each is delivered comes from the stack files and delivery.yaml (./stacks).
 */

export interface DeliveryConfig {
    /** Pulumi Cloud organization that owns the stacks. Required. */
    organization: string;
    /** GitHub repository "owner/name" that holds the project. Required. */
    repository: string;
    /** IAM role ARN per AWS account key of delivery.yaml, assumed by ESC through OIDC. Required for every account a stack uses. */
    awsRoleArns: Record<string, string>;
    /** Session length of the ESC credentials ("2h", "90m"): long enough for a cluster create or a destroy with the sweep. @default "2h" */
    sessionDuration: string;
}

/** Paths whose change deploys a stack: code, dependencies and that stack's file; docs alone deploy nothing. */
export function deployPaths(stack: string): string[] {
    return ["index.ts", "components/**", "policies/**", "policy-config/**", "Pulumi.yaml", `Pulumi.${stack}.yaml`, "package.json", "package-lock.json", "tsconfig.json"];
}

const ROLE_ARN = /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@\/-]{1,512}$/;

/** Minutes of a duration like "2h", "90m", "1h30m"; undefined when it is not one. */
export function durationMinutes(value: string): number | undefined {
    const m = /^(?:(\d+)h)?(?:(\d+)m)?$/.exec(value);
    if (!m || (m[1] === undefined && m[2] === undefined)) return undefined;
    return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
}

/** Checks deployments/'s config against the delivery plan; returns every problem (empty when deliverable). */
export function configProblems(c: DeliveryConfig, plan: DeliveryPlan): string[] {
    const problems: string[] = [];
    const used = new Map<string, string[]>();
    for (const s of plan.stacks) used.set(s.account, [...(used.get(s.account) ?? []), s.file]);
    for (const [account, arn] of Object.entries(c.awsRoleArns)) {
        if (typeof arn !== "string" || !ROLE_ARN.test(arn)) {
            problems.push(`awsRoleArns.${account} must be an IAM role ARN (arn:<partition>:iam::<account-id>:role/<name>), got ${JSON.stringify(arn)}`);
        }
        if (!used.has(account)) problems.push(`awsRoleArns.${account}: no stack file imports ${plan.project}/aws-${account} (accounts in use: ${[...used.keys()].join(", ")})`);
    }
    for (const [account, files] of used) {
        if (c.awsRoleArns[account] === undefined) problems.push(`awsRoleArns has no role for account "${account}" (used by ${files.join(", ")})`);
    }
    const minutes = durationMinutes(c.sessionDuration);
    if (minutes === undefined || minutes < 15 || minutes > 720) {
        problems.push(`sessionDuration must be between 15m and 12h (AWS STS limits), got ${JSON.stringify(c.sessionDuration)}; the role's MaxSessionDuration must allow it`);
    }
    if (!/^[\w.-]+\/[\w.-]+$/.test(c.repository)) problems.push(`repository must be "owner/name", got ${JSON.stringify(c.repository)}`);
    return problems;
}

/**
 * DeploymentSettings inputs of a stack (pulumiservice:index:DeploymentSettings), minus the stack reference the
 * program fills in. GitHub is configured through `vcs` (`github` is deprecated in provider 1.3.0).
 */
export function deploymentSettings(s: DeliveredStack, c: Pick<DeliveryConfig, "repository">) {
    const template = s.reviewStackTemplate;
    return {
        sourceContext: { git: { branch: `refs/heads/${s.branch}`, repoDir: "." } },
        vcs: {
            provider: "github",
            repository: c.repository,
            // The template is never deployed itself; pull requests to its branch each get a review stack from it.
            deployCommits: !template,
            previewPullRequests: !template,
            pullRequestTemplate: template,
            paths: deployPaths(s.stack),
        },
        operationContext: {
            // Review stacks (copies of the template's settings) are removed once destroyed; a deploy skips queued
            // intermediate commits.
            options: { skipIntermediateDeployments: true, deleteAfterDestroy: template },
        },
    };
}

/**
 * The ESC environment definition: short-lived AWS credentials by OIDC (no long-lived keys), exported to every
 * pulumi run that opens it (CLI, CI, Deployments). `subjectAttributes` puts the environment's name in the token's
 * subject, so each account's role can trust only its own environment.
 */
export function escEnvironmentYaml(roleArn: string, sessionName: string, duration: string): string {
    return stringify({
        values: {
            aws: { login: { "fn::open::aws-login": { oidc: { roleArn, sessionName, duration, subjectAttributes: ["currentEnvironment.name"] } } } },
            environmentVariables: {
                AWS_ACCESS_KEY_ID: "${aws.login.accessKeyId}",
                AWS_SECRET_ACCESS_KEY: "${aws.login.secretAccessKey}",
                AWS_SESSION_TOKEN: "${aws.login.sessionToken}",
            },
        },
    });
}

/** The command that enables the pack for review stacks: the default policy group, with the template's config. */
export function reviewStackPolicyCommand(organization: string, packName: string, version: string, template: DeliveredStack): string {
    const config = template.policyConfig.file ? ` --config ${template.policyConfig.file}` : "";
    return `pulumi policy enable ${organization}/${packName} ${version}${config}`;
}

/** The organization's default preventative policy group, as Pulumi Cloud names it (pulumi/docs#20563). */
const DEFAULT_POLICY_GROUP = "default-policy-group";

/**
 * The command that takes stacks out of the organization's default policy group. Pulumi Cloud puts every new stack
 * there ("New stacks ... join the matching default group as they are created"), also one in a group of its own, and
 * a stack in two groups that enable one pack version with different configs runs "the most recently modified"
 * config: once `reviewStackPolicy` enables the pack there with the review config, prod could run it. CLI 3.241.0 or
 * newer (`policy group edit`); stacks as `project/stack` (a bare name has an empty routing project and matches no
 * member); removing a stack that is not a member changes nothing, so the command can run after every `pulumi up`.
 */
export function leaveDefaultGroupCommand(organization: string, stacks: ReadonlyArray<{ project: string; stack: string }>): string {
    const refs = [...new Set(stacks.map((s) => `${s.project}/${s.stack}`))].sort();
    return [`pulumi policy group edit ${DEFAULT_POLICY_GROUP} --org ${organization}`, ...refs.map((r) => `--remove-stack ${r}`)].join(" ");
}

/** Folder (project-relative) of the verify runner's Pulumi project (deployments/verify-runner/Pulumi.yaml). */
export const VERIFY_RUNNER_DIR = "deployments/verify-runner";

/**
 * DeploymentSettings of a stack's verify runner (its stack of the same name in the runner project). Pulumi
 * Deployments has no post-run commands (the pinned provider's operationContext: environmentVariables, oidc,
 * options, preRunCommands), so verify runs as the runner's pre-run commands, started by the deployed stack's
 * `update_succeeded` webhook: a failing check fails the runner's deployment. Each command runs in its own shell
 * from repoDir, and the stack's ESC environment is not open there (Deployments docs, "Pre-run commands"):
 * `pulumi env run` opens the stack's credentials environment for verify's AWS SDK calls and the kubeconfig's
 * token; `pulumi stack output` uses the deployment's own Pulumi Cloud token.
 */
export function verifyRunnerSettings(s: DeliveredStack, c: Pick<DeliveryConfig, "organization" | "repository">, project: string) {
    const root = `cd "$(git rev-parse --show-toplevel)"`;
    return {
        sourceContext: { git: { branch: `refs/heads/${s.branch}`, repoDir: VERIFY_RUNNER_DIR } },
        // Never triggered by a push or a pull request: only by the webhook (and by hand).
        vcs: { provider: "github", repository: c.repository, deployCommits: false, previewPullRequests: false, pullRequestTemplate: false },
        operationContext: {
            options: { skipIntermediateDeployments: true },
            // verify takes the stack's name (it must have a Pulumi.<stack>.yaml) and reads `pulumi stack output
            // --stack <stack>` from the project root: the default organization resolves it to the deployed stack.
            preRunCommands: [
                `${root} && npm ci`,
                `pulumi org set-default ${c.organization}`,
                `${root} && pulumi env run ${project}/${s.environment} -- npm run verify -- ${s.stack} ${s.verifyArgs ?? ""}`.trimEnd(),
            ],
        },
    };
}
