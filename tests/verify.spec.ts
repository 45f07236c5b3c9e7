import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkIamActions } from "../offline/checks";
import { VERIFY_IAM_ACTIONS } from "../verify/aws";
import { NODE_CLASS_CONDITIONS, NODE_POOL_CONDITIONS, trueCondition } from "./helpers/fakeKube";
import { closeServers, dev, prod, run, scenario } from "./helpers/verifyRun";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "verify-"));

describe("npm run verify (against a fake Kubernetes API server on 127.0.0.1 and aws-sdk-client-mock)", () => {
    afterEach(closeServers);
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("healthy dev install: every check passes, the scaling test measures launch and consolidation, the demo is restored", async () => {
        const config = dev();
        const json = path.join(tmp, "dev.json");
        const { report, fake, out, check, awsActions } = await run(config, scenario(config), { options: { jsonFile: json } });
    expect(report.checks.filter((c) => c.status === "fail"), out).to.deep.equal([]);
        expect(report.exitCode).to.equal(0);
        expect(report.checks.map((c) => `${c.status} ${c.group}/${c.name}`)).to.deep.equal([
            "pass install/controller replicas",
            "pass install/controller pods",
            "pass install/controller placement",
            "skip install/controller zones",
            "pass install/CRDs",
            "pass install/controller version",
            "pass install/nodepool spot",
            "pass install/ec2nodeclass spot",
            "pass install/controller log",
            "pass aws/controller credentials",
            "pass aws/interruption queue",
            "pass aws/interruption rules",
            "pass aws/node access entry",
            "pass scaling/scale up",
            "pass scaling/scale down to 2",
            "pass scaling/scale down to 0",
            "pass scaling/restore",
        ]);
        expect(check("install", "CRDs")?.detail).to.equal("3 CRDs Established, v1 served, from karpenter-crd 1.14.1 (revision 1)");
        expect(check("aws", "interruption rules")?.detail).to.equal("5 rules enabled, each matching its event and targeting eks-karpenter-dev");
        // dev's pool may launch 16 CPU: half of it in 1-CPU pods is 8, capped at 5.
        expect(report.scaling).to.deep.include({ originalReplicas: 0, replicas: 5, firstNodeReadySeconds: 60, allPodsReadySeconds: 70, restored: true });
        expect(report.scaling?.nodes).to.deep.equal([
            { name: "ip-10-0-100-10.us-west-2.compute.internal", nodePool: "spot", capacityType: "spot", instanceType: "m6a.large", zone: "us-west-2a" },
            { name: "ip-10-0-101-11.us-west-2.compute.internal", nodePool: "spot", capacityType: "spot", instanceType: "t3a.large", zone: "us-west-2b" },
            { name: "ip-10-0-102-12.us-west-2.compute.internal", nodePool: "spot", capacityType: "spot", instanceType: "c7i.large", zone: "us-west-2a" },
        ]);
        expect(report.scaling?.scaleDown).to.deep.equal([
            { replicas: 2, nodesBefore: 3, nodesAfter: 1, removedAfterSeconds: 40, limitSeconds: 330, consolidateAfter: { spot: "30s" } },
            { replicas: 0, nodesBefore: 1, nodesAfter: 0, removedAfterSeconds: 40, limitSeconds: 330, consolidateAfter: { spot: "30s" } },
        ]);
        expect(check("scaling", "scale down to 0")?.detail).to.equal("1 of 1 node(s) removed 40s after scaling to 0 (spot: consolidateAfter 30s)");
        expect(fake.scalePatches).to.deep.equal([5, 2, 0, 0]);
        expect(fake.demoReplicas).to.equal(0);
        // Progress: what it waits for, what it sees, elapsed/limit.
        expect(out).to.include("  … first new node Ready: 0 launched, 0 Ready [0s/5m00s]\n");
        expect(out).to.include("  … first new node Ready: 3 launched, 0 Ready [40s/5m00s]\n");
        expect(out).to.include("  … first new node Ready: 3 launched, 3 Ready [1m00s/5m00s]\n");
        expect(out).to.include("  … Karpenter removes the 1 launched node(s): 0 of 1 left [40s/5m30s]\n");
        expect(out).to.match(/^ok {4}scaling\/scale up +5 pods Ready after 1m10s; first new node Ready after 1m00s; 3 node\(s\) launched$/m);
        expect(out).to.include("  ip-10-0-100-10.us-west-2.compute.internal  spot      spot      m6a.large      us-west-2a");
        expect(JSON.parse(fs.readFileSync(json, "utf8"))).to.deep.equal(JSON.parse(JSON.stringify(report)));
        // The controller log is read for the documented window only.
        expect(fake.requests.filter((r) => r.path.includes("/log?")).map((r) => new URL(r.path, "http://x").searchParams.get("sinceSeconds"))).to.deep.equal(["600"]);
        // The IAM actions the README lists are exactly the ones sent, and each exists in the IAM action catalogue.
        expect(awsActions).to.deep.equal([...VERIFY_IAM_ACTIONS]);
        expect(await checkIamActions([{ where: "verify", document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: [...VERIFY_IAM_ACTIONS], Resource: "*" }] } }])).to.deep.equal([]);
    });

    it("a NodePool not Ready: fails with the conditions' reasons and messages, and launches nothing", async () => {
        const config = dev();
        const subnets = { type: "SubnetsReady", status: "False" as const, reason: "SubnetsNotFound", message: "SubnetSelector did not match any Subnets" };
        const s = scenario(config, {
            // What Karpenter writes: the EC2NodeClass's own failing condition, copied up to the NodePool's NodeClassReady.
            nodeClassConditions: { spot: NODE_CLASS_CONDITIONS.map((t) => (t === "SubnetsReady" ? subnets : trueCondition(t))) },
            nodePoolConditions: { spot: NODE_POOL_CONDITIONS.map((t) => (t === "NodeClassReady" ? { type: t, status: "False" as const, reason: "UnhealthyDependents", message: "SubnetsReady=False" } : trueCondition(t))) },
        });
        const { report, fake, check } = await run(config, s);
        expect(check("install", "nodepool spot")).to.deep.equal({
            group: "install",
            name: "nodepool spot",
            status: "fail",
            detail: "NodeClassReady=False (UnhealthyDependents: SubnetsReady=False); Ready=False (UnhealthyDependents: NodeClassReady=False)",
        });
        expect(check("install", "ec2nodeclass spot")?.detail).to.equal("SubnetsReady=False (SubnetsNotFound: SubnetSelector did not match any Subnets); Ready=False (UnhealthyDependents: SubnetsReady=False)");
        expect(check("scaling", "scale test")).to.deep.equal({ group: "scaling", name: "scale test", status: "skip", detail: "not run: 2 install check(s) failed; fix them first" });
        expect(fake.scalePatches).to.deep.equal([]);
        expect(report.exitCode).to.equal(1);
    });

    it("a controller on the wrong node: names the pod, the node and why", async () => {
        const config = prod();
        const s = scenario(config, {
            extraNodes: [
                { name: "ip-10-0-77-7.us-west-2.compute.internal", labels: { "karpenter.sh/nodepool": "on-demand", "topology.kubernetes.io/zone": "us-west-2c" } },
                { name: "ip-10-0-88-8.us-west-2.compute.internal", labels: { "topology.kubernetes.io/zone": "us-west-2b" } },
            ],
        });
        s.controllerPods = [{ node: "ip-10-0-77-7.us-west-2.compute.internal" }, { node: "ip-10-0-88-8.us-west-2.compute.internal" }];
        const { report, check } = await run(config, s, { options: { scale: false } });
        expect(check("install", "controller placement")?.status).to.equal("fail");
        expect(check("install", "controller placement")?.detail).to.equal(
            "karpenter-6f8d7c9b4d-x2kfn runs on ip-10-0-77-7.us-west-2.compute.internal, a node of NodePool on-demand: Karpenter could consolidate its own node away; " +
                "karpenter-6f8d7c9b4d-p9wq7 runs on ip-10-0-88-8.us-west-2.compute.internal, which lacks eks-karpenter/node-group=system",
        );
        expect(check("scaling", "scale test")?.detail).to.equal("--no-scale: no instance launched");
        expect(report.exitCode).to.equal(1);
    });

    it("prod install checks: two replicas on system nodes in two zones; both in one zone fails", async () => {
        const config = prod();
        const spread = await run(config, scenario(config), { options: { scale: false } });
        expect(spread.check("install", "controller zones")).to.deep.include({ status: "pass", detail: "2 replicas in 2 zone(s) (us-west-2a, us-west-2b); system nodes in 2 zone(s)" });
        expect(spread.report.exitCode).to.equal(0);
        const s = scenario(config);
        s.controllerPods = [{ node: s.systemNodes[0].name }, { node: s.systemNodes[0].name }];
        const together = await run(config, s, { options: { scale: false } });
        expect(together.check("install", "controller zones")?.status).to.equal("fail");
        expect(together.check("install", "controller zones")?.detail).to.match(/^2 replicas in 1 zone\(s\) \(us-west-2a\); system nodes in 2 zone\(s\): a zone outage would stop autoscaling/);
    });

    it("nodes that never come: times out at the limit with the NodeClaim's and the pods' reasons, and restores the demo", async () => {
        const config = dev();
        const s = scenario(config);
        s.karpenter = { ...s.karpenter, launchAfterMs: "never", failedLaunch: { reason: "InsufficientCapacityError", message: "all requested instance types were unavailable during launch" } };
        const { report, fake, check, out } = await run(config, s);
        const up = check("scaling", "scale up")!;
        expect(up.status).to.equal("fail");
        expect(up.detail).to.match(/^no new node Ready within 5m00s \(0 launched, 0 Ready\): 1 NodeClaim\(s\): spot-x7k2p Launched=False \(InsufficientCapacityError: all requested instance types were unavailable during launch\);/);
        expect(up.detail).to.include("pods Unschedulable: 0/1 nodes are available: 1 node(s) had untolerated taint {CriticalAddonsOnly: true}.");
        expect(out).to.include("  … first new node Ready: 0 launched, 0 Ready [5m00s/5m00s]\n");
        expect(report.durationSeconds).to.equal(300);
        expect(check("scaling", "restore")).to.deep.include({ status: "pass", detail: "inflate/inflate back at 0 replicas" });
        expect(fake.scalePatches).to.deep.equal([5, 0]);
        expect(report.exitCode).to.equal(1);
    });

    it("a failure in the middle of the test still restores the demo, and fails the test with the API server's message", async () => {
        const config = dev();
        const { report, fake, check } = await run(config, scenario(config, { nodeListErrorAfterScale: "etcdserver: request timed out" }));
        expect(check("scaling", "scale test")).to.deep.include({ status: "fail", detail: "list Karpenter nodes: HTTP 500: etcdserver: request timed out" });
        expect(check("scaling", "restore")).to.deep.include({ status: "pass", detail: "inflate/inflate back at 0 replicas" });
        expect(report.scaling?.restored).to.equal(true);
        expect(fake.scalePatches).to.deep.equal([5, 0]);
        expect(fake.demoReplicas).to.equal(0);
        expect(report.exitCode).to.equal(1);
    });

    it("nodes Karpenter keeps: the wait ends at its limit, and the failure quotes Karpenter's DisruptionBlocked events", async () => {
        const config = dev();
        const s = scenario(config, {
            disruptionBlocked: [{ kind: "Node", name: "ip-10-0-102-12.us-west-2.compute.internal", message: 'Pod has "karpenter.sh/do-not-disrupt" annotation (Pod=inflate/batch-0)' }],
        });
        s.karpenter = { ...s.karpenter, removeAfterMs: "never" };
        const { report, fake, check } = await run(config, s);
        expect(check("scaling", "scale down to 2")).to.deep.include({ status: "warn" });
        expect(check("scaling", "scale down to 0")).to.deep.include({
            status: "fail",
            detail:
                "3 of 3 launched node(s) still there 5m30s after scaling to 0 (spot: consolidateAfter 30s): ip-10-0-100-10.us-west-2.compute.internal, ip-10-0-101-11.us-west-2.compute.internal, ip-10-0-102-12.us-west-2.compute.internal; " +
                'Karpenter says (DisruptionBlocked): Node ip-10-0-102-12.us-west-2.compute.internal: "Pod has \"karpenter.sh/do-not-disrupt\" annotation (Pod=inflate/batch-0)".',
        });
        // Scale-up 70 s, then each scale-down waits its limit of 5m30s.
        expect(report.durationSeconds).to.equal(70 + 330 + 330);
        expect(fake.scalePatches).to.deep.equal([5, 2, 0, 0]);
        expect(report.exitCode).to.equal(1);
    });

    it("consolidation blocked by a budget: prod's weekday window blocks Underutilized, not Empty", async () => {
        const config = prod();
        const s = scenario(config);
        s.karpenter = { ...s.karpenter, removeAfterMs: 5 * 60_000 + 40_000 };
        // Monday 09:00 UTC: inside "0 8 * * mon-fri" for 10h.
        const { report, check } = await run(config, s, { start: "2026-11-23T09:00:00Z" });
        expect(check("scaling", "scale down to 2")).to.deep.include({
            status: "pass",
            detail:
                'scaled to 2; consolidation blocked by a budget window, not waited for: NodePool on-demand: budget {nodes: "0", schedule "0 8 * * mon-fri" UTC, for 10h, reasons Drifted, Underutilized} allows no Underutilized disruption now, until 2026-11-23 18:00 UTC.',
        });
        expect(check("scaling", "scale down to 0")).to.deep.include({ status: "pass", detail: "3 of 3 node(s) removed 5m40s after scaling to 0 (on-demand: consolidateAfter 5m)" });
        expect(report.scaling?.nodes.map((n) => n.capacityType)).to.deep.equal(["on-demand", "on-demand", "on-demand"]);
        expect(report.exitCode).to.equal(0);
    });

    it("consolidation blocked by a budget for every reason: says so at once, says the nodes stay, and restores the demo", async () => {
        const config = dev();
        config.nodePools[0].budgets = [{ nodes: "0" }];
        const s = scenario(config);
        s.karpenter = { ...s.karpenter, removeAfterMs: "never" };
        const { report, fake, check } = await run(config, s);
        const zero = check("scaling", "scale down to 0")!;
        expect(zero.status).to.equal("warn");
        expect(zero.detail).to.equal('scaled to 0; consolidation blocked by a budget window, not waited for: NodePool spot: budget {nodes: "0"} allows no Empty disruption now. The 3 launched node(s) stay (and cost) until then.');
        expect(report.scaling?.scaleDown[1].blockedBy).to.equal('NodePool spot: budget {nodes: "0"} allows no Empty disruption now');
        expect(report.durationSeconds).to.equal(70);
        expect(fake.scalePatches).to.deep.equal([5, 2, 0, 0]);
        expect(report.exitCode).to.equal(0);
    });

    it("scales down to half and to zero (issue 16) also when the demo ran pods before, then restores the original count", async () => {
        const config = dev();
        // One demo pod runs on a node from before the test; the test adds 5 (dev's cap), goes to 1 + 2, to 0, back to 1.
        const { report, fake, check } = await run(config, scenario(config, { demoReplicas: 1 }));
        expect(report.checks.filter((c) => c.group === "scaling").map((c) => `${c.status} ${c.name}`)).to.deep.equal(["pass scale up", "pass scale down to 3", "pass scale down to 0", "pass restore"]);
        expect(report.scaling?.scaleDown.map((p) => p.replicas)).to.deep.equal([3, 0]);
        expect(check("scaling", "scale down to 0")?.detail).to.match(/ node\(s\) removed .* after scaling to 0 /);
        expect(fake.scalePatches).to.deep.equal([6, 3, 0, 1]);
        expect(fake.demoReplicas).to.equal(1);
        expect(check("scaling", "restore")).to.deep.include({ status: "pass", detail: "inflate/inflate back at 1 replicas" });
    });

    it("restore after an interruption: Ctrl-C while nodes launch puts the demo back at its original replicas", async () => {
        const config = dev();
        const controller = new AbortController();
        const s = scenario(config, { demoReplicas: 1 });
        // Ctrl-C as soon as the first node launched by the test shows (node 0 ran the demo's one pod before).
        s.onRequest = (fake) => {
            if (fake.nodes.slice(1).some((n) => fake.clock.now() >= n.createdAt)) controller.abort();
        };
        const { report, fake, check } = await run(config, s, { signal: controller.signal });
        expect(report.interrupted).to.equal(true);
        expect(check("scaling", "interrupted")?.status).to.equal("fail");
        expect(check("scaling", "restore")).to.deep.include({ status: "pass", detail: "inflate/inflate back at 1 replicas" });
        expect(fake.scalePatches).to.deep.equal([6, 1]);
        expect(fake.demoReplicas).to.equal(1);
        expect(report.scaling?.restored).to.equal(true);
        expect(report.exitCode).to.equal(1);
    });
});

