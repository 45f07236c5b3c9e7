import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { INTERRUPTION_EVENTS, QUANTITY_PATTERN, amiPinned, controllerReplicas, interruptionHandling, nodeClassHardening, nodePoolLimits, parseQuantity, spotDiversity } from "../policies/karpenter";
import { UPSTREAM_CHARTS, UPSTREAM_RULES } from "./fixtures/upstreamKarpenter";
import { FakeResource, resourceViolations, stackViolations } from "./helpers/policy";

const crd = (file: string) => parse(fs.readFileSync(path.join(__dirname, "fixtures", "karpenter-crds", file), "utf8")) as any;
const pool = (spec: Record<string, unknown>, name = "p"): FakeResource => ({ type: "kubernetes:karpenter.sh/v1:NodePool", props: { metadata: { name }, spec } });
const nodeClass = (spec: Record<string, unknown>, name = "c"): FakeResource => ({ type: "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", props: { metadata: { name }, spec } });
const chart = (values: Record<string, unknown>, chartRef = UPSTREAM_CHARTS.controller): FakeResource => ({ type: "kubernetes:helm.sh/v3:Release", props: { chart: chartRef, values } });

describe("karpenter-nodepool-limits: Kubernetes quantities as the NodePool CRD accepts them", () => {
    // karpenter.sh_nodepools.yaml (v1.14.1): spec.limits values match this pattern, the grammar of apimachinery's
    // resource.Quantity: a signed number ("5", "5.", ".5"), then a binary suffix (Ki..Ei), a decimal one
    // (n u m "" k M G T P E) or a decimal exponent (e/E and a signed number).
    it("accepts exactly what the CRD's pattern accepts", () => {
        const limits = crd("karpenter.sh_nodepools.yaml").spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.limits;
        expect(QUANTITY_PATTERN.source).to.equal(limits.additionalProperties.pattern);
    });

    it("reads every suffix and number form of the grammar", () => {
        const cases: Array<[string, number]> = [
            ["64", 64],
            ["+64", 64],
            ["-1", -1],
            ["1.5", 1.5],
            ["5.", 5],
            [".5", 0.5],
            ["500m", 0.5],
            ["250u", 250e-6],
            ["7n", 7e-9],
            ["2k", 2e3],
            ["2M", 2e6],
            ["2G", 2e9],
            ["2T", 2e12],
            ["2P", 2e15],
            ["2E", 2e18],
            ["1Ki", 1024],
            ["1Mi", 1024 ** 2],
            ["1.5Gi", 1.5 * 1024 ** 3],
            ["1Ti", 1024 ** 4],
            ["1Pi", 1024 ** 5],
            ["1Ei", 1024 ** 6],
            ["1e3", 1000],
            ["1E3", 1000],
            ["2e+3", 2000],
            ["5e-1", 0.5],
            ["1e0", 1],
        ];
        for (const [q, value] of cases) expect(parseQuantity(q), q).to.be.closeTo(value, Math.abs(value) * 1e-12);
    });

    it("refuses what the API server refuses", () => {
        for (const q of ["", "lots", "1 Gi", " 64", "64 ", "1gi", "1KI", "1K", "1Gib", "1e", "e3", "1.2.3", "--1", "0x10", "1,5", "Infinity"]) expect(parseQuantity(q), JSON.stringify(q)).to.equal(undefined);
        expect(parseQuantity(undefined)).to.equal(undefined);
        expect(parseQuantity(64)).to.equal(64);
    });

    it("compares limits with the stack's ceiling as numbers, equal passing", async () => {
        const at = (cpu: string, memory: string, params: Record<string, unknown> = {}) => resourceViolations(nodePoolLimits, pool({ limits: { cpu, memory } }), params);
        expect(await at("1000", "4000Gi")).to.deep.equal([]);
        expect(await at("1000001m", "4000Gi")).to.deep.equal(["NodePool p limits cpu to 1000001m, above this stack's ceiling of 1000; a limit that high is no limit."]);
        expect(await at("1000", "4294967297Ki")).to.deep.equal(["NodePool p limits memory to 4294967297Ki, above this stack's ceiling of 4000Gi; a limit that high is no limit."]);
        expect(await at("1e3", "4000Gi")).to.deep.equal([]);
        expect(await at("2E", "1Ei", { maxCpu: "1E" })).to.deep.equal([
            "NodePool p limits cpu to 2E, above this stack's ceiling of 1E; a limit that high is no limit.",
            "NodePool p limits memory to 1Ei, above this stack's ceiling of 4000Gi; a limit that high is no limit.",
        ]);
    });

    it("names a limit that is no Kubernetes quantity, and every missing limit", async () => {
        expect(await resourceViolations(nodePoolLimits, pool({ limits: { cpu: "lots", memory: "1Gi" } }))).to.deep.equal(["NodePool p limits cpu to lots, which is not a Kubernetes quantity; the API server refuses it."]);
        expect(await resourceViolations(nodePoolLimits, pool({}))).to.deep.equal(["NodePool p has no cpu or memory limit; a runaway workload could launch without bound."]);
        expect(await resourceViolations(nodePoolLimits, pool({ limits: { memory: "1Gi" } }))).to.deep.equal(["NodePool p has no cpu limit; a runaway workload could launch without bound."]);
        // Other kinds are not NodePools.
        expect(await resourceViolations(nodePoolLimits, nodeClass({}))).to.deep.equal([]);
    });
});

