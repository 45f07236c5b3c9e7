import * as fs from "node:fs";
import * as path from "node:path";
import * as os from "node:os";
import * as service from "@pulumi/pulumiservice";
import { expect } from "chai";
import { parse } from "yaml";
import { deployPaths, escEnvironmentYaml } from "../deployments/settings";
import { parseDelivery } from "../deployments/stacks";
import { pulumiCloud } from "../offline/pulumiCloud";
import { ProgramRun, RecordedResource, findResource, resourcesOfType, runProgram } from "../offline/engine";
import { CloudState, enforcedPacks, newCloudState, runPolicyCommand } from "../offline/pulumiCloud";

const ROOT = path.resolve(__dirname, "..");
const P = "eks-karpenter-deployments";
const ROLES = { dev: "arn:aws:iam::111111111111:role/pulumi-dev", prod: "arn:aws:iam::222222222222:role/pulumi-prod" };
const config = {
    [`${P}:organization`]: "acme",
    [`${P}:repository`]: "acme/eks-karpenter",
    [`${P}:awsRoleArns`]: JSON.stringify(ROLES),
};
const PACK_VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, "policies", "package.json"), "utf8")) as { version: string }).version;
const policyConfig = (stack: string) => JSON.parse(fs.readFileSync(path.join(ROOT, "policy-config", `${stack}.json`), "utf8")) as unknown;

export async function runDeployments(values: Record<string, string> = config, program = path.join(ROOT, "deployments", "index.ts")): Promise<ProgramRun> {
    return runProgram({ project: P, stack: "acme", values: { ...values, "aws:region": "us-west-2" } }, { program });
}

