import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { deployPaths, escEnvironmentYaml, ttlTimestamp } from "../deployments/settings";
import { ProgramRun, findResource, resourcesOfType, runProgram } from "../offline/engine";

const ROOT = path.resolve(__dirname, "..");
const P = "eks-karpenter-deployments";
const config = {
    [`${P}:organization`]: "acme",
    [`${P}:repository`]: "acme/eks-karpenter",
    [`${P}:awsRoleArnDev`]: "arn:aws:iam::111111111111:role/pulumi-dev",
    [`${P}:awsRoleArnProd`]: "arn:aws:iam::222222222222:role/pulumi-prod",
};

describe("deployments/ (Pulumi Cloud settings, under mocks)", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runProgram({ project: P, stack: "acme", values: { ...config, "aws:region": "us-west-2" } }, { program: path.join(ROOT, "deployments", "index.ts") });
    });
    const settings = (stack: string) => findResource(run, "pulumiservice:index:DeploymentSettings", `${stack}-settings`).inputs as Record<string, any>;

    it("deploys dev on push to main and previews pull requests, filtered to code paths", () => {
        const dev = settings("dev");
        expect(dev).to.deep.include({ organization: "acme", project: "eks-karpenter", stack: "dev" });
        expect(dev.sourceContext).to.deep.equal({ git: { branch: "refs/heads/main", repoDir: "." } });
        expect(dev.github).to.deep.include({ repository: "acme/eks-karpenter", deployCommits: true, previewPullRequests: true, pullRequestTemplate: false });
        expect(dev.github.paths).to.include.members(["components/**", "Pulumi.dev.yaml"]);
        expect(dev.github.paths.some((p: string) => /README|\.md$|docs/.test(p)), "doc-only changes do not deploy").to.equal(false);
    });

    it("deploys prod from the release branch only", () => {
        const prod = settings("prod");
        expect(prod.sourceContext.git.branch).to.equal("refs/heads/release");
        expect(prod.github).to.deep.include({ deployCommits: true, previewPullRequests: true, pullRequestTemplate: false });
        expect(prod.github.paths).to.include("Pulumi.prod.yaml").and.not.include("Pulumi.dev.yaml");
    });

    it("makes pr the review-stack template, removed after destroy and bounded by a TTL", () => {
        const pr = settings("pr");
        expect(pr.github).to.deep.include({ pullRequestTemplate: true, deployCommits: false });
        expect(pr.operationContext.options.deleteAfterDestroy).to.equal(true);
        const ttl = findResource(run, "pulumiservice:index:TtlSchedule", "pr-ttl").inputs;
        expect(ttl).to.deep.include({ stack: "pr", deleteAfterDestroy: true });
        const hours = (Date.parse(String(ttl.timestamp)) - Date.now()) / 3_600_000;
        expect(hours).to.be.within(71.9, 72.1);
        expect(fs.existsSync(path.join(ROOT, "Pulumi.pr.yaml"))).to.equal(true);
    });

    it("detects drift on prod only, without auto-remediation", () => {
        const drift = resourcesOfType(run, "pulumiservice:index:DriftSchedule");
        expect(drift.map((d) => d.inputs)).to.deep.equal([{ organization: "acme", project: "eks-karpenter", stack: "prod", scheduleCron: "0 */6 * * *", autoRemediate: false }]);
    });

    it("enforces the policy pack in Pulumi Cloud with each stack's policy config", () => {
        for (const stack of ["dev", "prod", "pr"]) {
            const group = findResource(run, "pulumiservice:index:PolicyGroup", `${stack}-policies`).inputs as Record<string, any>;
            expect(group.stacks).to.deep.equal([{ name: stack, routingProject: "eks-karpenter" }]);
            const file = path.join(ROOT, "policies", "config", `${stack}.json`);
            expect(group.policyPacks).to.deep.equal([{ name: "eks-karpenter", versionTag: "0.1.0", config: JSON.parse(fs.readFileSync(file, "utf8")) }]);
        }
    });

    it("logs in to AWS by OIDC through ESC environments that the stack files reference", () => {
        for (const [name, role] of [
            ["aws-dev", config[`${P}:awsRoleArnDev`]],
            ["aws-prod", config[`${P}:awsRoleArnProd`]],
        ]) {
            const env = findResource(run, "pulumiservice:index:Environment", name);
            expect(env.inputs).to.deep.include({ organization: "acme", project: "eks-karpenter", name });
            const definition = parse(escEnvironmentYaml(role, `eks-karpenter-${name}`)) as Record<string, any>;
            expect(definition.values.aws.login["fn::open::aws-login"].oidc.roleArn).to.equal(role);
            expect(definition.values.environmentVariables.AWS_SESSION_TOKEN).to.equal("${aws.login.sessionToken}");
        }
        for (const [stack, env] of [["dev", "aws-dev"], ["prod", "aws-prod"], ["pr", "aws-dev"]]) {
            expect((parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { environment: string[] }).environment).to.deep.equal([`eks-karpenter/${env}`]);
        }
    });

    it("keeps account-specific values out of code", () => {
        for (const f of fs.readdirSync(path.join(ROOT, "deployments")).filter((f) => f.endsWith(".ts"))) {
            expect(fs.readFileSync(path.join(ROOT, "deployments", f), "utf8"), f).to.not.match(/\b\d{12}\b|arn:aws/);
        }
    });

    it("builds paths and timestamps purely", () => {
        expect(deployPaths("prod")).to.include("Pulumi.prod.yaml");
        expect(ttlTimestamp(new Date("2026-01-01T00:00:00.000Z"), 72)).to.equal("2026-01-04T00:00:00Z");
    });
});
