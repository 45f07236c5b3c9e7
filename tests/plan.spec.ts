import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import { expect } from "chai";
import { parse } from "yaml";
import { FIELD_TREES_FILE, generateFieldTrees } from "../offline/genFieldTrees";
import { PlanResult, main, planStack } from "../offline/plan";
import { UPSTREAM_RULES } from "./fixtures/upstreamKarpenter";
import { brokenProgram } from "./fixtures/brokenProgram";
import { shared } from "./helpers/lazy";

const ROOT = path.resolve(__dirname, "..");
const silent = () => undefined;

/**
 * The command line run in-process (`main` is what `node offline/run.js offline/plan.ts` calls), from folder `cwd`.
 * The program's warnings (the SDK's console.warn without an engine) are stderr, as in the process.
 */
async function cli(cwd: string, ...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const warn = console.warn;
    console.warn = (...parts: unknown[]) => err.push(`${parts.join(" ")}\n`);
    try {
        const status = await main(args, { out: (line) => out.push(`${line}\n`), err: (line) => err.push(`${line}\n`), cwd });
        return { status, stdout: out.join(""), stderr: err.join("") };
    } finally {
        console.warn = warn;
    }
}

function readPlanFile<T = unknown>(dir: string, file: string): T {
    const text = fs.readFileSync(path.join(dir, file), "utf8");
    return (file.endsWith(".json") ? JSON.parse(text) : parse(text)) as T;
}