describe("deployments/ (Pulumi Cloud settings, against a strict offline Pulumi Cloud)", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runDeployments();
    });
    const settings = (stack: string) => findResource(run, "pulumiservice:index:DeploymentSettings", `${stack}-settings`);
    const packTag = () => findResource(run, "pulumiservice:index:PolicyPack", "policy-pack").inputs.versionTag as string;
    const dependsOn = (r: RecordedResource, on: RecordedResource) => r.dependencies.includes(on.urn);

    it("creates every stack of a Pulumi.<stack>.yaml, each before its deployment settings (Pulumi Cloud rejects settings of a missing stack)", () => {
        const stacks = resourcesOfType(run, "pulumiservice:index:Stack").filter((s) => s.inputs.projectName === "eks-karpenter").map((s) => s.inputs.stackName);
        expect(stacks).to.have.members(["dev", "pr", "prod"]);
        for (const stack of ["dev", "pr", "prod"]) {
            const s = findResource(run, "pulumiservice:index:Stack", `${stack}-stack`);
            expect(s.inputs).to.deep.equal({ organizationName: "acme", projectName: "eks-karpenter", stackName: stack });
            expect(dependsOn(settings(stack), s), `${stack} settings wait for the stack`).to.equal(true);
        }
    });

    it("configures GitHub through `vcs` (the pinned provider deprecates `github`)", () => {
        const dev = settings("dev").inputs as Record<string, any>;
        expect(dev.github).to.equal(undefined);
        expect(dev.vcs).to.deep.include({ provider: "github", repository: "acme/eks-karpenter", deployCommits: true, previewPullRequests: true, pullRequestTemplate: false });
        expect(dev.vcs.paths).to.include.members(["components/**", "Pulumi.dev.yaml"]);
        expect(dev.vcs.paths.some((p: string) => /README|\.md$|docs/.test(p)), "doc-only changes do not deploy").to.equal(false);
        expect(dev.sourceContext).to.deep.equal({ git: { branch: "refs/heads/main", repoDir: "." } });
        const prod = settings("prod").inputs as Record<string, any>;
        expect(prod.sourceContext.git.branch).to.equal("refs/heads/release");
        expect(prod.vcs.paths).to.include("Pulumi.prod.yaml").and.not.include("Pulumi.dev.yaml");
    });

    it("keeps the review-stack template alive: no TTL anywhere, pull requests give it its lifetime", () => {
        expect(resourcesOfType(run, "pulumiservice:index:TtlSchedule")).to.deep.equal([]);
        const pr = settings("pr").inputs as Record<string, any>;
        expect(pr.vcs).to.deep.include({ pullRequestTemplate: true, deployCommits: false, previewPullRequests: false });
        // Copied into each review stack: destroyed and removed when its pull request closes.
        expect(pr.operationContext.options.deleteAfterDestroy).to.equal(true);
    });

    it("detects drift on prod only, after its deployment settings exist, without auto-remediation", () => {
        const drift = resourcesOfType(run, "pulumiservice:index:DriftSchedule");
        expect(drift.map((d) => d.inputs)).to.deep.equal([{ organization: "acme", project: "eks-karpenter", stack: "prod", scheduleCron: "0 */6 * * *", autoRemediate: false }]);
        expect(dependsOn(drift[0], settings("prod")), "the schedule waits for the settings").to.equal(true);
    });

    it("runs `npm run verify -- <stack> --no-scale` after each successful update of a deployed stack, never after a preview or destroy", () => {
        // DeploymentSettings have no post-run commands (pinned provider: operationContext is environmentVariables,
        // oidc, options, preRunCommands). A stack webhook filtered to update_succeeded, in the pulumi_deployments
        // format, starts a deployment of a runner stack whose pre-run commands run verify.
        const webhooks = resourcesOfType(run, "pulumiservice:index:Webhook");
        expect(webhooks.map((w) => w.inputs.stackName).sort(), "every deployed stack, not the review-stack template").to.deep.equal(["dev", "prod"]);
        for (const stack of ["dev", "prod"]) {
            const hook = findResource(run, "pulumiservice:index:Webhook", `${stack}-verify-after-update`);
            expect(hook.inputs).to.deep.include({ organizationName: "acme", projectName: "eks-karpenter", stackName: stack, format: "pulumi_deployments", filters: ["update_succeeded"], active: true });
            expect(hook.inputs.payloadUrl).to.equal(`eks-karpenter-verify/${stack}`);
            const runner = findResource(run, "pulumiservice:index:DeploymentSettings", `${stack}-verify-settings`);
            expect(dependsOn(hook, runner), "the webhook's target has its deployment settings first").to.equal(true);
            const r = runner.inputs as Record<string, any>;
            expect(r.project).to.equal("eks-karpenter-verify");
            expect(r.sourceContext.git).to.deep.equal({ branch: `refs/heads/${stack === "prod" ? "release" : "main"}`, repoDir: "deployments/verify-runner" });
            expect(r.vcs).to.deep.include({ deployCommits: false, previewPullRequests: false, pullRequestTemplate: false });
            const commands = r.operationContext.preRunCommands as string[];
            // The stack's ESC environment is not open in pre-run commands (Deployments docs): `pulumi env run` opens it.
            expect(commands.at(-1)).to.equal(`cd "$(git rev-parse --show-toplevel)" && pulumi env run eks-karpenter/aws-${stack} -- npm run verify -- ${stack} --no-scale`);
            // verify only takes stacks with a Pulumi.<stack>.yaml; the organization resolves `pulumi stack output --stack <stack>`.
            expect(commands.slice(0, -1)).to.include.members([`cd "$(git rev-parse --show-toplevel)" && npm ci`, "pulumi org set-default acme"]);
        }
        const runnerFile = parse(fs.readFileSync(path.join(ROOT, "deployments", "verify-runner", "Pulumi.yaml"), "utf8")) as Record<string, unknown>;
        expect(runnerFile.name).to.equal("eks-karpenter-verify");
        expect(runnerFile.resources ?? {}, "the runner's own update changes nothing").to.deep.equal({});
    });

    it("reads verifyAfterDeploy from delivery.yaml: --no-scale by default, per-stack arguments or false, bad values refused", () => {
        expect(parseDelivery({ reviewStackTemplate: "pr", accounts: { dev: { branch: "main" } } }).delivery.verifyAfterDeploy).to.deep.equal({ args: "--no-scale", stacks: {} });
        const ok = parseDelivery({ reviewStackTemplate: "pr", accounts: { dev: { branch: "main" } }, verifyAfterDeploy: { stacks: { dev: false, prod: "--replicas 2" } } });
        expect(ok.problems).to.deep.equal([]);
        expect(ok.delivery.verifyAfterDeploy.stacks).to.deep.equal({ dev: false, prod: "--replicas 2" });
        const bad = parseDelivery({ reviewStackTemplate: "pr", accounts: { dev: { branch: "main" } }, verifyAfterDeploy: { args: "--no-scale; rm -rf /", stacks: { dev: true } } });
        expect(bad.problems).to.have.length(2);
        expect(bad.problems.join("\n")).to.include("verifyAfterDeploy.args").and.include("verifyAfterDeploy.stacks.dev");
    });

    it("the offline Pulumi Cloud refuses what the pinned provider's schema has no field for (e.g. operationContext.postRunCommands)", () => {
        const cloud = pulumiCloud();
        const args = (type: string, name: string, inputs: Record<string, unknown>) => ({ type, name, inputs, id: undefined, provider: undefined, custom: true }) as any;
        cloud["pulumiservice:index:Stack"](args("pulumiservice:index:Stack", "s", { organizationName: "o", projectName: "p", stackName: "s" }));
        const ref = { organization: "o", project: "p", stack: "s" };
        expect(() => cloud["pulumiservice:index:DeploymentSettings"](args("pulumiservice:index:DeploymentSettings", "x", { ...ref, operationContext: { postRunCommands: ["npm test"] } }))).to.throw(/postRunCommands/);
        expect(() => cloud["pulumiservice:index:Webhook"](args("pulumiservice:index:Webhook", "w", { organizationName: "o", projectName: "p", stackName: "s", format: "pulumi_deployments", payloadUrl: "p/s", filters: ["update_succeeded"], displayName: "w" }))).to.throw(/no deployment settings/);
        cloud["pulumiservice:index:DeploymentSettings"](args("pulumiservice:index:DeploymentSettings", "x", { ...ref, operationContext: { preRunCommands: ["true"] } }));
        expect(() => cloud["pulumiservice:index:Webhook"](args("pulumiservice:index:Webhook", "w", { organizationName: "o", projectName: "p", stackName: "s", format: "pulumi_deployments", payloadUrl: "p/s", filters: ["update_done"], displayName: "w" }))).to.throw(/update_done/);
    });

    it("publishes the policy pack at policies/package.json's version before any group enables it", () => {
        const pack = findResource(run, "pulumiservice:index:PolicyPack", "policy-pack");
        expect(pack.inputs).to.deep.include({ organization: "acme", name: "eks-karpenter", sourcePath: path.join(ROOT, "policies") });
        expect(pack.inputs.versionTag, "package.json's version, then the sources' fingerprint").to.match(new RegExp(`^${PACK_VERSION.replace(/\./g, "\\.")}-src\\.[0-9a-f]{12}$`));
        // The name the pack serves under (policies/index.ts) is the name published and enabled.
        expect(fs.readFileSync(path.join(ROOT, "policies", "index.ts"), "utf8")).to.match(/new PolicyPack\(PACK_NAME,/);
        for (const group of resourcesOfType(run, "pulumiservice:index:PolicyGroup")) expect(dependsOn(group, pack), group.name).to.equal(true);
    });

    it("enforces the pack in preventative mode (blocks a preview or update with a mandatory violation) with each stack's own config", () => {
        for (const stack of ["dev", "prod", "pr"]) {
            const group = findResource(run, "pulumiservice:index:PolicyGroup", `${stack}-policies`).inputs as Record<string, any>;
            expect(group.mode, "audit only reports after the fact").to.equal("preventative");
            expect(group.stacks).to.deep.equal([{ name: stack, routingProject: "eks-karpenter" }]);
            expect(group.policyPacks).to.deep.equal([{ name: "eks-karpenter", versionTag: packTag(), config: policyConfig(stack) }]);
        }
    });

    it("covers review stacks through the organization's default policy group, with policy-config/pr.json", () => {
        // Review stacks are created by Pulumi Deployments and join no named group; the default group applies to every
        // stack not in another group, and `pulumi policy enable` without --policy-group enables a pack there.
        expect(run.outputs.reviewStackPolicy).to.equal(`pulumi policy enable acme/eks-karpenter ${packTag()} --config policy-config/pr.json`);
    });

    it("logs in to AWS by OIDC through one ESC environment per account, each role trusting only its own environment", () => {
        for (const [account, role] of Object.entries(ROLES)) {
            const env = findResource(run, "pulumiservice:index:Environment", `aws-${account}`);
            expect(env.inputs).to.deep.include({ organization: "acme", project: "eks-karpenter", name: `aws-${account}` });
            const definition = parse(escEnvironmentYaml(role, `eks-karpenter-aws-${account}`, "2h")) as Record<string, any>;
            expect(definition.values.aws.login["fn::open::aws-login"].oidc).to.deep.equal({
                roleArn: role,
                sessionName: `eks-karpenter-aws-${account}`,
                duration: "2h",
                subjectAttributes: ["currentEnvironment.name"],
            });
            expect(definition.values.environmentVariables.AWS_SESSION_TOKEN).to.equal("${aws.login.sessionToken}");
        }
        expect(resourcesOfType(run, "pulumiservice:index:Environment")).to.have.length(2);
    });

    it("lets CI preview pull requests as a team that can read only the CI matrix's stacks and open only their credentials", () => {
        const team = findResource(run, "pulumiservice:index:Team", "ci-preview-team");
        expect(team.inputs).to.deep.include({ organizationName: "acme", teamType: "pulumi", name: "eks-karpenter-ci-preview" });
        expect(run.outputs.ciTeamName).to.equal("eks-karpenter-ci-preview");
        const stackPermissions = resourcesOfType(run, "pulumiservice:index:TeamStackPermission").map((p) => p.inputs);
        // 101 is Stack Read: "allows for running previews", never an update.
        expect(stackPermissions).to.deep.equal([{ organization: "acme", project: "eks-karpenter", stack: "dev", team: "eks-karpenter-ci-preview", permission: 101 }]);
        const envPermissions = resourcesOfType(run, "pulumiservice:index:TeamEnvironmentPermission").map((p) => p.inputs);
        expect(envPermissions).to.deep.equal([{ organization: "acme", project: "eks-karpenter", environment: "aws-dev", team: "eks-karpenter-ci-preview", permission: "open", maxOpenDuration: "2h" }]);
        const issuer = findResource(run, "pulumiservice:index:OidcIssuer", "github-actions").inputs as Record<string, any>;
        expect(issuer).to.deep.include({ organization: "acme", url: "https://token.actions.githubusercontent.com" });
        // pulumi/auth-actions requests its GitHub token with audience urn:pulumi:org:<org> (its dist/index.js, buildPulumiAudience).
        expect(issuer.policies).to.deep.equal([
            { decision: "allow", tokenType: "team", teamName: "eks-karpenter-ci-preview", rules: { aud: "urn:pulumi:org:acme", sub: "repo:acme/eks-karpenter:pull_request" } },
        ]);
    });

    it("refuses config it cannot deliver, all problems at once, before creating anything", async () => {
        const bad = { ...config, [`${P}:awsRoleArns`]: JSON.stringify({ dev: "role/pulumi-dev" }), [`${P}:sessionDuration`]: "20h" };
        let error: Error | undefined;
        try {
            await runDeployments(bad);
        } catch (e) {
            error = e as Error;
        }
        expect(error?.message).to.include('awsRoleArns.dev must be an IAM role ARN (arn:<partition>:iam::<account-id>:role/<name>), got "role/pulumi-dev"');
        expect(error?.message).to.include("awsRoleArns has no role for account \"prod\" (used by Pulumi.prod.yaml)");
        expect(error?.message).to.include('sessionDuration must be between 15m and 12h (AWS STS limits), got "20h"');
    });

    it("declares in deployments/package.json, at exact versions, every package deployments/ imports", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "deployments", "package.json"), "utf8")) as { dependencies: Record<string, string> };
        const imported = new Set<string>();
        for (const f of fs.readdirSync(path.join(ROOT, "deployments")).filter((f) => f.endsWith(".ts"))) {
            for (const [, spec] of fs.readFileSync(path.join(ROOT, "deployments", f), "utf8").matchAll(/from "([^"]+)"/g)) {
                if (!spec.startsWith(".") && !spec.startsWith("node:")) imported.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]);
            }
        }
        expect([...imported].sort()).to.deep.equal(Object.keys(pkg.dependencies).sort());
        for (const [name, version] of Object.entries(pkg.dependencies)) expect(version, name).to.match(/^\d+\.\d+\.\d+$/);
    });

    it("keeps account-specific values out of code", () => {
        for (const f of fs.readdirSync(path.join(ROOT, "deployments")).filter((f) => f.endsWith(".ts"))) {
            expect(fs.readFileSync(path.join(ROOT, "deployments", f), "utf8"), f).to.not.match(/\b\d{12}\b|arn:aws:/);
        }
    });

    it("builds deploy paths purely", () => {
        expect(deployPaths("prod")).to.include("Pulumi.prod.yaml");
    });
});

