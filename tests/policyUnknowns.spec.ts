import { expect } from "chai";
import { vpcFlowLogs } from "../policies/ec2";
import { secretsEncryption } from "../policies/eks";
import { interruptionHandling } from "../policies/karpenter";
import { nodeClassPrivateSubnets } from "../policies/karpenterSubnets";
import { discoveryTags } from "../policies/tagging";
import { UPSTREAM_RULES } from "./fixtures/upstreamKarpenter";
import { FakeResource, NOT_RUN, UNKNOWN, resourceViolations, stackViolations } from "./helpers/policy";

/**
 * The policies at a first preview, where what AWS assigns on create (ids, ARNs, URLs) is unknown and
 * @pulumi/policy's proxy raises on reading it (the policy is then reported as not run). Each policy decides from
 * what the preview does know: the property dependencies (which resource a value comes from) and whether a value is
 * set at all. tests/firstPreview.spec.ts runs the whole pack over the stacks' first previews.
 */
describe("policies at a first preview: values AWS has not assigned yet", () => {
    it("eks-secrets-encryption: a KMS key ARN not known yet is a key set; no key is still refused", async () => {
        expect(await resourceViolations(secretsEncryption, { type: "eks:index:Cluster", props: { name: "c", encryptionConfigKeyArn: UNKNOWN } })).to.deep.equal([]);
        expect(await resourceViolations(secretsEncryption, { type: "aws:eks/cluster:Cluster", props: { name: "c", encryptionConfig: { provider: { keyArn: UNKNOWN }, resources: ["secrets"] } } })).to.deep.equal([]);
        expect(await resourceViolations(secretsEncryption, { type: "aws:eks/cluster:Cluster", props: { name: "c", encryptionConfig: UNKNOWN } })).to.deep.equal([]);
        expect(await resourceViolations(secretsEncryption, { type: "eks:index:Cluster", props: { name: "c" } })).to.deep.equal(["EKS cluster c does not encrypt secrets with KMS."]);
    });

    describe("vpc-flow-logs", () => {
        const vpc: FakeResource = { type: "awsx:ec2:Vpc", name: "vpc", props: { vpcId: UNKNOWN } };
        const other: FakeResource = { type: "awsx:ec2:Vpc", name: "other", props: { vpcId: UNKNOWN } };
        const flowLog = (of: string): FakeResource => ({ type: "aws:ec2/flowLog:FlowLog", props: { vpcId: UNKNOWN, trafficType: "ALL" }, propertyDependencies: { vpcId: [of] } });

        it("a flow log whose VPC id is not known yet belongs to the VPC it comes from", async () => {
            expect(await stackViolations(vpcFlowLogs, [vpc, flowLog("vpc")])).to.deep.equal([]);
            expect(await stackViolations(vpcFlowLogs, [vpc, other, flowLog("other")])).to.deep.equal([
                "VPC vpc has no flow log; rejected and accepted connections would leave no trace for an investigation.",
            ]);
        });
    });

    describe("karpenter-interruption-queue", () => {
        const release: FakeResource = { type: "kubernetes:helm.sh/v3:Release", props: { chart: "oci://public.ecr.aws/karpenter/karpenter", values: { settings: { interruptionQueue: "demo" } } } };
        const queue: FakeResource = { type: "aws:sqs/queue:Queue", name: "queue", props: { name: "demo", url: UNKNOWN, arn: UNKNOWN, sqsManagedSseEnabled: true } };
        const tlsOnly = (queueName: string): FakeResource => ({
            type: "aws:sqs/queuePolicy:QueuePolicy",
            props: { queueUrl: UNKNOWN, policy: JSON.stringify({ Statement: [{ Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } }] }) },
            propertyDependencies: { queueUrl: [queueName] },
        });
        const rules = (target: string): FakeResource[] =>
            UPSTREAM_RULES.flatMap((pattern, i) => [
                { type: "aws:cloudwatch/eventRule:EventRule", name: `rule${i}`, props: { name: `demo-${i}`, eventPattern: JSON.stringify(pattern) } },
                { type: "aws:cloudwatch/eventTarget:EventTarget", name: `target${i}`, props: { rule: `demo-${i}`, arn: UNKNOWN }, propertyDependencies: { arn: [target] } },
            ]);
        const elsewhere: FakeResource = { type: "aws:sqs/queue:Queue", name: "elsewhere", props: { name: "elsewhere", url: UNKNOWN, arn: UNKNOWN } };

        it("its queue policy and rule targets, by URL and ARN not known yet, are the ones that come from the queue", async () => {
            expect(await stackViolations(interruptionHandling, [release, queue, tlsOnly("queue"), ...rules("queue")])).to.deep.equal([]);
            const violations = await stackViolations(interruptionHandling, [release, queue, elsewhere, tlsOnly("elsewhere"), ...rules("elsewhere")]);
            expect(violations[0]).to.equal("queue demo has no policy denying requests without TLS (aws:SecureTransport false).");
            expect(violations.slice(1)).to.have.length(5);
            for (const v of violations.slice(1)) expect(v).to.match(/^EventBridge rule demo-\d \(".*"\) does not target queue demo\.$/);
        });

        it("at a first preview the chart shows no outputs: the queues the interruption rules target are checked", async () => {
            const noOutputs: FakeResource = { type: "kubernetes:helm.sh/v3:Release", props: {} };
            expect(await stackViolations(interruptionHandling, [noOutputs, queue, tlsOnly("queue"), ...rules("queue")])).to.deep.equal([]);
            const plain = { ...queue, props: { ...queue.props, sqsManagedSseEnabled: false } };
            expect(await stackViolations(interruptionHandling, [noOutputs, plain, tlsOnly("queue"), ...rules("queue")])).to.deep.equal(["queue demo is not encrypted (set sqsManagedSseEnabled or a KMS key)."]);
            // A queue no interruption rule targets is not the interruption queue; no chart at all, nothing to check.
            expect(await stackViolations(interruptionHandling, [noOutputs, { ...elsewhere, props: { ...elsewhere.props, sqsManagedSseEnabled: false } }, plain, tlsOnly("queue"), ...rules("queue")])).to.deep.equal([
                "queue demo is not encrypted (set sqsManagedSseEnabled or a KMS key).",
            ]);
            expect(await stackViolations(interruptionHandling, [plain, tlsOnly("queue"), ...rules("queue")])).to.deep.equal([]);
            // Charts with outputs, none Karpenter's: not a first preview of this chart, nothing to check.
            const otherChart: FakeResource = { type: "kubernetes:helm.sh/v3:Release", props: { chart: "oci://example/other" } };
            expect(await stackViolations(interruptionHandling, [otherChart, plain, tlsOnly("queue"), ...rules("queue")])).to.deep.equal([]);
            // A queue only a rule of another kind targets (a schedule) is not the interruption queue.
            const nightly: FakeResource[] = [
                { type: "aws:cloudwatch/eventRule:EventRule", name: "nightly", props: { name: "nightly", scheduleExpression: "rate(1 day)" } },
                { type: "aws:cloudwatch/eventTarget:EventTarget", name: "nightly-target", props: { rule: "nightly", arn: UNKNOWN }, propertyDependencies: { arn: ["elsewhere"] } },
            ];
            const unencryptedElsewhere = { ...elsewhere, props: { ...elsewhere.props, sqsManagedSseEnabled: false } };
            expect(await stackViolations(interruptionHandling, [noOutputs, queue, unencryptedElsewhere, tlsOnly("queue"), ...rules("queue"), ...nightly])).to.deep.equal([]);
        });

        it("chart values not known yet: the policy does not run (it cannot tell which queue)", async () => {
            const unknownValues = { ...release, props: { ...release.props, values: UNKNOWN } };
            expect(await stackViolations(interruptionHandling, [unknownValues, queue, tlsOnly("queue"), ...rules("queue")])).to.deep.equal([`${NOT_RUN}: string value at .values can't be known during preview`]);
        });
    });

    describe("karpenter-discovery-tags", () => {
        const cluster: FakeResource = { type: "aws:eks/cluster:Cluster", name: "cluster", props: { name: "demo" } };
        const vpc: FakeResource = {
            type: "awsx:ec2:Vpc",
            name: "vpc",
            props: { vpcId: UNKNOWN, subnetSpecs: [{ type: "Private", tags: { "karpenter.sh/discovery": "demo" } }, { type: "Public" }] },
        };
        const nodeClass: FakeResource = { type: "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", props: { metadata: { name: "default" }, spec: {} } };
        const tag = (from: string, value = "demo"): FakeResource => ({ type: "aws:ec2/tag:Tag", name: "tag", props: { resourceId: UNKNOWN, key: "karpenter.sh/discovery", value }, propertyDependencies: { resourceId: [from] } });
        const sg: FakeResource = { type: "aws:ec2/securityGroup:SecurityGroup", name: "sg", props: { id: UNKNOWN } };
        const subnet: FakeResource = { type: "aws:ec2/subnet:Subnet", name: "subnet", props: { id: UNKNOWN } };

        it("a tag on an id not known yet tags what the id comes from: the EKS cluster's security group, a security group, a subnet", async () => {
            expect(await stackViolations(discoveryTags, [cluster, vpc, nodeClass, tag("cluster")])).to.deep.equal([]);
            expect(await stackViolations(discoveryTags, [cluster, vpc, nodeClass, sg, tag("sg")])).to.deep.equal([]);
            expect(await stackViolations(discoveryTags, [cluster, vpc, nodeClass, sg, tag("sg", "other")])).to.deep.equal(["aws:ec2/tag:Tag tag has karpenter.sh/discovery=other, but the cluster is demo."]);
            // A subnet tagged, no security group: Karpenter would find no security group.
            expect(await stackViolations(discoveryTags, [cluster, vpc, nodeClass, subnet, tag("subnet")])).to.deep.equal([
                "no security group carries karpenter.sh/discovery=demo; Karpenter would find nowhere to launch nodes.",
            ]);
        });

        it("an id not known yet that comes from a VPC component (its VPC's or a subnet's?): the policy does not run", async () => {
            expect(await stackViolations(discoveryTags, [cluster, vpc, nodeClass, tag("vpc")])).to.deep.equal([`${NOT_RUN}: string value at .resourceId can't be known during preview`]);
        });
    });

    describe("karpenter-nodeclass-private-subnets", () => {
        const nodeClass = (term: Record<string, unknown>): FakeResource => ({ type: "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", props: { metadata: { name: "default" }, spec: { subnetSelectorTerms: [term] } } });

        it("public subnet ids not known yet cannot be selected by id; their tags still count", async () => {
            const vpc: FakeResource = { type: "awsx:ec2:Vpc", props: { publicSubnetIds: UNKNOWN, subnetSpecs: [{ type: "Public", tags: { tier: "public" } }] } };
            expect(await stackViolations(nodeClassPrivateSubnets, [vpc, nodeClass({ id: "subnet-0123456789abcdef0" })])).to.deep.equal([]);
            expect(await stackViolations(nodeClassPrivateSubnets, [vpc, nodeClass({ tags: { tier: "public" } })])).to.deep.equal([
                'EC2NodeClass default selects subnets tagged {"tier":"public"}, which public subnets carry; select the private subnets only.',
            ]);
            // Partly known (one subnet's id known): the known one still counts.
            const partly: FakeResource = { type: "awsx:ec2:Vpc", props: { publicSubnetIds: ["subnet-0123456789abcdef0", UNKNOWN] } };
            expect(await stackViolations(nodeClassPrivateSubnets, [partly, nodeClass({ id: "subnet-0123456789abcdef0" })])).to.deep.equal([
                "EC2NodeClass default selects public subnet subnet-0123456789abcdef0; nodes there would get public addresses next to the load balancers.",
            ]);
        });

        it("tags put on a subnet whose id is not known yet: the policy does not run (it groups a subnet's tags by id)", async () => {
            const subnet: FakeResource = { type: "aws:ec2/subnet:Subnet", name: "subnet", props: { id: UNKNOWN } };
            const elbTag: FakeResource = { type: "aws:ec2/tag:Tag", props: { resourceId: UNKNOWN, key: "kubernetes.io/role/elb", value: "1" }, propertyDependencies: { resourceId: ["subnet"] } };
            expect(await stackViolations(nodeClassPrivateSubnets, [subnet, elbTag, nodeClass({ tags: { "kubernetes.io/role/elb": "1" } })])).to.deep.equal([
                `${NOT_RUN}: string value at .resourceId can't be known during preview`,
            ]);
        });
    });
});