describe("karpenter-ec2nodeclass-hardening, karpenter-ami-pinned", () => {
    const imds = { httpTokens: "required", httpPutResponseHopLimit: 1 };
    const root = [{ deviceName: "/dev/xvda", rootVolume: true, ebs: { encrypted: true } }];

    it("requires IMDSv2 with hop limit 1 and names what is set (or unset)", async () => {
        expect(await resourceViolations(nodeClassHardening, nodeClass({ blockDeviceMappings: root }))).to.deep.equal([
            "EC2NodeClass c does not require IMDSv2 (metadataOptions.httpTokens is unset).",
            "EC2NodeClass c has IMDS hop limit unset; 1 keeps pods from the node role's credentials.",
        ]);
        expect(await resourceViolations(nodeClassHardening, nodeClass({ metadataOptions: { ...imds, httpPutResponseHopLimit: 0 }, blockDeviceMappings: root }))).to.deep.equal([
            "EC2NodeClass c has IMDS hop limit 0; 1 keeps pods from the node role's credentials.",
        ]);
        expect(await resourceViolations(nodeClassHardening, nodeClass({ metadataOptions: imds, blockDeviceMappings: root }))).to.deep.equal([]);
        expect(await resourceViolations(nodeClassHardening, pool({ metadataOptions: {} }))).to.deep.equal([]);
    });

    it("finds the root volume by rootVolume, else by the AL2023 root device /dev/xvda", async () => {
        const encrypted = async (blockDeviceMappings: unknown) => (await resourceViolations(nodeClassHardening, nodeClass({ metadataOptions: imds, blockDeviceMappings }))).length === 0;
        expect(await encrypted(undefined)).to.equal(false);
        expect(await encrypted([{ deviceName: "/dev/xvda", ebs: { encrypted: true } }])).to.equal(true);
        expect(await encrypted([{ deviceName: "/dev/xvda", ebs: {} }])).to.equal(false);
        expect(await encrypted([{ deviceName: "/dev/xvda", ebs: { encrypted: false } }])).to.equal(false);
        expect(await encrypted([{ deviceName: "/dev/xvdb", ebs: { encrypted: true } }])).to.equal(false);
        // The volume marked rootVolume decides, whatever /dev/xvda says.
        expect(await encrypted([{ deviceName: "/dev/xvda", ebs: { encrypted: true } }, { deviceName: "/dev/xvdb", rootVolume: true, ebs: { encrypted: false } }])).to.equal(false);
        expect(await encrypted([{ deviceName: "/dev/xvda", ebs: { encrypted: false } }, { deviceName: "/dev/xvdb", rootVolume: true, ebs: { encrypted: true } }])).to.equal(true);
        expect(await encrypted([{ deviceName: "/dev/xvdb", rootVolume: false, ebs: { encrypted: true } }, { deviceName: "/dev/xvda", ebs: { encrypted: true } }])).to.equal(true);
    });

    it("refuses only @latest aliases; ids, tags and pinned aliases pass", async () => {
        expect(await resourceViolations(amiPinned, nodeClass({ amiSelectorTerms: [{ id: "ami-1" }, { tags: { Name: "x" } }, { alias: "bottlerocket@latest" }, { alias: "al2023@v20260923" }] }, "gpu"))).to.deep.equal([
            "EC2NodeClass gpu uses bottlerocket@latest; pin a release such as al2023@v20260923.",
        ]);
        expect(await resourceViolations(amiPinned, nodeClass({}))).to.deep.equal([]);
        expect(await resourceViolations(amiPinned, pool({ amiSelectorTerms: [{ alias: "al2023@latest" }] }))).to.deep.equal([]);
    });
});

