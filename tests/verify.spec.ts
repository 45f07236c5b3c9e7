import { DescribeAccessEntryCommand, DescribePodIdentityAssociationCommand, EKSClient, ListPodIdentityAssociationsCommand, ResourceNotFoundException as EksNotFound } from "@aws-sdk/client-eks";
import { DescribeRuleCommand, EventBridgeClient, ListTargetsByRuleCommand, ResourceNotFoundException as RuleNotFound } from "@aws-sdk/client-eventbridge";
import { GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { StackConfig, parseStackConfig } from "../components/config";
import { karpenterNames } from "../components/karpenter/controller";
import { INTERRUPTION_RULES, QUEUE_TARGET_ID, eventPattern, interruptionQueuePolicy, queueArn } from "../components/karpenter/interruption";
import { stackConfig } from "../offline/stackFiles";
import { checkIamActions } from "../offline/checks";
import { VERIFY_IAM_ACTIONS } from "../verify/aws";
import { Kube } from "../verify/kube";
import { Expectations, StackOutputs, expectationsFor } from "../verify/outputs";
import { CheckResult, Report } from "../verify/report";
import { DEFAULT_OPTIONS, VerifyOptions, verify } from "../verify/run";
import { FakeCluster, FakeScenario, NODE_CLASS_CONDITIONS, NODE_POOL_CONDITIONS, VirtualClock, trueCondition } from "./helpers/fakeKube";

const ACCOUNT = "123456789012";
/** A Tuesday evening, outside prod's weekday 08:00-18:00 UTC budget window. */
const TUESDAY_AFTERNOON = "2026-11-24T20:00:00Z";

function outputsFor(config: StackConfig, kubeconfig: string): StackOutputs {
    const names = karpenterNames(config.clusterName);
    return {
        clusterName: config.clusterName,
        kubeconfig,
        karpenterControllerRoleArn: `arn:aws:iam::${ACCOUNT}:role/${names.controllerRole}`,
        karpenterNodeRoleName: names.nodeRole,
        karpenterQueueName: names.queue,
        karpenterChartVersion: config.karpenter.version,
        nodePools: config.nodePools.map((p) => p.name),
    };
}

/** AWS as the stack leaves it: every command the checks send answered, by the real clients under aws-sdk-client-mock. */
function healthyAws(x: Expectations) {
    const region = x.region;
    const clients = { sqs: new SQSClient({ region }), eventBridge: new EventBridgeClient({ region }), eks: new EKSClient({ region }), iam: new IAMClient({ region }) };
    const sqs = mockClient(clients.sqs);
    const events = mockClient(clients.eventBridge);
    const eks = mockClient(clients.eks);
    const iam = mockClient(clients.iam);
    const arn = queueArn("aws", region, ACCOUNT, x.queueName);
    const url = `https://sqs.${region}.amazonaws.com/${ACCOUNT}/${x.queueName}`;
    sqs.on(GetQueueUrlCommand, { QueueName: x.queueName }).resolves({ QueueUrl: url });
    sqs.on(GetQueueAttributesCommand, { QueueUrl: url }).resolves({
        Attributes: { QueueArn: arn, MessageRetentionPeriod: "300", SqsManagedSseEnabled: "true", Policy: JSON.stringify(interruptionQueuePolicy(arn, "amazonaws.com")) },
    });
    for (const rule of INTERRUPTION_RULES) {
        const name = `${x.clusterName}-${rule.name}`;
        events.on(DescribeRuleCommand, { Name: name }).resolves({ Name: name, State: "ENABLED", EventPattern: JSON.stringify(eventPattern(rule)) });
        events.on(ListTargetsByRuleCommand, { Rule: name }).resolves({ Targets: [{ Id: QUEUE_TARGET_ID, Arn: arn }] });
    }
    eks.on(ListPodIdentityAssociationsCommand, { clusterName: x.clusterName, namespace: x.karpenter.namespace, serviceAccount: "karpenter" }).resolves({
        associations: [{ associationId: "a-0123456789abcdef0", clusterName: x.clusterName, namespace: x.karpenter.namespace, serviceAccount: "karpenter" }],
    });
    eks.on(DescribePodIdentityAssociationCommand, { clusterName: x.clusterName, associationId: "a-0123456789abcdef0" }).resolves({ association: { roleArn: x.karpenter.roleArn } });
    const nodeRoleArn = `arn:aws:iam::${ACCOUNT}:role/${x.nodeRoleName}`;
    iam.on(GetRoleCommand, { RoleName: x.nodeRoleName }).resolves({ Role: { Arn: nodeRoleArn, RoleName: x.nodeRoleName, Path: "/", RoleId: "AROAEXAMPLE", CreateDate: new Date(0) } });
    eks.on(DescribeAccessEntryCommand, { clusterName: x.clusterName, principalArn: nodeRoleArn }).resolves({ accessEntry: { type: "EC2_LINUX", principalArn: nodeRoleArn } });
    return { clients, sqs, events, eks, iam };
}

const KARPENTER_LOG = [
    '{"level":"INFO","time":"2026-11-24T13:50:01.000Z","logger":"controller","message":"discovered ssm parameter","commit":"1d92708"}',
    '{"level":"INFO","time":"2026-11-24T13:50:02.000Z","logger":"controller","message":"starting server","commit":"1d92708"}',
].join("\n");

function scenario(config: StackConfig, over: Partial<FakeScenario> = {}): FakeScenario {
    const zones = ["us-west-2a", "us-west-2b", "us-west-2c"];
    const systemNodes = Array.from({ length: Math.max(1, config.karpenter.replicas) }, (_, i) => ({ name: `ip-10-0-${i + 1}-10.us-west-2.compute.internal`, zone: zones[i] }));
    return {
        config,
        systemNodes,
        controllerPods: systemNodes.map((n) => ({ node: n.name, log: KARPENTER_LOG })),
        releases: { "karpenter-crd": config.karpenter.version, karpenter: config.karpenter.version },
        demoReplicas: config.demoWorkload.replicas,
        karpenter: {
            podsPerNode: 2,
            launchAfterMs: 40_000,
            readyAfterMs: 20_000,
            podReadyAfterMs: 10_000,
            removeAfterMs: 40_000,
            instanceTypes: ["m6a.large", "t3a.large", "c7i.large"],
            zones: ["us-west-2a", "us-west-2b"],
            capacityType: config.demoWorkload.onDemandOnly ? "on-demand" : "spot",
        },
        ...over,
    };
}

const servers: FakeCluster[] = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "verify-"));