describe("links between resources at a first preview (policies/graph.ts refersTo)", () => {
    it("a link by a value not known yet, with no property dependency to follow, stops the policy instead of answering no", async () => {
        const release: FakeResource = { type: "kubernetes:helm.sh/v3:Release", props: { chart: "oci://public.ecr.aws/karpenter/karpenter", values: { settings: { interruptionQueue: "demo" } } } };
        const queue: FakeResource = { type: "aws:sqs/queue:Queue", name: "queue", props: { name: "demo", url: UNKNOWN, arn: UNKNOWN, sqsManagedSseEnabled: true } };
        // The queue policy's URL is unknown and nothing says which queue it came from (e.g. written by hand).
        const orphan: FakeResource = { type: "aws:sqs/queuePolicy:QueuePolicy", props: { queueUrl: UNKNOWN, policy: "{}" } };
        expect(await stackViolations(interruptionHandling, [release, queue, orphan])).to.deep.equal([`${NOT_RUN}: string value at .queueUrl can't be known during preview`]);
    });
});

describe("karpenter-interruption-queue: the queue's own policy at a first preview", () => {
    const release: FakeResource = { type: "kubernetes:helm.sh/v3:Release", props: { chart: "oci://public.ecr.aws/karpenter/karpenter", values: { settings: { interruptionQueue: "demo" } } } };
    // The queue's `policy` is a computed output (the @pulumi/aws typings: pulumi.Output<string>): unknown at a first preview.
    const queue: FakeResource = { type: "aws:sqs/queue:Queue", name: "queue", props: { name: "demo", url: UNKNOWN, arn: UNKNOWN, policy: UNKNOWN, sqsManagedSseEnabled: true } };
    const queuePolicy = (statement: Record<string, unknown>): FakeResource => ({
        type: "aws:sqs/queuePolicy:QueuePolicy",
        props: { queueUrl: UNKNOWN, policy: JSON.stringify({ Statement: [statement] }) },
        propertyDependencies: { queueUrl: ["queue"] },
    });
    const rules: FakeResource[] = UPSTREAM_RULES.flatMap((pattern, i) => [
        { type: "aws:cloudwatch/eventRule:EventRule", name: `rule${i}`, props: { name: `demo-${i}`, eventPattern: JSON.stringify(pattern) } },
        { type: "aws:cloudwatch/eventTarget:EventTarget", name: `target${i}`, props: { rule: `demo-${i}`, arn: UNKNOWN }, propertyDependencies: { arn: ["queue"] } },
    ]);

    it("a QueuePolicy denying plain HTTP decides; without one the policy does not run (the own policy might deny)", async () => {
        const deny = queuePolicy({ Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } });
        expect(await stackViolations(interruptionHandling, [release, queue, deny, ...rules])).to.deep.equal([]);
        const allow = queuePolicy({ Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sqs:SendMessage", Resource: "*" });
        expect(await stackViolations(interruptionHandling, [release, queue, allow, ...rules])).to.deep.equal([`${NOT_RUN}: string value at .policy can't be known during preview`]);
        // Known and without a denial (an update): reported.
        const known = { ...queue, props: { ...queue.props, policy: "{}" } };
        expect(await stackViolations(interruptionHandling, [release, known, allow, ...rules])).to.deep.equal(["queue demo has no policy denying requests without TLS (aws:SecureTransport false)."]);
    });
});