describe("karpenter-controller-replicas", () => {
    it("counts the chart's default of 2 replicas (charts/karpenter/values.yaml) when the stack sets none", async () => {
        expect(await resourceViolations(controllerReplicas, chart({}))).to.deep.equal([]);
        expect(await resourceViolations(controllerReplicas, chart({}), { minReplicas: 3 })).to.deep.equal(["the Karpenter controller runs 2 replicas; at least 3 required."]);
        expect(await resourceViolations(controllerReplicas, chart({ replicas: 3 }), { minReplicas: 3 })).to.deep.equal([]);
        expect(await resourceViolations(controllerReplicas, chart({ replicas: 0 }), { minReplicas: 1 })).to.deep.equal(["the Karpenter controller runs 0 replicas; at least 1 required."]);
    });

    it("looks only at the Karpenter controller chart, not its CRD chart or other releases", async () => {
        expect(await resourceViolations(controllerReplicas, chart({ replicas: 1 }, UPSTREAM_CHARTS.crds))).to.deep.equal([]);
        expect(await resourceViolations(controllerReplicas, chart({ replicas: 1 }, "oci://example/karpenter-extra"))).to.deep.equal([]);
        expect(await resourceViolations(controllerReplicas, { type: "kubernetes:apps/v1:Deployment", props: { chart: UPSTREAM_CHARTS.controller, values: { replicas: 1 } } })).to.deep.equal([]);
    });
});

describe("karpenter-spot-diversity", () => {
    const requirements = (...reqs: unknown[]) => pool({ template: { spec: { requirements: reqs } } });
    const spot = { key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] };
    const types = (n: number, operator = "In") => ({ key: "node.kubernetes.io/instance-type", operator, values: Array.from({ length: n }, (_, i) => `m${i}.large`) });

    it("a spot-only pool listing fewer types than minInstanceTypes (default 10) is refused; ten pass", async () => {
        expect(await resourceViolations(spotDiversity, requirements(spot, types(9)))).to.deep.equal(["spot-only NodePool p allows 9 instance types; at least 10 keep spot capacity within reach."]);
        expect(await resourceViolations(spotDiversity, requirements(spot, types(10)))).to.deep.equal([]);
        expect(await resourceViolations(spotDiversity, requirements(spot, { key: "node.kubernetes.io/instance-type", operator: "In" }), { minInstanceTypes: 1 })).to.deep.equal([
            "spot-only NodePool p allows 0 instance types; at least 1 keep spot capacity within reach.",
        ]);
    });

    it("pools that may also take on-demand, that do not list types, or list them with another operator are not counted", async () => {
        expect(await resourceViolations(spotDiversity, requirements({ ...spot, values: ["spot", "on-demand"] }, types(1)))).to.deep.equal([]);
        expect(await resourceViolations(spotDiversity, requirements({ ...spot, operator: "NotIn" }, types(1)))).to.deep.equal([]);
        expect(await resourceViolations(spotDiversity, requirements({ ...spot, key: "karpenter.sh/nodepool" }, types(1)))).to.deep.equal([]);
        expect(await resourceViolations(spotDiversity, requirements(spot))).to.deep.equal([]);
        expect(await resourceViolations(spotDiversity, requirements(spot, types(1, "NotIn")))).to.deep.equal([]);
        expect(await resourceViolations(spotDiversity, requirements(spot, { ...types(1), key: "karpenter.k8s.aws/instance-family" }))).to.deep.equal([]);
        expect(await resourceViolations(spotDiversity, pool({}))).to.deep.equal([]);
        expect(await resourceViolations(spotDiversity, { ...nodeClass({}), props: { metadata: { name: "c" }, spec: { template: { spec: { requirements: [spot, types(1)] } } } } })).to.deep.equal([]);
    });
});