describe("deployments/ run twice (the second `pulumi up` against the first one's Pulumi Cloud)", () => {
    /** The files deployments/ reads, with the pack's real sources, in a temporary project. */
    function projectCopy(): string {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "eks-karpenter-deploy2-"));
        for (const f of fs.readdirSync(ROOT).filter((f) => /^Pulumi(\.[^.]+)?\.yaml$/.test(f))) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
        fs.cpSync(path.join(ROOT, "policy-config"), path.join(dir, "policy-config"), { recursive: true });
        fs.cpSync(path.join(ROOT, "deployments"), path.join(dir, "deployments"), { recursive: true });
        fs.cpSync(path.join(ROOT, "policies"), path.join(dir, "policies"), { recursive: true, filter: (src) => path.basename(src) !== "node_modules" });
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
        return dir;
    }
    const twice = async (dir: string, change: () => void): Promise<[ProgramRun, ProgramRun]> => {
        const cloudState = newCloudState();
        const program = path.join(dir, "deployments", "index.ts");
        const first = await runProgram({ project: P, stack: "acme", values: { ...config, "aws:region": "us-west-2" } }, { program, cloudState });
        change();
        const second = await runProgram({ project: P, stack: "acme", values: { ...config, "aws:region": "us-west-2" } }, { program, cloudState });
        return [first, second];
    };
    const tag = (r: ProgramRun) => findResource(r, "pulumiservice:index:PolicyPack", "policy-pack").inputs.versionTag;
    let dir: string;
    let first: ProgramRun | undefined;
    const run0 = () => first!;
    before(async () => {
        first = await runDeployments();
    });
    beforeEach(() => (dir = projectCopy()));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("a policy config change (the README's new-environment step) reaches the group and leaves the published pack alone", async () => {
        const [first, second] = await twice(dir, () => {
            const file = path.join(dir, "policy-config", "dev.json");
            fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("{", '{\n    "all": "mandatory",'));
            fs.copyFileSync(file, path.join(dir, "policy-config", "staging.json"));
        });
        expect(tag(second), "configs are not the pack's sources").to.equal(tag(first));
        const dev = findResource(second, "pulumiservice:index:PolicyGroup", "dev-policies").inputs as Record<string, any>;
        expect(dev.policyPacks[0].config.all).to.equal("mandatory");
    });

    it("a change to the pack's sources publishes a new version (the provider replaces the pack on any change under policies/)", async () => {
        const [first, second] = await twice(dir, () => fs.appendFileSync(path.join(dir, "policies", "pack.ts"), "// a change\n"));
        expect(tag(second)).to.not.equal(tag(first));
        for (const g of resourcesOfType(second, "pulumiservice:index:PolicyGroup")) expect((g.inputs as any).policyPacks[0].versionTag, g.name).to.equal(tag(second));
    });

    it("keeps every stack's policy config outside the pack's source path (the provider fingerprints every file under it)", () => {
        const src = path.join(ROOT, "policies") + path.sep;
        for (const [stack, v] of Object.entries(run0().outputs.stacks as Record<string, { policyConfig: string }>)) {
            const file = path.resolve(ROOT, v.policyConfig.split(" ")[0]);
            expect(file.startsWith(src), `${stack}: ${v.policyConfig}`).to.equal(false);
            expect(fs.existsSync(file), file).to.equal(true);
        }
    });

    it("the offline Pulumi Cloud refuses republishing a version whose sources changed, as the real one does", async () => {
        const src = path.join(dir, "policies");
        const program = () => {
            new service.PolicyPack("policy-pack", { organization: "acme", name: "eks-karpenter", versionTag: "0.1.0", sourcePath: src });
            return {};
        };
        const cloudState = newCloudState();
        const first = await runProgram({ project: P, stack: "acme", values: { "aws:region": "us-west-2" } }, { program, cloudState }).catch((e: Error) => e);
        expect(first).to.not.be.instanceOf(Error);
        const unchanged = await runProgram({ project: P, stack: "acme", values: { "aws:region": "us-west-2" } }, { program, cloudState }).catch((e: Error) => e);
        expect(unchanged, "no change, no replacement").to.not.be.instanceOf(Error);
        fs.appendFileSync(path.join(src, "pack.ts"), "// a change\n");
        const changed = await runProgram({ project: P, stack: "acme", values: { "aws:region": "us-west-2" } }, { program, cloudState }).then(
            () => "accepted",
            (e: Error) => String(e),
        );
        expect(changed).to.match(/policy pack version acme\/eks-karpenter@0\.1\.0 already published .*the files under .* changed/);
    });
});

