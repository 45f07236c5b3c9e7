import { stringify } from "yaml";

/**
 * Pure builders of the Pulumi Cloud settings of each eks-karpenter stack. Everything account-specific (the
 * organization, the repository, the role ARNs) comes from config; nothing here names an account.
 */

export interface DeliveryConfig {
    organization: string;
    repository: string;
    project: string;
    mainBranch: string;
    prodBranch: string;
    awsRoleArnDev: string;
    awsRoleArnProd: string;
    driftSchedule: string;
    reviewStackTtlHours: number;
    policyPackVersion: string;
}

export type DeployedStack = "dev" | "prod" | "pr";

/** Paths whose change deploys a stack: code, dependencies and that stack's file; docs alone deploy nothing. */
export function deployPaths(stack: DeployedStack): string[] {
    return ["index.ts", "components/**", "policies/**", "Pulumi.yaml", `Pulumi.${stack}.yaml`, "package.json", "package-lock.json", "tsconfig.json"];
}

/** The ESC environment each stack reads its AWS credentials from ("<project>/<name>"). */
export function environmentFor(stack: DeployedStack): string {
    return stack === "prod" ? "aws-prod" : "aws-dev";
}

/** DeploymentSettings inputs of a stack (pulumiservice:index:DeploymentSettings). */
export function deploymentSettings(stack: DeployedStack, c: DeliveryConfig) {
    const branch = stack === "prod" ? c.prodBranch : c.mainBranch;
    const github =
        stack === "pr"
            ? { repository: c.repository, deployCommits: false, previewPullRequests: false, pullRequestTemplate: true, paths: deployPaths(stack) }
            : { repository: c.repository, deployCommits: true, previewPullRequests: true, pullRequestTemplate: false, paths: deployPaths(stack) };
    return {
        organization: c.organization,
        project: c.project,
        stack,
        sourceContext: { git: { branch: `refs/heads/${branch}`, repoDir: "." } },
        github,
        operationContext: {
            // Review stacks are removed once destroyed; a deploy waits for none of the queued intermediate commits.
            options: { skipIntermediateDeployments: true, deleteAfterDestroy: stack === "pr" },
        },
    };
}

/**
 * The ESC environment definition: short-lived AWS credentials by OIDC (no long-lived keys), exported to the
 * environment of every pulumi run that opens it (CLI, CI, Deployments).
 */
export function escEnvironmentYaml(roleArn: string, sessionName: string): string {
    return stringify({
        values: {
            aws: { login: { "fn::open::aws-login": { oidc: { roleArn, sessionName, duration: "1h" } } } },
            environmentVariables: {
                AWS_ACCESS_KEY_ID: "${aws.login.accessKeyId}",
                AWS_SECRET_ACCESS_KEY: "${aws.login.secretAccessKey}",
                AWS_SESSION_TOKEN: "${aws.login.sessionToken}",
            },
        },
    });
}

/** When the review stack template's TTL fires: `hours` after `now`, in the ISO form Pulumi Cloud takes. */
export function ttlTimestamp(now: Date, hours: number): string {
    return new Date(now.getTime() + hours * 3_600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
}