async function run(
    config: StackConfig,
    s: FakeScenario,
    o: { start?: string; options?: Partial<VerifyOptions>; aws?: (a: ReturnType<typeof healthyAws>) => void; signal?: AbortSignal } = {},
): Promise<{ report: Report; fake: FakeCluster; out: string; check: (group: string, name: string) => CheckResult | undefined; awsActions: string[] }> {
    const clock = new VirtualClock(Date.parse(o.start ?? TUESDAY_AFTERNOON));
    const fake = await new FakeCluster(s, clock).start();
    servers.push(fake);
    const x = expectationsFor(config, outputsFor(config, fake.kubeconfig()));
    const aws = healthyAws(x);
    o.aws?.(aws);
    let out = "";
    // Looks every 10 s of virtual time: the measured times below are multiples of it.
    const report = await verify({ ...DEFAULT_OPTIONS, pollMs: 10_000, expectations: x, kubeconfig: fake.kubeconfig(), ...o.options }, { aws: aws.clients, clock, out: { write: (t: string) => (out += t) }, signal: o.signal });
    expect(fake.unexpected, "requests to endpoints the fake API server does not serve").to.deep.equal([]);
    // IAM actions of the commands sent: "<service prefix>:<command name without Command>".
    const prefixes = { sqs: "sqs", events: "events", eks: "eks", iam: "iam" } as const;
    const awsActions = [...new Set((Object.keys(prefixes) as Array<keyof typeof prefixes>).flatMap((k) => aws[k].calls().map((c) => `${prefixes[k]}:${(c.args[0] as object).constructor.name.replace(/Command$/, "")}`)))].sort();
    return { report, fake, out, awsActions, check: (group, name) => report.checks.find((c) => c.group === group && c.name === name) };
}

const dev = () => parseStackConfig(stackConfig("dev"));
const prod = () => parseStackConfig(stackConfig("prod"));

