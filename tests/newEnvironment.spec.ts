import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { deliveryPlan } from "../deployments/stacks";
import { findResource, resourcesOfType, runProgram } from "../offline/engine";
import { planStack } from "../offline/plan";
import { stacksCommand } from "../offline/stacks";

/**
 * Adding an environment is adding files, never code: a copy of the project (code and settings byte for byte) plus
 * `Pulumi.staging.yaml` copied from dev goes through the offline plan, the CI preview matrix and deployments/.
 */

const ROOT = path.resolve(__dirname, "..");

/** A copy of the files that decide stacks and their delivery, with the project's code (deployments/ and the pack name). */
function projectCopy(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "eks-karpenter-newenv-"));
    const copy = (rel: string) => {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.copyFileSync(path.join(ROOT, rel), path.join(dir, rel));
    };
    for (const f of fs.readdirSync(ROOT).filter((f) => /^Pulumi(\.[^.]+)?\.yaml$/.test(f))) copy(f);
    for (const f of fs.readdirSync(path.join(ROOT, "policy-config"))) copy(path.join("policy-config", f));
    for (const f of fs.readdirSync(path.join(ROOT, "deployments")).filter((f) => /\.(ts|yaml|json)$/.test(f))) copy(path.join("deployments", f));
    copy("deployments/verify-runner/Pulumi.yaml");
    copy("policies/package.json");
    copy("policies/pack.ts");
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    return dir;
}

describe("a new environment with no code change (staging, copied from dev)", () => {
    let dir: string;
    const lines: string[] = [];
    beforeEach(() => {
        dir = projectCopy();
        fs.copyFileSync(path.join(dir, "Pulumi.dev.yaml"), path.join(dir, "Pulumi.staging.yaml"));
        lines.length = 0;
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const plan = (stack: string) => planStack({ stack, projectDir: dir, outDir: path.join(dir, "plan"), quiet: true, log: (l) => lines.push(l) });

    it("without a policy config of its own: the plan says it ran strict, names no missing file, and fails on dev's advisory shortcuts", async () => {
        const result = await plan("staging");
        const out = lines.join("\n");
        expect(out).to.include("Policy pack (strict: every policy mandatory with default parameters (no config of its own; deployments/delivery.yaml missingPolicyConfig: strict))");
        expect(out).to.not.include("policy-config/staging.json");
        expect(result.exitCode).to.equal(1);
        expect(result.findings.some((f) => f.where.startsWith("policy karpenter-ami-pinned"))).to.equal(true);
    });

    it("inheriting a named config when delivery.yaml says so, and saying which", async () => {
        const delivery = path.join(dir, "deployments", "delivery.yaml");
        fs.writeFileSync(delivery, fs.readFileSync(delivery, "utf8").replace("missingPolicyConfig: strict", "missingPolicyConfig: { inherit: dev }"));
        const result = await plan("staging");
        expect(lines.join("\n")).to.include("Policy pack (policy-config/dev.json (inherited: no config of its own; deployments/delivery.yaml missingPolicyConfig.inherit: dev))");
        expect(result.exitCode).to.equal(0);
    });

    it("with the documented policy config (policy-config/staging.json): planned clean, in the CI matrix and in deployments/", async () => {
        fs.copyFileSync(path.join(dir, "policy-config", "dev.json"), path.join(dir, "policy-config", "staging.json"));
        const result = await plan("staging");
        expect(lines.join("\n")).to.include("Policy pack (policy-config/staging.json)");
        expect(result.exitCode, lines.join("\n")).to.equal(0);

        // What the workflow's test job hands the preview job (npm run --silent stacks -- --ci-matrix).
        const printed: string[] = [];
        expect(stacksCommand(["--ci-matrix", "--project", dir], (l) => printed.push(l))).to.equal(0);
        expect(JSON.parse(printed.join(""))).to.deep.equal([
            { stack: "dev", policyConfig: "policy-config/dev.json" },
            { stack: "staging", policyConfig: "policy-config/staging.json" },
        ]);

        const P = "eks-karpenter-deployments";
        const run = await runProgram(
            {
                project: P,
                stack: "acme",
                values: {
                    [`${P}:organization`]: "acme",
                    [`${P}:repository`]: "acme/eks-karpenter",
                    [`${P}:awsRoleArns`]: JSON.stringify({ dev: "arn:aws:iam::111111111111:role/pulumi-dev", prod: "arn:aws:iam::222222222222:role/pulumi-prod" }),
                },
            },
            { program: path.join(dir, "deployments", "index.ts") },
        );
        expect(findResource(run, "pulumiservice:index:Stack", "staging-stack").inputs.stackName).to.equal("staging");
        const settings = findResource(run, "pulumiservice:index:DeploymentSettings", "staging-settings").inputs as Record<string, any>;
        expect(settings.sourceContext.git.branch).to.equal("refs/heads/main");
        expect(settings.vcs.paths).to.include("Pulumi.staging.yaml");
        const group = findResource(run, "pulumiservice:index:PolicyGroup", "staging-policies").inputs as Record<string, any>;
        expect(group.policyPacks[0].config).to.deep.equal(JSON.parse(fs.readFileSync(path.join(ROOT, "policy-config", "dev.json"), "utf8")));
        // Verified after each successful update, like every deployed stack (deployments/delivery.yaml verifyAfterDeploy).
        expect(findResource(run, "pulumiservice:index:Webhook", "staging-verify-after-update").inputs.payloadUrl).to.equal("eks-karpenter-verify/staging");
        // Same account as dev: no new credentials environment.
        expect(resourcesOfType(run, "pulumiservice:index:Environment").map((e) => e.name)).to.deep.equal(["aws-dev", "aws-prod"]);
    });

    it("a stack file without an environment: block is local-only: left out of Pulumi Cloud and CI", () => {
        const local = fs.readFileSync(path.join(dir, "Pulumi.dev.yaml"), "utf8").replace(/^environment:\n(  - .*\n)+/m, "");
        fs.writeFileSync(path.join(dir, "Pulumi.dev-local.yaml"), local);
        const delivery = deliveryPlan(dir);
        expect(delivery.localOnly).to.deep.equal(["dev-local"]);
        expect(delivery.stacks.map((s) => s.stack)).to.not.include("dev-local");
    });

    it("a stack file importing an account delivery.yaml does not know is refused, with every problem at once", () => {
        fs.writeFileSync(path.join(dir, "Pulumi.qa.yaml"), "environment:\n  - eks-karpenter/aws-qa\nconfig: {}\n");
        fs.writeFileSync(path.join(dir, "Pulumi.odd.yaml"), "environment:\n  - eks-karpenter/shared\nconfig: {}\n");
        expect(() => deliveryPlan(dir)).to.throw(
            [
                "deployments: 2 problems in the delivery settings:",
                '  1. Pulumi.odd.yaml: environment must import exactly one credentials environment "eks-karpenter/aws-<account>" (got ["eks-karpenter/shared"]); remove the block for a local-only stack',
                '  2. Pulumi.qa.yaml: imports eks-karpenter/aws-qa, but deployments/delivery.yaml has no account "qa" (known: dev, prod)',
            ].join("\n"),
        );
    });
});
