import { DescribeAccessEntryCommand, DescribePodIdentityAssociationCommand, EKSClient, ListPodIdentityAssociationsCommand } from "@aws-sdk/client-eks";
import { DescribeRuleCommand, EventBridgeClient, ListTargetsByRuleCommand } from "@aws-sdk/client-eventbridge";
import { GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { StackConfig, parseStackConfig } from "../../components/config";
import { karpenterNames } from "../../components/karpenter/controller";
import { INTERRUPTION_RULES, QUEUE_TARGET_ID, eventPattern, interruptionQueuePolicy, queueArn } from "../../components/karpenter/interruption";
import { stackConfig } from "../../offline/stackFiles";
import { Expectations, StackOutputs, expectationsFor } from "../../verify/outputs";
import { CheckResult, Report } from "../../verify/report";
import { DEFAULT_OPTIONS, VerifyOptions, verify } from "../../verify/run";
import { FakeCluster, FakeScenario, VirtualClock } from "./fakeKube";

/** Runs `verify` against a fake API server of a scenario and AWS under aws-sdk-client-mock. */

export const ACCOUNT = "123456789012";
/** A Tuesday evening, outside prod's weekday 08:00-18:00 UTC budget window. */
export const TUESDAY_EVENING = "2026-11-24T20:00:00Z";

export function outputsFor(config: StackConfig, kubeconfig: string): StackOutputs {
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
export function healthyAws(x: Expectations) {
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
        Attributes: { QueueArn: arn, MessageRetentionPeriod: "300", SqsManagedSseEnabled: "true", Policy: JSON.stringify(interruptionQueuePolicy(arn)) },
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

export const KARPENTER_LOG = [
    '{"level":"INFO","time":"2026-11-24T13:50:01.000Z","logger":"controller","message":"discovered ssm parameter","commit":"1d92708"}',
    '{"level":"INFO","time":"2026-11-24T13:50:02.000Z","logger":"controller","message":"starting server","commit":"1d92708"}',
].join("\n");

export function scenario(config: StackConfig, over: Partial<FakeScenario> = {}): FakeScenario {
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

export const servers: FakeCluster[] = [];

export async function run(
    config: StackConfig,
    s: FakeScenario,
    o: { start?: string; options?: Partial<VerifyOptions>; aws?: (a: ReturnType<typeof healthyAws>) => void; signal?: AbortSignal; kubeconfig?: (fake: FakeCluster) => string; tls?: { key: string; cert: string } } = {},
): Promise<{ report: Report; fake: FakeCluster; out: string; check: (group: string, name: string) => CheckResult | undefined; awsActions: string[] }> {
    const clock = new VirtualClock(Date.parse(o.start ?? TUESDAY_EVENING));
    const fake = await new FakeCluster(s, clock).start(o.tls);
    servers.push(fake);
    const kubeconfig = o.kubeconfig?.(fake) ?? fake.kubeconfig();
    const x = expectationsFor(config, outputsFor(config, kubeconfig));
    const aws = healthyAws(x);
    o.aws?.(aws);
    let out = "";
    // Looks every 10 s of virtual time: the measured times below are multiples of it.
    const report = await verify({ ...DEFAULT_OPTIONS, pollMs: 10_000, expectations: x, kubeconfig, ...o.options }, { aws: aws.clients, clock, out: { write: (t: string) => (out += t) }, signal: o.signal });
    expect(fake.unexpected, "requests to endpoints the fake API server does not serve").to.deep.equal([]);
    // IAM actions of the commands sent: "<service prefix>:<command name without Command>".
    const prefixes = { sqs: "sqs", events: "events", eks: "eks", iam: "iam" } as const;
    const awsActions = [...new Set((Object.keys(prefixes) as Array<keyof typeof prefixes>).flatMap((k) => aws[k].calls().map((c) => `${prefixes[k]}:${(c.args[0] as object).constructor.name.replace(/Command$/, "")}`)))].sort();
    return { report, fake, out, awsActions, check: (group, name) => report.checks.find((c) => c.group === group && c.name === name) };
}

export const dev = () => parseStackConfig(stackConfig("dev"));
export const prod = () => parseStackConfig(stackConfig("prod"));


/** Closes every fake API server a test started. */
export async function closeServers(): Promise<void> {
    await Promise.all(servers.splice(0).map((s) => s.close()));
}