describe("deployments/ policy groups as Pulumi Cloud applies them (README, First deploy)", () => {
    const readConfig = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8")) as unknown;
    const deploy = async (): Promise<[ProgramRun, CloudState]> => {
        const cloudState = newCloudState();
        const run = await runProgram({ project: P, stack: "acme", values: { ...config, "aws:region": "us-west-2" } }, { program: path.join(ROOT, "deployments", "index.ts"), cloudState });
        return [run, cloudState];
    };
    const runs = (state: CloudState, stack: string) => enforcedPacks(state, `acme/${stack}`).get("eks-karpenter");
    /** A review stack Pulumi Deployments creates for a pull request: a new stack, so a member of the default group. */
    const reviewStack = (state: CloudState, name: string) => state.groups.get("acme/default-policy-group")!.stacks.add(`acme/eks-karpenter/${name}`);

    it("without leaving the default group, a named stack would run the review config (the most recently modified one)", async () => {
        const [run, state] = await deploy();
        expect(state.groups.get("acme/default-policy-group")!.stacks.has("acme/eks-karpenter/prod"), "a new stack joins the default group").to.equal(true);
        expect(runs(state, "eks-karpenter/prod")).to.deep.include({ config: policyConfig("prod"), groups: ["eks-karpenter-prod"] });
        runPolicyCommand(state, "acme", run.outputs.reviewStackPolicy as string, readConfig);
        expect(runs(state, "eks-karpenter/prod")).to.deep.include({ config: policyConfig("pr"), groups: ["default-policy-group", "eks-karpenter-prod"] });
    });

    it("after the README's commands each named stack runs only its own config, review stacks the review config, runners no pack", async () => {
        const [run, state] = await deploy();
        runPolicyCommand(state, "acme", run.outputs.leaveDefaultPolicyGroup as string, readConfig);
        runPolicyCommand(state, "acme", run.outputs.reviewStackPolicy as string, readConfig);
        const tag = findResource(run, "pulumiservice:index:PolicyPack", "policy-pack").inputs.versionTag;
        for (const stack of ["dev", "prod", "pr"]) {
            expect(runs(state, `eks-karpenter/${stack}`), stack).to.deep.equal({ versionTag: tag, config: policyConfig(stack), groups: [`eks-karpenter-${stack}`] });
        }
        reviewStack(state, "pr-42");
        expect(runs(state, "eks-karpenter/pr-42")).to.deep.equal({ versionTag: tag, config: policyConfig("pr"), groups: ["default-policy-group"] });
        for (const runner of resourcesOfType(run, "pulumiservice:index:Stack").filter((r) => r.inputs.projectName !== "eks-karpenter")) {
            expect(runs(state, `${runner.inputs.projectName}/${runner.inputs.stackName}`), runner.name).to.equal(undefined);
        }
        // The command is safe to run again after a later `pulumi up`: removing a non-member changes nothing.
        runPolicyCommand(state, "acme", run.outputs.leaveDefaultPolicyGroup as string, readConfig);
        expect(runs(state, "eks-karpenter/prod")?.config).to.deep.equal(policyConfig("prod"));
    });

    it("the offline CLI is as strict as the real one: a bare stack name removes nothing, unknown flags fail", async () => {
        const [, state] = await deploy();
        runPolicyCommand(state, "acme", "pulumi policy group edit default-policy-group --remove-stack prod", readConfig);
        expect(state.groups.get("acme/default-policy-group")!.stacks.has("acme/eks-karpenter/prod")).to.equal(true);
        expect(() => runPolicyCommand(state, "acme", "pulumi policy group edit default-policy-group --remove-stacks eks-karpenter/prod", readConfig)).to.throw(/unknown flag --remove-stacks/);
        expect(() => runPolicyCommand(state, "acme", "pulumi policy enable acme/eks-karpenter 9.9.9", readConfig)).to.throw(/not published/);
    });
});
