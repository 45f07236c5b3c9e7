import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as service from "@pulumi/pulumiservice";
import { DeliveryConfig, DeployedStack, deploymentSettings, environmentFor, escEnvironmentYaml, ttlTimestamp } from "./settings";

const config = new pulumi.Config();
const c: DeliveryConfig = {
    organization: config.require("organization"),
    repository: config.require("repository"),
    project: config.get("project") ?? "eks-karpenter",
    mainBranch: config.get("mainBranch") ?? "main",
    prodBranch: config.get("prodBranch") ?? "release",
    awsRoleArnDev: config.require("awsRoleArnDev"),
    awsRoleArnProd: config.require("awsRoleArnProd"),
    driftSchedule: config.get("driftSchedule") ?? "0 */6 * * *",
    reviewStackTtlHours: config.getNumber("reviewStackTtlHours") ?? 72,
    policyPackVersion: config.get("policyPackVersion") ?? "0.1.0",
};

// AWS credentials by OIDC, one ESC environment per account role; the stack files reference them.
for (const [name, roleArn] of [
    ["aws-dev", c.awsRoleArnDev],
    ["aws-prod", c.awsRoleArnProd],
] as const) {
    new service.Environment(name, { organization: c.organization, project: c.project, name, yaml: new pulumi.asset.StringAsset(escEnvironmentYaml(roleArn, `${c.project}-${name}`)) });
}

const stacks: DeployedStack[] = ["dev", "prod", "pr"];
for (const stack of stacks) {
    new service.DeploymentSettings(`${stack}-settings`, deploymentSettings(stack, c));
    // Each stack's policy group enforces the pack with that stack's policy config (prod strict, dev advisory).
    const policyConfig = path.join(__dirname, "..", "policies", "config", `${stack}.json`);
    new service.PolicyGroup(`${stack}-policies`, {
        name: `${c.project}-${stack}`,
        organizationName: c.organization,
        stacks: [{ name: stack, routingProject: c.project }],
        policyPacks: [{ name: "eks-karpenter", versionTag: c.policyPackVersion, config: JSON.parse(fs.readFileSync(policyConfig, "utf8")) }],
    });
}

// Drift detection on prod: report, never auto-remediate.
new service.DriftSchedule("prod-drift", { organization: c.organization, project: c.project, stack: "prod", scheduleCron: c.driftSchedule, autoRemediate: false });

// A backstop for review stacks: destroyed when their pull request closes, or at the latest after the TTL.
new service.TtlSchedule("pr-ttl", { organization: c.organization, project: c.project, stack: "pr", timestamp: ttlTimestamp(new Date(), c.reviewStackTtlHours), deleteAfterDestroy: true });

export const environments = stacks.map((s) => `${c.project}/${environmentFor(s)}`);