describe("karpenter-interruption-queue: upstream's queue and its five EventBridge rules", () => {
    it("checks the five rules of upstream's getting-started template", () => {
        expect(INTERRUPTION_EVENTS.map(([source, detailType]) => ({ source: [source], "detail-type": [detailType] }))).to.deep.equal(UPSTREAM_RULES);
    });

    const queueArn = "arn:aws:sqs:us-west-2:123456789012:demo";
    const release = chart({ settings: { interruptionQueue: "demo" } });
    const queue = (props: Record<string, unknown> = {}): FakeResource => ({ type: "aws:sqs/queue:Queue", props: { name: "demo", url: "https://sqs/demo", arn: queueArn, sqsManagedSseEnabled: true, ...props } });
    const tlsOnly = (props: Record<string, unknown> = {}): FakeResource => ({
        type: "aws:sqs/queuePolicy:QueuePolicy",
        props: { queueUrl: "https://sqs/demo", policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: queueArn, Condition: { Bool: { "aws:SecureTransport": "false" } } }] }), ...props },
    });
    const rules = (asString: boolean): FakeResource[] =>
        UPSTREAM_RULES.flatMap((pattern, i) => [
            { type: "aws:cloudwatch/eventRule:EventRule", name: `rule${i}`, props: { name: `demo-${i}`, eventPattern: asString ? JSON.stringify(pattern) : pattern } },
            { type: "aws:cloudwatch/eventTarget:EventTarget", props: { rule: `demo-${i}`, arn: queueArn } },
        ]);

    it("passes upstream's setup, with the event patterns as JSON text (as the provider keeps them) or as objects", async () => {
        expect(await stackViolations(interruptionHandling, [release, queue(), tlsOnly(), ...rules(true)])).to.deep.equal([]);
        expect(await stackViolations(interruptionHandling, [release, queue({ sqsManagedSseEnabled: false, kmsMasterKeyId: "alias/k" }), tlsOnly(), ...rules(false)])).to.deep.equal([]);
    });

    it("a TLS-only policy must be a Deny on aws:SecureTransport false, on this queue", async () => {
        const base = [release, queue(), ...rules(true)];
        const noTls = "queue demo has no policy denying requests without TLS (aws:SecureTransport false).";
        expect(await stackViolations(interruptionHandling, [...base, tlsOnly({ queueUrl: "https://sqs/other" })])).to.deep.equal([noTls]);
        const allow = JSON.stringify({ Statement: [{ Effect: "Allow", Principal: "*", Action: "sqs:*", Resource: queueArn, Condition: { Bool: { "aws:SecureTransport": "false" } } }] });
        expect(await stackViolations(interruptionHandling, [...base, tlsOnly({ policy: allow })])).to.deep.equal([noTls]);
        const denyTls = JSON.stringify({ Statement: [{ Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: queueArn, Condition: { Bool: { "aws:SecureTransport": "true" } } }] });
        expect(await stackViolations(interruptionHandling, [...base, tlsOnly({ policy: denyTls })])).to.deep.equal([noTls]);
        const noCondition = JSON.stringify({ Statement: [{ Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: queueArn }] });
        expect(await stackViolations(interruptionHandling, [...base, tlsOnly({ policy: noCondition })])).to.deep.equal([noTls]);
        // The boolean false (a policy written as an object) counts as "false".
        const asBoolean = JSON.stringify({ Statement: [{ Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: queueArn, Condition: { Bool: { "aws:SecureTransport": false } } }] });
        expect(await stackViolations(interruptionHandling, [...base, tlsOnly({ policy: asBoolean })])).to.deep.equal([]);
    });

    it("names each rule that is missing or does not target the queue", async () => {
        const all = rules(true);
        // Drop the health rule; point the spot rule's target elsewhere; give the rebalance rule a pattern of another source.
        const edited = all
            .filter((r) => r.name !== "rule0")
            .map((r) => (r.type === "aws:cloudwatch/eventTarget:EventTarget" && r.props.rule === "demo-1" ? { ...r, props: { ...r.props, arn: "arn:aws:sqs:us-west-2:123456789012:other" } } : r))
            .map((r) => (r.name === "rule2" ? { ...r, props: { ...r.props, eventPattern: JSON.stringify({ source: ["aws.health"], "detail-type": ["EC2 Instance Rebalance Recommendation"] }) } } : r));
        expect(await stackViolations(interruptionHandling, [release, queue(), tlsOnly(), ...edited])).to.deep.equal([
            'no EventBridge rule sends "AWS Health Event" (aws.health) to queue demo.',
            'EventBridge rule demo-1 ("EC2 Spot Instance Interruption Warning") does not target queue demo.',
            'no EventBridge rule sends "EC2 Instance Rebalance Recommendation" (aws.ec2) to queue demo.',
        ]);
        // A rule without a pattern (a scheduled rule) matches nothing.
        const scheduled: FakeResource = { type: "aws:cloudwatch/eventRule:EventRule", props: { name: "nightly", scheduleExpression: "rate(1 day)" } };
        expect(await stackViolations(interruptionHandling, [release, queue(), tlsOnly(), scheduled, ...all])).to.deep.equal([]);
    });

    it("a chart without an interruption queue, or naming a queue the stack lacks, is reported; no chart, nothing to check", async () => {
        expect(await stackViolations(interruptionHandling, [chart({}), queue()])).to.deep.equal(["the Karpenter chart has no settings.interruptionQueue: spot interruptions and health events go unhandled."]);
        expect(await stackViolations(interruptionHandling, [release, queue({ name: "other" })])).to.deep.equal(["no SQS queue named demo in the stack."]);
        expect(await stackViolations(interruptionHandling, [queue()])).to.deep.equal([]);
        expect(await stackViolations(interruptionHandling, [chart({ settings: { interruptionQueue: "demo" } }, UPSTREAM_CHARTS.crds), queue()])).to.deep.equal([]);
    });
});

