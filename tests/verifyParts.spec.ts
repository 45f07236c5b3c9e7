import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { USAGE, interruptHandler, parseArgs } from "../verify/cli";
import { allowedDisruptions, budgetActive, budgetWindowEnd } from "../verify/budgets";
import { formatDuration, parseKubeDuration } from "../verify/clock";
import { Progress } from "../verify/progress";
import type { NodePool } from "../verify/kube";
import { parse } from "yaml";
import { parseStackConfig } from "../components/config";
import { PROJECT_DIR, stackConfig } from "../offline/stackFiles";
import { VerifyUsageError, expectationsFor, parseOutputs, readOutputsFile } from "../verify/outputs";
import { cpuCores, defaultReplicas } from "../verify/scaling";

describe("npm run verify: arguments and stack outputs", () => {
    it("--help documents what it checks, what it costs and every option", () => {
        expect(parseArgs(["--help"]).help).to.equal(true);
        for (const text of ["install checks", "scaling test", "LAUNCHES EC2 INSTANCES", "always restored", "--outputs FILE", "--kubeconfig FILE", "--no-scale", "--replicas N", "--json FILE", "--node-timeout", "Exit 0"]) {
            expect(USAGE).to.include(text);
        }
    });

    it("reads a stack, options and durations", () => {
        const a = parseArgs(["dev", "--no-scale", "--json", "r.json", "--replicas", "3", "--node-timeout", "2m", "--poll", "10s"]);
        expect(a).to.deep.include({ stack: "dev", scale: false, jsonFile: path.resolve(process.env.INIT_CWD ?? process.cwd(), "r.json"), replicas: 3, pollMs: 10_000 });
        expect(a.limits.firstNodeReadyMs).to.equal(120_000);
    });

    it("reports every usage problem at once", () => {
        expect(() => parseArgs(["staging", "--replicas", "0", "--node-timeout", "soon", "--frobnicate"])).to.throw(
            VerifyUsageError,
            "--replicas 0: expected a whole number from 1 to 999\n--node-timeout soon: expected a duration such as 30s, 5m or 1h30m\nunknown option --frobnicate\nno Pulumi.staging.yaml in",
        );
        expect(() => parseArgs([])).to.throw(VerifyUsageError, "name the stack to verify");
    });

    it("lists every missing or hidden output at once and says what to do", () => {
        expect(() => parseOutputs({ clusterName: "c", kubeconfig: "[secret]", nodePools: "spot" }, "outputs.json")).to.throw(
            VerifyUsageError,
            'outputs.json: the stack outputs cannot be used:\n  1. "karpenterControllerRoleArn" is missing\n  2. "karpenterNodeRoleName" is missing\n  3. "karpenterQueueName" is missing\n  4. "karpenterChartVersion" is missing\n  5. "nodePools" is not a list of names\n  6. "kubeconfig" is hidden ("[secret]"): read the outputs with --show-secrets\nRun "pulumi up" first',
        );
    });

    it("takes the kubeconfig output as text or as an object, and reads an outputs file", () => {
        const o = { clusterName: "c", karpenterControllerRoleArn: "arn", karpenterNodeRoleName: "n", karpenterQueueName: "q", karpenterChartVersion: "1.14.1", nodePools: ["spot"] };
        expect(parseOutputs({ ...o, kubeconfig: { apiVersion: "v1" } }, "x").kubeconfig).to.equal('{"apiVersion":"v1"}');
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-outputs-"));
        try {
            fs.writeFileSync(path.join(dir, "o.json"), JSON.stringify({ ...o, kubeconfig: "apiVersion: v1\n" }));
            expect(readOutputsFile(path.join(dir, "o.json"))).to.deep.equal({ ...o, kubeconfig: "apiVersion: v1\n" });
            fs.writeFileSync(path.join(dir, "bad.json"), "Current stack outputs (3):");
            expect(() => readOutputsFile(path.join(dir, "bad.json"))).to.throw(VerifyUsageError, "not JSON");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("Ctrl-C once stops and restores; twice quits at once with exit code 130", () => {
        const controller = new AbortController();
        const written: string[] = [];
        const exits: number[] = [];
        const handler = interruptHandler(controller, { namespace: "inflate", name: "inflate" }, (t) => written.push(t), (c) => exits.push(c));
        handler();
        expect(controller.signal.aborted).to.equal(true);
        expect(exits).to.deep.equal([]);
        handler();
        expect(exits).to.deep.equal([130]);
        expect(written[1]).to.equal('\nQuit without restoring: check "kubectl get deployment -n inflate inflate".\n');
    });

    it("expects what the stack config says: the system nodes, or an existing cluster's controller nodes", () => {
        const outputs = { clusterName: "c", kubeconfig: "{}", karpenterControllerRoleArn: "arn:aws:iam::123456789012:role/c-karpenter", karpenterNodeRoleName: "c-karpenter-node", karpenterQueueName: "c", karpenterChartVersion: "1.14.1", nodePools: ["spot"] };
        const prod = expectationsFor(parseStackConfig(stackConfig("prod")), outputs);
        expect(prod.karpenter).to.deep.include({ namespace: "kube-system", replicas: 2, auth: "podIdentity", nodeSelector: { "eks-karpenter/node-group": "system" } });
        expect(prod.demo).to.deep.equal({ namespace: "inflate", name: "inflate" });
        const example = (parse(fs.readFileSync(path.join(PROJECT_DIR, "examples", "existing-cluster.yaml"), "utf8")) as { config: Record<string, unknown> }).config;
        const existing = expectationsFor(parseStackConfig(stackConfig("existing", { override: example })), outputs);
        expect(existing.karpenter.nodeSelector).to.deep.equal({ "eks.amazonaws.com/nodegroup": "core" });
    });

    it("progress: one line rewritten in place on a terminal; in a log, a line when the status changes or every 30 s", () => {
        let t = 0;
        const clock = { now: () => t, sleep: async () => undefined };
        let tty = "";
        const onTerminal = new Progress({ isTTY: true, write: (x: string) => (tty += x) }, clock);
        onTerminal.status("first new node Ready", "0 launched, 0 Ready", 5_000, 300_000);
        onTerminal.line("done");
        expect(tty).to.equal("\r\x1b[2K  … first new node Ready: 0 launched, 0 Ready [5s/5m00s]\r\x1b[2Kdone\n");
        let log = "";
        const inLog = new Progress({ write: (x: string) => (log += x) }, clock);
        for (t = 0; t <= 40_000; t += 5_000) inLog.status("w", t < 10_000 ? "a" : "b", t, 60_000);
        expect(log).to.equal("  … w: a [0s/1m00s]\n  … w: b [10s/1m00s]\n  … w: b [40s/1m00s]\n");
    });

    it("durations and quantities as Kubernetes writes them", () => {
        expect(parseKubeDuration("1h30m")).to.equal(5_400_000);
        expect(parseKubeDuration("30s")).to.equal(30_000);
        expect(parseKubeDuration("Never")).to.equal(undefined);
        expect(parseKubeDuration("5 m")).to.equal(undefined);
        expect(formatDuration(330_000)).to.equal("5m30s");
        expect([cpuCores("500m"), cpuCores("2"), cpuCores("1.5"), cpuCores("1Gi")]).to.deep.equal([0.5, 2, 1.5, undefined]);
    });
});

/** A NodePool with only what the budget logic reads. */
function pool(budgets: NonNullable<NodePool["spec"]["disruption"]>["budgets"], limits = { cpu: "16" }, used?: string): NodePool {
    return {
        apiVersion: "karpenter.sh/v1",
        kind: "NodePool",
        metadata: { name: "p" },
        spec: { template: { spec: { nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "p" }, requirements: [] } }, limits, disruption: { consolidateAfter: "30s", budgets } },
        ...(used ? { status: { resources: { cpu: used } } } : {}),
    } as NodePool;
}

describe("npm run verify: disruption budgets as Karpenter v1.14.1 evaluates them", () => {
    // Cases from kubernetes-sigs/karpenter v1.14.1 pkg/apis/v1/nodepool_budgets_test.go (its fake clock: 2000-06-15 12:30:30 UTC).
    const june = new Date(Date.UTC(2000, 5, 15, 12, 30, 30));
    const everyMinute = { nodes: "10", schedule: "* * * * *", duration: "1h" };

    it("IsActive: upstream's cases", () => {
        expect(budgetActive({ nodes: "10" }, june), "no schedule, no duration").to.equal(true);
        expect(budgetActive(everyMinute, june)).to.equal(true);
        expect(budgetActive({ ...everyMinute, schedule: "@yearly" }, june)).to.equal(false);
        expect(budgetActive({ nodes: "10", schedule: "@yearly", duration: "24h" }, new Date(Date.UTC(1000, 0, 1, 12))), "hit in the middle of the duration").to.equal(true);
        expect(budgetActive({ nodes: "10", schedule: "@daily", duration: "48h" }, new Date(Date.UTC(2024, 0, 7))), "duration longer than the recurrence").to.equal(true);
        expect(budgetActive({ nodes: "10", schedule: "30 6 * * SUN", duration: "6h" }, new Date(Date.UTC(2024, 0, 7))), "hit after the duration").to.equal(false);
        // Start of June 2000 one hour ahead of UTC is 23:00 UTC the day before: outside a 30 minute daily window.
        expect(budgetActive({ nodes: "10", schedule: "@daily", duration: "30m" }, new Date(Date.UTC(2000, 4, 31) - 3_600_000)), "UTC, not the clock's zone").to.equal(false);
    });

    it("GetAllowedDisruptionsByReason: the minimum of the active budgets naming the reason, percentages rounded up", () => {
        const p = pool([
            { ...everyMinute, nodes: "10" },
            { ...everyMinute, nodes: "100" },
            { ...everyMinute, nodes: "100%" },
            { ...everyMinute, nodes: "15", reasons: ["Drifted", "Underutilized"] },
            { ...everyMinute, nodes: "5", reasons: ["Drifted"] },
            { nodes: "0", schedule: "@weekly", duration: "1h", reasons: ["Underutilized", "Drifted", "Empty"] },
        ]);
        for (const reason of ["Empty", "Underutilized", "Drifted"] as const) expect(allowedDisruptions(p, reason, 100, june).allowed, reason).to.equal(reason === "Drifted" ? 5 : 10);
        expect(allowedDisruptions(pool([{ nodes: "10%" }]), "Empty", 3, june).allowed, "10% of 3 rounds up to 1").to.equal(1);
        expect(allowedDisruptions(pool([{ ...everyMinute, schedule: "@yearly" }]), "Empty", 100, june).allowed).to.equal(Infinity);
        expect(allowedDisruptions(pool([{ nodes: "10", schedule: "0 0 * * tue-mon", duration: "6h" }]), "Empty", 100, june).allowed, "an invalid schedule fails closed").to.equal(0);
    });

    it("names the blocking budget and when its window ends", () => {
        const monday9 = new Date("2026-11-23T09:00:00Z");
        const window = { nodes: "0", schedule: "0 8 * * mon-fri", duration: "10h", reasons: ["Underutilized" as const] };
        expect(allowedDisruptions(pool([{ nodes: "10%" }, window]), "Underutilized", 4, monday9)).to.deep.equal({ allowed: 0, blockedBy: window });
        expect(allowedDisruptions(pool([{ nodes: "10%" }, window]), "Empty", 4, monday9)).to.deep.equal({ allowed: 1 });
        expect(budgetWindowEnd(window, monday9)?.toISOString()).to.equal("2026-11-23T18:00:00.000Z");
        expect(budgetWindowEnd(window, new Date("2026-11-23T19:00:00Z"))).to.equal(undefined);
    });

    it("the default test size: half the CPU the pools may still launch, in pods, at most 5", () => {
        expect(defaultReplicas([pool([], { cpu: "16" })], 1)).to.deep.equal({ replicas: 5, headroomCpu: 16 });
        expect(defaultReplicas([pool([], { cpu: "16" }, "12")], 1)).to.deep.equal({ replicas: 2, headroomCpu: 4 });
        expect(defaultReplicas([pool([], { cpu: "4" }, "3500m")], 1)).to.deep.equal({ replicas: 0, headroomCpu: 0.5 });
    });
});
