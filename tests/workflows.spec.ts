import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { ciPreviewMatrix, deliveryPlan } from "../deployments/stacks";

interface Step {
    id?: string;
    uses?: string;
    run?: string;
    if?: string;
    with?: Record<string, unknown>;
}
interface Job {
    if?: string;
    env?: Record<string, string>;
    outputs?: Record<string, string>;
    needs?: string | string[];
    permissions?: Record<string, string>;
    strategy?: { matrix: Record<string, unknown> };
    steps: Step[];
}
interface Workflow {
    on: Record<string, unknown>;
    permissions: Record<string, string>;
    jobs: Record<string, Job>;
}

const DIR = path.resolve(__dirname, "..", ".github", "workflows");
const workflows = fs.readdirSync(DIR).map((f) => ({ file: f, text: fs.readFileSync(path.join(DIR, f), "utf8"), wf: parse(fs.readFileSync(path.join(DIR, f), "utf8")) as Workflow }));
const ci = workflows.find((w) => w.file === "ci.yml")!.wf;

describe("GitHub workflows", () => {
    it("pin every action to a full commit SHA, with its version in a comment", () => {
        for (const { file, text } of workflows) {
            const uses = [...text.matchAll(/uses:\s*(\S+)(.*)/g)];
            expect(uses, file).to.not.be.empty;
            for (const [, ref, comment] of uses) expect(`${ref}${comment}`, file).to.match(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
        }
    });

    it("run on every pull request and push, with read-only permissions by default", () => {
        expect(ci.on).to.have.all.keys("pull_request", "push");
        expect(ci.permissions).to.deep.equal({ contents: "read" });
    });

    it("test job: npm ci, npm test, the offline plan of every stack, the pack installed alone, the CI matrix from the stack files, the plan uploaded", () => {
        const steps = ci.jobs.test.steps;
        const runs = steps.flatMap((s) => (s.run ? [s.run] : []));
        expect(runs).to.deep.equal(["npm ci", "npm test", "npm run plan -- --all --quiet", "npm run test:pack", 'echo "matrix=$(npm run --silent stacks -- --ci-matrix)" >> "$GITHUB_OUTPUT"']);
        const upload = steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))!;
        expect(upload.with).to.deep.include({ path: "plan/" });
        expect(ci.jobs.test.permissions, "inherits read-only").to.equal(undefined);
        const matrixStep = steps.find((s) => s.run?.includes("--ci-matrix"))!;
        expect(ci.jobs.test.outputs).to.deep.equal({ "preview-matrix": `\${{ steps.${matrixStep.id}.outputs.matrix }}` });
    });

    describe("preview job (pull requests)", () => {
        const preview = ci.jobs.preview;
        const text = workflows.find((w) => w.file === "ci.yml")!.text;
        const auth = preview.steps.find((s) => s.uses?.startsWith("pulumi/auth-actions@"));
        const pulumi = preview.steps.find((s) => s.uses?.startsWith("pulumi/actions@"))!;

        it("runs per stack of the matrix derived from the stack files (no stack list in the workflow), skipped when it is empty", () => {
            expect(preview.if).to.equal("github.event_name == 'pull_request' && needs.test.outputs.preview-matrix != '[]'");
            expect(preview.needs).to.equal("test");
            expect(preview.strategy!.matrix).to.deep.equal({ include: "${{ fromJSON(needs.test.outputs.preview-matrix) }}" });
            expect(text).to.not.match(/stack: \[/);
        });

        it("never gives pull-request code a long-lived token or a protected account's credentials", () => {
            expect(text).to.not.include("PULUMI_ACCESS_TOKEN: ${{ secrets.");
            expect(JSON.stringify(preview)).to.not.include("secrets.PULUMI_ACCESS_TOKEN");
            expect(preview.env ?? {}).to.not.have.property("PULUMI_ACCESS_TOKEN");
            expect(ciPreviewMatrix(deliveryPlan()).map((m) => m.stack)).to.not.include.members(deliveryPlan().stacks.filter((s) => s.protected).map((s) => s.stack));
        });

        it("gets a short-lived team token by GitHub OIDC (pulumi/auth-actions, pinned) right before the Pulumi step, which is the last step", () => {
            expect(preview.permissions).to.deep.equal({ contents: "read", "pull-requests": "write", "id-token": "write" });
            expect(auth, "pulumi/auth-actions step").to.not.equal(undefined);
            expect(auth!.uses).to.equal("pulumi/auth-actions@141415910c3beb54e03b48e9057c204c97b956f2");
            expect(text).to.include(`${auth!.uses} # v2.1.0`);
            expect(auth!.with).to.deep.include({
                organization: "${{ vars.PULUMI_ORG }}",
                "requested-token-type": "urn:pulumi:token-type:access_token:team",
                scope: "team:${{ vars.PULUMI_CI_TEAM }}",
            });
            // auth-actions exports PULUMI_ACCESS_TOKEN to every later step whatever export-environment-variables says
            // (src/main.ts: getBooleanInput(...) || true): only the Pulumi step may come after it.
            const i = preview.steps.indexOf(auth!);
            expect(preview.steps.slice(i + 1)).to.deep.equal([pulumi]);
            expect(preview.steps.slice(0, i).some((s) => s.run === "npm ci"), "npm ci (third-party install scripts) runs before any token exists").to.equal(true);
        });

        it("runs pulumi/actions preview with a pinned CLI (the SDK's version), the pack and the stack's policy config choice", () => {
            expect(pulumi.uses).to.equal("pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d");
            expect(text).to.include(`${pulumi.uses} # v7.0.0`);
            const sdk = (JSON.parse(fs.readFileSync(path.resolve(__dirname, "..", "package.json"), "utf8")) as { dependencies: Record<string, string> }).dependencies["@pulumi/pulumi"];
            expect(pulumi.with).to.deep.include({
                command: "preview",
                "pulumi-version": sdk,
                "stack-name": "${{ vars.PULUMI_ORG }}/eks-karpenter/${{ matrix.stack }}",
                "comment-on-pr": true,
                policyPacks: "policies",
                policyPackConfigs: "${{ matrix.policyConfig }}",
            });
        });

        it("is skipped with a notice (not failed) when Pulumi Cloud is not configured", () => {
            const check = preview.steps[0];
            expect(check.run).to.include('echo "ready=false" >> "$GITHUB_OUTPUT"').and.include("::notice::").and.include("PULUMI_CI_TEAM");
            expect(check.run).to.not.match(/exit 1/);
            for (const step of preview.steps.slice(1)) expect(step.if, JSON.stringify(step)).to.equal("steps.configured.outputs.ready == 'true'");
        });
    });

    it("plan-diff job: pull requests only, plans base and head offline, posts the Markdown summary as one comment (no cloud credentials)", () => {
        const job = ci.jobs["plan-diff"];
        expect(job.if).to.equal("github.event_name == 'pull_request'");
        expect(job.permissions).to.deep.equal({ contents: "read", "pull-requests": "write" });
        const runs = job.steps.flatMap((s) => (s.run ? [s.run] : [])).join("\n");
        expect(runs).to.include('git worktree add "$RUNNER_TEMP/base" "$BASE_SHA"');
        expect(runs).to.include('npm run plan -- --all --quiet --out "$RUNNER_TEMP/base-plan"');
        expect(runs).to.include('--diff "$RUNNER_TEMP/base-plan/$stack"');
        expect(runs).to.include("<!-- eks-karpenter-plan-diff -->");
        expect(runs).to.not.match(/AWS_|PULUMI_ACCESS_TOKEN/);
    });
});