describe("karpenter policies: objects the program leaves to defaults, and resources of other types", () => {
    // pulumi-kubernetes auto-names an object whose metadata.name the program leaves out; a chart may take all its
    // defaults (no values).
    const bare = (type: string): FakeResource => ({ type, props: {} });

    it("a NodePool or EC2NodeClass without metadata or spec is checked and named (unnamed)", async () => {
        expect(await resourceViolations(nodePoolLimits, bare("kubernetes:karpenter.sh/v1:NodePool"))).to.deep.equal(["NodePool (unnamed) has no cpu or memory limit; a runaway workload could launch without bound."]);
        expect(await resourceViolations(nodeClassHardening, bare("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass"))).to.deep.equal([
            "EC2NodeClass (unnamed) does not require IMDSv2 (metadataOptions.httpTokens is unset).",
            "EC2NodeClass (unnamed) has IMDS hop limit unset; 1 keeps pods from the node role's credentials.",
            "EC2NodeClass (unnamed) does not encrypt its root volume (set blockDeviceMappings with ebs.encrypted: true).",
        ]);
        expect(await resourceViolations(amiPinned, { type: "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", props: { spec: { amiSelectorTerms: [{ alias: "al2023@latest" }] } } })).to.deep.equal([
            "EC2NodeClass (unnamed) uses al2023@latest; pin a release such as al2023@v20260923.",
        ]);
        const spotPool: FakeResource = { type: "kubernetes:karpenter.sh/v1:NodePool", props: { spec: { template: { spec: { requirements: [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] }, { key: "node.kubernetes.io/instance-type", operator: "In", values: ["m5.large"] }] } } } } };
        expect(await resourceViolations(spotDiversity, spotPool)).to.deep.equal(["spot-only NodePool (unnamed) allows 1 instance types; at least 10 keep spot capacity within reach."]);
    });

    it("a Karpenter chart without values runs the chart's 2 replicas and has no interruption queue", async () => {
        const noValues: FakeResource = { type: "kubernetes:helm.sh/v3:Release", props: { chart: UPSTREAM_CHARTS.controller } };
        expect(await resourceViolations(controllerReplicas, noValues, { minReplicas: 3 })).to.deep.equal(["the Karpenter controller runs 2 replicas; at least 3 required."]);
        expect(await stackViolations(interruptionHandling, [noValues])).to.deep.equal(["the Karpenter chart has no settings.interruptionQueue: spot interruptions and health events go unhandled."]);
    });

    const queueArn = "arn:aws:sqs:us-west-2:123456789012:demo";
    const release = chart({ settings: { interruptionQueue: "demo" } });
    const denyHttp = JSON.stringify({ Statement: [{ Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: queueArn, Condition: { Bool: { "aws:SecureTransport": "false" } } }] });
    const queue = (props: Record<string, unknown> = {}): FakeResource => ({ type: "aws:sqs/queue:Queue", props: { name: "demo", url: "https://sqs/demo", arn: queueArn, sqsManagedSseEnabled: true, ...props } });
    const rulesAndTargets = (ruleType = "aws:cloudwatch/eventRule:EventRule", targetType = "aws:cloudwatch/eventTarget:EventTarget"): FakeResource[] =>
        UPSTREAM_RULES.flatMap((pattern, i) => [
            { type: ruleType, props: { name: `demo-${i}`, eventPattern: JSON.stringify(pattern) } },
            { type: targetType, props: { rule: `demo-${i}`, arn: queueArn } },
        ]);

    it("the TLS-only statement may sit in the queue's own policy input (aws.sqs.Queue `policy`)", async () => {
        expect(await stackViolations(interruptionHandling, [release, queue({ policy: denyHttp }), ...rulesAndTargets()])).to.deep.equal([]);
    });

    it("only a Helm v3 Release is the chart, only QueuePolicies, EventRules and EventTargets count as such", async () => {
        const v4: FakeResource = { type: "kubernetes:helm.sh/v4:Chart", props: { chart: UPSTREAM_CHARTS.controller, values: {} } };
        expect(await stackViolations(interruptionHandling, [v4, queue()])).to.deep.equal([]);
        // An EventBridge archive carries an event pattern too, and is no rule; a policy document on another resource is no queue policy.
        const archive = rulesAndTargets("aws:cloudwatch/eventArchive:EventArchive");
        const messages = await stackViolations(interruptionHandling, [release, queue(), { type: "aws:iam/policy:Policy", props: { queueUrl: "https://sqs/demo", policy: denyHttp } }, ...archive]);
        expect(messages[0]).to.equal("queue demo has no policy denying requests without TLS (aws:SecureTransport false).");
        expect(messages.slice(1)).to.have.length(5);
        expect(messages[1]).to.equal('no EventBridge rule sends "AWS Health Event" (aws.health) to queue demo.');
        const notTargets = rulesAndTargets(undefined, "aws:sqs/queuePolicy:QueuePolicy");
        expect(await stackViolations(interruptionHandling, [release, queue({ policy: denyHttp }), ...notTargets])).to.deep.equal(
            UPSTREAM_RULES.map((r, i) => `EventBridge rule demo-${i} ("${r["detail-type"][0]}") does not target queue demo.`),
        );
    });

    it("a rule pattern needs both the source and the detail-type (EventBridge matches every field given)", async () => {
        const ruleFor = (pattern: Record<string, unknown>): FakeResource[] => [
            { type: "aws:cloudwatch/eventRule:EventRule", props: { name: "partial", eventPattern: JSON.stringify(pattern) } },
            { type: "aws:cloudwatch/eventTarget:EventTarget", props: { rule: "partial", arn: queueArn } },
        ];
        const health = 'no EventBridge rule sends "AWS Health Event" (aws.health) to queue demo.';
        const rest = rulesAndTargets().slice(2);
        expect(await stackViolations(interruptionHandling, [release, queue({ policy: denyHttp }), ...rest, ...ruleFor({ "detail-type": ["AWS Health Event"] })])).to.deep.equal([health]);
        expect(await stackViolations(interruptionHandling, [release, queue({ policy: denyHttp }), ...rest, ...ruleFor({ source: ["aws.health"] })])).to.deep.equal([health]);
    });
});