describe("npm run verify (against a fake Kubernetes API server on 127.0.0.1 and aws-sdk-client-mock)", () => {
    afterEach(async () => {
        await Promise.all(servers.splice(0).map((s) => s.close()));
    });
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

describe("the fake API server is no more lenient than the real one", () => {
    afterEach(async () => {
        await Promise.all(servers.splice(0).map((s) => s.close()));
    });

    it("serves Karpenter's and Kubernetes' objects in their API shape (validated against the published schemas)", async () => {
        const config = prod();
        const s = scenario(config);
        s.karpenter = { ...s.karpenter, launchAfterMs: "never", failedLaunch: { reason: "InsufficientCapacityError", message: "no capacity" } };
        const clock = new VirtualClock(Date.parse(TUESDAY_AFTERNOON));
        const fake = await new FakeCluster({ ...s, demoReplicas: 3 }, clock).start();
        servers.push(fake);
        const kube = new Kube(fake.kubeconfig(), 5_000);
        const validate = async (module: string, kind: string, objects: unknown[]) => {
            const Model = (await import(module))[kind] as new (o: unknown) => { validate(): void };
            expect(objects.length, kind).to.be.greaterThan(0);
            for (const o of objects) new Model(o).validate();
        };
        await validate("@kubernetes-models/karpenter/karpenter.sh/v1/NodePool", "NodePool", await kube.listNodePools());
        await validate("@kubernetes-models/karpenter/karpenter.k8s.aws/v1/EC2NodeClass", "EC2NodeClass", await kube.listEC2NodeClasses());
        await validate("@kubernetes-models/karpenter/karpenter.sh/v1/NodeClaim", "NodeClaim", await kube.listNodeClaims());
        // The client library deserialises core objects into its classes; the raw JSON is what the models validate.
        const raw = async (p: string) => ((await (await fetch(`${fake.url}${p}`, { headers: { authorization: "Bearer verify-test-token" } })).json()) as { items: unknown[] }).items;
        await validate("kubernetes-models/v1/Node", "Node", await raw("/api/v1/nodes"));
        await validate("kubernetes-models/v1/Pod", "Pod", [...(await raw("/api/v1/namespaces/kube-system/pods")), ...(await raw("/api/v1/namespaces/inflate/pods"))]);
    });

    it("refuses what the API server refuses: no token, a patch that is not a merge patch, a selector it cannot parse", async () => {
        const config = dev();
        const fake = await new FakeCluster(scenario(config), new VirtualClock(0)).start();
        servers.push(fake);
        expect((await fetch(`${fake.url}/api/v1/nodes`)).status).to.equal(401);
        const auth = { authorization: "Bearer verify-test-token" };
        const patch = await fetch(`${fake.url}/apis/apps/v1/namespaces/inflate/deployments/inflate/scale`, { method: "PATCH", headers: { ...auth, "content-type": "application/json" }, body: '{"spec":{"replicas":3}}' });
        expect(patch.status).to.equal(415);
        expect((await fetch(`${fake.url}/api/v1/nodes?labelSelector=${encodeURIComponent("a in (b")}`, { headers: auth })).status).to.equal(400);
        expect((await fetch(`${fake.url}/api/v1/namespaces/default/configmaps`, { headers: auth })).status).to.equal(404);
        expect(fake.unexpected).to.deep.equal(["GET /api/v1/namespaces/default/configmaps"]);
    });
});

describe("npm run verify: install checks that fail say why (--no-scale)", () => {
    afterEach(async () => {
        await Promise.all(servers.splice(0).map((s) => s.close()));
    });

    it("AWS: queue retention, encryption and policy, a missing rule, a wrong Pod Identity role, no node access entry", async () => {
        const config = dev();
        const { report, check } = await run(config, scenario(config), {
            options: { scale: false },
            aws: ({ sqs, events, eks }) => {
                const arn = queueArn("aws", "us-west-2", ACCOUNT, "eks-karpenter-dev");
                sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { QueueArn: arn, MessageRetentionPeriod: "345600", SqsManagedSseEnabled: "false", Policy: JSON.stringify({ Version: "2012-10-17", Statement: [] }) } });
                events.on(DescribeRuleCommand, { Name: "eks-karpenter-dev-rebalance" }).rejects(new RuleNotFound({ message: "Rule eks-karpenter-dev-rebalance does not exist on EventBus default.", $metadata: {} }));
                eks.on(DescribePodIdentityAssociationCommand).resolves({ association: { roleArn: `arn:aws:iam::${ACCOUNT}:role/someone-else` } });
                eks.on(DescribeAccessEntryCommand).rejects(new EksNotFound({ message: "The specified access entry resource is not found.", $metadata: {} }));
            },
        });
        expect(check("aws", "interruption queue")?.detail).to.equal(
            "eks-karpenter-dev: retention 345600 s, expected 300 s; not encrypted; the policy does not let EventBridge send messages; the policy does not deny requests without TLS",
        );
        expect(check("aws", "interruption rules")?.detail).to.equal("eks-karpenter-dev-rebalance does not exist");
        expect(check("aws", "controller credentials")?.detail).to.equal(
            `Pod Identity association a-0123456789abcdef0 gives role arn:aws:iam::${ACCOUNT}:role/someone-else, expected arn:aws:iam::${ACCOUNT}:role/eks-karpenter-dev-karpenter`,
        );
        expect(check("aws", "node access entry")?.detail).to.equal(`no access entry for arn:aws:iam::${ACCOUNT}:role/eks-karpenter-dev-karpenter-node: nodes Karpenter launches cannot join the cluster`);
        expect(report.exitCode).to.equal(1);
    });

    it("an AWS error the checks did not expect fails that check with the error's name and message", async () => {
        const config = dev();
        const denied = Object.assign(new Error("User: arn:aws:sts::123456789012:assumed-role/ci/x is not authorized to perform: sqs:getqueueurl"), { name: "AccessDenied" });
        const { check } = await run(config, scenario(config), { options: { scale: false }, aws: ({ sqs }) => sqs.on(GetQueueUrlCommand).rejects(denied) });
        expect(check("aws", "interruption queue")).to.deep.include({ status: "fail", detail: "AccessDenied: User: arn:aws:sts::123456789012:assumed-role/ci/x is not authorized to perform: sqs:getqueueurl" });
        // The rules cannot target a queue that was not found.
        expect(check("aws", "interruption rules")?.detail).to.include("eks-karpenter-dev-scheduled-change does not target the queue (queue not found)");
    });

    it("the controller: auth errors in its log, a pod not Ready, CRDs from another chart version", async () => {
        const config = dev();
        const s = scenario(config, { releases: { "karpenter-crd": "1.13.0", karpenter: "1.14.1" } });
        const denied =
            '{"level":"ERROR","time":"2026-11-24T19:58:00.000Z","logger":"controller","message":"Reconciler error","controller":"nodeclass","error":"getting amis, operation error SSM: GetParameter, https response error StatusCode: 400, RequestID: 1f0c, api error AccessDeniedException: User is not authorized to perform: ssm:GetParameter"}';
        s.controllerPods = [{ node: s.systemNodes[0].name, ready: false, log: `${KARPENTER_LOG}\n${denied}` }];
        const { check } = await run(config, s, { options: { scale: false } });
        expect(check("install", "controller log")?.detail).to.equal(`karpenter-6f8d7c9b4d-x2kfn: 1 auth error line(s), e.g. ${denied.slice(0, 240)}`);
        expect(check("install", "controller pods")).to.deep.include({ status: "fail", detail: "0 of 1 Running and Ready; karpenter-6f8d7c9b4d-x2kfn is Running, not Ready (ContainersNotReady: containers with unready status: [controller])" });
        expect(check("install", "controller replicas")).to.deep.include({ status: "fail", detail: "0 of 1 replicas ready" });
        expect(check("install", "CRDs")?.detail).to.equal("release karpenter-crd has chart karpenter-crd 1.13.0, the stack says 1.14.1");
        expect(check("install", "controller version")?.status).to.equal("pass");
    });

    it("IRSA: the service account's role annotation is checked instead of a Pod Identity association", async () => {
        const config = dev();
        config.karpenter.auth = "irsa";
        let eksCalls = 0;
        const { check } = await run(config, scenario(config, { serviceAccountRoleArn: `arn:aws:iam::${ACCOUNT}:role/other` }), {
            options: { scale: false },
            aws: ({ eks }) => {
                eks.on(ListPodIdentityAssociationsCommand).callsFake(() => {
                    eksCalls++;
                    return { associations: [] };
                });
            },
        });
        expect(check("install", "controller credentials")?.detail).to.equal(`IRSA: eks.amazonaws.com/role-arn is arn:aws:iam::${ACCOUNT}:role/other, expected arn:aws:iam::${ACCOUNT}:role/eks-karpenter-dev-karpenter`);
        expect(check("aws", "controller credentials")).to.equal(undefined);
        expect(eksCalls).to.equal(0);
    });
});
