import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { parse } from "yaml";

interface Step {
    uses?: string;
    run?: string;
    if?: string;
    with?: Record<string, unknown>;
}
interface Job {
    if?: string;
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

    it("test job: npm ci, npm test, the offline plan of every stack, and the plan uploaded as an artifact", () => {
        const steps = ci.jobs.test.steps;
        const runs = steps.flatMap((s) => (s.run ? [s.run] : []));
        expect(runs).to.deep.equal(["npm ci", "npm test", "npm run plan -- --all --quiet"]);
        const upload = steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))!;
        expect(upload.with).to.deep.include({ path: "plan/" });
        expect(ci.jobs.test.permissions, "inherits read-only").to.equal(undefined);
    });

    it("preview job: pull requests only, per stack, pulumi/actions preview with the policy pack, skipped (not failed) without Pulumi Cloud", () => {
        const preview = ci.jobs.preview;
        expect(preview.if).to.equal("github.event_name == 'pull_request'");
        expect(preview.needs).to.equal("test");
        expect(preview.permissions).to.deep.equal({ contents: "read", "pull-requests": "write", "id-token": "write" });
        expect(preview.strategy!.matrix.stack).to.deep.equal(["dev", "prod"]);
        const check = preview.steps[0];
        expect(check.run).to.include('echo "ready=false" >> "$GITHUB_OUTPUT"').and.include("::notice::");
        expect(check.run).to.not.match(/exit 1/);
        for (const step of preview.steps.slice(1)) expect(step.if, JSON.stringify(step)).to.equal("steps.configured.outputs.ready == 'true'");
        const pulumi = preview.steps.find((s) => s.uses?.startsWith("pulumi/actions@"))!;
        expect(pulumi.uses).to.match(/^pulumi\/actions@[0-9a-f]{40}$/);
        expect(workflows.find((w) => w.file === "ci.yml")!.text).to.include(`${pulumi.uses} # v7.`);
        expect(pulumi.with).to.deep.include({ command: "preview", "comment-on-pr": true, policyPacks: "policies", policyPackConfigs: "policies/config/${{ matrix.stack }}.json" });
        for (const stack of preview.strategy!.matrix.stack as string[]) expect(fs.existsSync(path.resolve(__dirname, "..", "policies", "config", `${stack}.json`))).to.equal(true);
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