describe("offline plan", () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "plan-"));
    after(() => fs.rmSync(out, { recursive: true, force: true }));

    // One in-process plan per stack into `out`, which nothing else writes to (the stable-output test reads dev's).
    const plans = new Map(["dev", "prod"].map((stack) => [stack, shared(() => planStack({ stack, outDir: out, log: silent }))]));
    for (const stack of ["dev", "prod"]) {
        describe(stack, () => {
            let result: PlanResult;
            const dir = path.join(out, stack);
            const build = plans.get(stack)!;
            beforeEach(async () => {
                result = await build();
            });

            it("exits 0 with no findings", () => {
                expect(result.findings).to.deep.equal([]);
                expect(result.exitCode).to.equal(0);
            });

            it("writes every registered resource with its parent, dependencies, provider and inputs, secrets hidden", () => {
                const resources = readPlanFile<Array<Record<string, unknown>>>(dir, "resources.json");
                expect(resources).to.have.length(result.run!.resources.length);
                const k8sProvider = resources.find((r) => r.type === "pulumi:providers:kubernetes" && !r.modelled)!;
                expect((k8sProvider.inputs as Record<string, unknown>).kubeconfig).to.equal("[secret]");
                expect(resources.find((r) => r.type === "kubernetes:karpenter.sh/v1:NodePool")!.dependencies).to.not.be.empty;
            });

            it("writes each Kubernetes object as YAML, named <kind>[-<namespace>]-<name>.yaml", () => {
                const files = fs.readdirSync(path.join(dir, "manifests")).sort();
                expect(files).to.include.members(["deployment-inflate-inflate.yaml", "namespace-inflate.yaml"]);
                const pools = files.filter((f) => f.startsWith("nodepool-"));
                expect(pools.length).to.equal(stack === "dev" ? 1 : 2);
                for (const f of pools) {
                    const o = readPlanFile<{ apiVersion: string; kind: string; metadata: { name: string } }>(dir, `manifests/${f}`);
                    expect([o.apiVersion, o.kind, `nodepool-${o.metadata.name}.yaml`]).to.deep.equal(["karpenter.sh/v1", "NodePool", f]);
                    expect(files).to.include(`ec2nodeclass-${o.metadata.name}.yaml`);
                }
            });

            it("writes both Helm releases with chart, repository, version, namespace and values", () => {
                const controller = readPlanFile<Record<string, any>>(dir, "helm/karpenter.yaml");
                expect(controller).to.deep.include({ release: "karpenter", chart: "karpenter", repository: "oci://public.ecr.aws/karpenter", version: "1.14.1", namespace: "kube-system", skipCrds: true });
                expect(controller.values.settings.interruptionQueue).to.equal(`eks-karpenter-${stack}`);
                expect(readPlanFile<Record<string, unknown>>(dir, "helm/karpenter-crd.yaml")).to.deep.include({ chart: "karpenter-crd", version: "1.14.1" });
            });

            it("writes every IAM document as AWS would receive it, with ARNs of the configured account and region", () => {
                const files = fs.readdirSync(path.join(dir, "iam"));
                // Named by logical role without the cluster name: the same file names in every stack.
                expect(files).to.include.members(["karpenter-NodeLifecycle.json", "karpenter-interruption.queue-policy.json", "karpenter-controller.trust.json", "system-node.trust.json", "cluster-role.trust.json"]);
                expect(files.filter((f) => f.endsWith(".trust.json"))).to.have.length(5);
                const eks = readPlanFile<{ Statement: Array<{ Resource: string }> }>(dir, "iam/karpenter-EKSIntegration.json");
                expect(eks.Statement[0].Resource).to.equal(`arn:aws:eks:us-west-2:123456789012:cluster/eks-karpenter-${stack}`);
            });

            it("writes the policy pack's verdicts: no mandatory violation", () => {
                const report = readPlanFile<{ mandatory: number; violations: Array<{ policy: string; enforcementLevel: string }> }>(dir, "policy-report.json");
                expect(report.mandatory).to.equal(0);
                expect(report.violations.every((v) => v.enforcementLevel === "advisory")).to.equal(true);
                if (stack === "dev") expect(report.violations.map((v) => v.policy)).to.include("karpenter-ami-pinned");
            });

            it("writes each EventBridge rule with its pattern and the queue as target", () => {
                const rules = fs.readdirSync(path.join(dir, "events")).map((f) => readPlanFile<{ eventPattern: unknown; targets: Array<{ arn: string }> }>(dir, `events/${f}`));
                expect(rules.map((r) => r.eventPattern)).to.have.deep.members(UPSTREAM_RULES);
                for (const r of rules) expect(r.targets).to.deep.equal([{ targetId: "KarpenterInterruptionQueueTarget", arn: `arn:aws:sqs:us-west-2:123456789012:eks-karpenter-${stack}` }]);
            });
        });
    }

    it("fails with exit 1 and names each problem: a schema error, an unknown field, a missing IAM action, a mandatory policy violation", async () => {
        const result = await planStack({ stack: "dev", outDir: path.join(out, "broken"), log: silent, program: brokenProgram });
        expect(result.exitCode).to.equal(1);
        expect(result.findings).to.deep.include.members([
            { where: "manifests/nodepool-bad.yaml", message: 'spec.template.spec.expireAfter must match pattern "^(([0-9]+(s|m|h))+|Never)$"' },
            { where: "manifests/nodepool-bad.yaml", message: "spec.consolidation is not a field of karpenter.sh/v1/NodePool (the API server would drop it)" },
            { where: "iam/bad-policy.json", message: "ec2:RunInstance: no such action in the IAM action catalogue" },
            {
                where: "policy iam-no-unscoped-mutations (bad-policy)",
                message: 'a statement allows ec2:RunInstance (unknown access level) on Resource "*" without a Condition; scope the resources or add a condition.',
            },
        ]);
    });

    it("fails with exit 1 when a policy can't run at the stack's first preview, naming the policy and the value it read", async () => {
        // A customer-managed policy attached by its `arn` output: unknown until IAM creates the policy.
        const attachesByArn = () => {
            const provider = new aws.Provider("aws", { region: "us-west-2" });
            const role = new aws.iam.Role("r", { name: "fixed-name", assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [] }) }, { provider });
            const policy = new aws.iam.Policy("p", { policy: JSON.stringify({ Version: "2012-10-17", Statement: [] }) }, { provider });
            new aws.iam.RolePolicyAttachment("a", { role: role.name, policyArn: policy.arn }, { provider });
            return {};
        };
        const result = await planStack({ stack: "dev", outDir: path.join(out, "unknown"), log: silent, program: attachesByArn });
        expect(result.exitCode).to.equal(1);
        expect(result.findings).to.deep.include({
            where: "policy iam-no-broad-managed-policies (a) at the first preview",
            message: "can't run policy 'iam-no-broad-managed-policies' from policy pack 'eks-karpenter@v0.1.0' during preview: string value at .policyArn can't be known during preview",
        });
    });

    it("keeps offline/fieldTrees.json in step with the model types (npm run gen:field-trees)", () => {
        expect(JSON.parse(fs.readFileSync(FIELD_TREES_FILE, "utf8"))).to.deep.equal(generateFieldTrees());
    });

    describe("command line", () => {
        const plan = (...args: string[]) => cli(ROOT, "--out", path.join(out, "cli"), "--quiet", ...args);

        it("plans every stack with --all, exits 0 for good stacks and prints each stack's verdicts", async () => {
            const r = await plan("--all");
            expect(r.status, r.stderr).to.equal(0);
            expect(r.stdout.match(/^Plan of stack "(\w+)"/gm)).to.deep.equal(['Plan of stack "dev"', 'Plan of stack "pr"', 'Plan of stack "prod"']);
            const dev = r.stdout.split(/^(?=Plan of stack )/m).find((section) => section.startsWith('Plan of stack "dev"'))!;
            expect(dev).to.match(/ok {3}Kubernetes objects: 4 checked/);
            expect(dev).to.match(/ok {3}IAM: 13 documents/);
            expect(dev).to.match(/ok {3}Policy pack at the first preview: every policy runs/);
            // Each stack's warning once: the first-preview run repeats the program, not its messages.
            expect(r.stderr.match(/No adminPrincipalArns/g)).to.have.length(3);
        });

        it("exits 2 with the config problems for a broken stack file, and a usage message for a stack that does not exist", async () => {
            const broken = await plan("--stack-file", "tests/fixtures/Pulumi.broken-config.yaml");
            expect(broken.status).to.equal(2);
            expect(broken.stdout).to.include('Stack "broken-config" has 2 configuration problems:');
            expect(broken.stdout).to.include('eks-karpenter:availabilityZones: unknown key; did you mean "availabilityZoneCount"?');
            expect(broken.stdout).to.include("eks-karpenter:nodePools[0] (spot).limits: got nothing");
            expect(broken.stdout + broken.stderr).to.not.match(/\n\s+at /);
            const missing = await plan("staging");
            expect(missing.status).to.equal(2);
            expect(missing.stderr).to.include('no stack "staging": there is no Pulumi.staging.yaml');
        });

        it("as a process (node offline/run.js offline/plan.ts): main's exit code, its usage errors on stderr, nothing on stdout", () => {
            const r = spawnSync(process.execPath, ["offline/run.js", "offline/plan.ts", "staging"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, INIT_CWD: ROOT } });
            expect(r.status).to.equal(2);
            expect(r.stderr).to.include('no stack "staging": there is no Pulumi.staging.yaml').and.include("usage: npm run plan");
            expect(r.stdout).to.equal("");
        });
    });

    describe("stable, diffable output", () => {
        const base = path.join(out, "base");
        const head = path.join(out, "head");
        const devConfig = () => (parse(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, any> }).config;
        let diff: PlanResult;
        const build = shared(async () => {
            await planStack({ stack: "dev", outDir: base, log: silent });
            // The second plan of the same stack: the "dev" tests' own, in `out`.
            await plans.get("dev")!();
            // Two edits: the controller's replicas and one pool's consolidateAfter.
            const config = devConfig();
            config["eks-karpenter:karpenter"] = { ...config["eks-karpenter:karpenter"], replicas: 2 };
            config["eks-karpenter:nodePools"] = [{ ...config["eks-karpenter:nodePools"][0], consolidateAfter: "2m" }];
            diff = await planStack({ stack: "dev", stackFileConfig: config, outDir: head, log: silent, diff: path.join(base, "dev") });
        });
        beforeEach(async () => {
            await build();
        });

        it("re-running the plan writes byte-identical files", () => {
            const files = (dir: string) => (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
            expect(files(path.join(out, "dev"))).to.deep.equal(files(path.join(base, "dev")));
            for (const f of files(path.join(base, "dev"))) expect(fs.readFileSync(path.join(out, "dev", f), "utf8"), f).to.equal(fs.readFileSync(path.join(base, "dev", f), "utf8"));
        });

        it("resources.json is sorted by URN, with JSON documents parsed instead of escaped strings", () => {
            const resources = readPlanFile<Array<{ urn: string; type: string; inputs: Record<string, unknown> }>>(path.join(base, "dev"), "resources.json");
            expect(resources.map((r) => r.urn)).to.deep.equal(resources.map((r) => r.urn).sort());
            const role = resources.find((r) => r.type === "aws:iam/role:Role")!;
            expect(role.inputs.assumeRolePolicy).to.have.property("Statement");
        });

        it("--diff names exactly the changes made: the Helm value and the NodePool field, and says no node is replaced", () => {
            expect(diff.exitCode).to.equal(0);
            expect(diff.change!.text.filter((l) => /^ {2}[~+-]/.test(l))).to.deep.equal([
                "  ~  kubernetes:helm.sh/v3:Release  eks-karpenter-dev-karpenter-controller  (values.replicas)",
                "  ~  kubernetes:karpenter.sh/v1:NodePool  eks-karpenter-dev-pools-spot  (spec.disruption.consolidateAfter)",
            ]);
            expect(diff.change!.text).to.include("  karpenter: replicas");
            expect(diff.change!.markdown).to.include("NodePool spot (pools: spot): no node replaced: behavioral fields only");
            expect(fs.readFileSync(path.join(head, "dev", "diff.md"), "utf8")).to.equal(diff.change!.markdown);
        });

        it("dev against prod pairs every resource by its stack-neutral name (nothing only on one side but prod's extra pool and third AZ)", async () => {
            const prod = await planStack({ stack: "prod", outDir: path.join(out, "cross"), log: silent, diff: path.join(base, "dev") });
            // The pool's two objects, and the awsx VPC's modelled children of the third AZ (public and private subnet,
            // route table, association and route each) plus two more NAT gateways with their EIPs (one per AZ).
            expect(prod.change!.text[1]).to.match(/^Resources: 14 to create, \d+ to update, 0 to replace, 0 to delete$/);
            // Names that embed the cluster name are read as this stack's: they are not reported as changed.
            expect(prod.change!.text.filter((l) => /\(.*\bname\b/.test(l) && l.startsWith("  ~"))).to.deep.equal([]);
            expect(prod.change!.text.filter((l) => l.startsWith("  +  ") && l.includes("kubernetes:")).map((l) => l.split("  ")[2])).to.deep.equal(["kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", "kubernetes:karpenter.sh/v1:NodePool"]);
            expect(prod.change!.text.filter((l) => l.startsWith("  +  ") && l.includes("aws:ec2/")).length).to.equal(12);
        });
    });

    describe("command line: help, quiet, stack files", () => {
        it("--help and -h print the usage, including the stack-name rule for --stack-file, and exit 0", async () => {
            for (const flag of ["--help", "-h"]) {
                const r = await cli(ROOT, flag);
                expect(r.status).to.equal(0);
                expect(r.stdout).to.include("--stack-file F").and.include('Pulumi.staging.yaml → stack "staging"').and.include("--from A").and.include("--diff DIR");
            }
        });

        it("--stack-file is relative to the user's folder, printed with its stack name; --quiet prints only the verdicts", async () => {
            const r = await cli(path.join(ROOT, "examples"), "--stack-file", "existing-cluster.yaml", "--quiet", "--out", out);
            expect(r.status, r.stderr).to.equal(0);
            const lines = r.stdout.trim().split("\n");
            expect(lines[0]).to.equal('Stack file: existing-cluster.yaml (stack "existing-cluster": the file name without "Pulumi." and ".yaml")');
            expect(lines.slice(2).every((l) => /^(Checks:| {2}(ok {2}|FAIL) | {7}\[)/.test(l)), r.stdout).to.equal(true);
        });
    });
});
