import { expect } from "chai";
import { INTERRUPTION_RULES, QUEUE_RETENTION_SECONDS, QUEUE_TARGET_ID, eventPattern, interruptionQueuePolicy, queueArn } from "../components/karpenter/interruption";
import { UPSTREAM_QUEUE, UPSTREAM_RULES, UPSTREAM_TARGET_ID } from "./fixtures/upstreamKarpenter";

/** EventBridge rule names: 1 to 64 of letters, digits, '.', '-', '_' (EventBridge API reference, PutRule Name). */
const EVENTBRIDGE_RULE_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;
/** The longest cluster name config accepts (components/config.ts CLUSTER_NAME: at most 40 characters). */
const LONGEST_CLUSTER = "c".repeat(40);

describe("interruption builders (facts from upstream's CloudFormation and the AWS APIs)", () => {
    it("builds exactly upstream's five event patterns, one per rule", () => {
        expect(INTERRUPTION_RULES.map(eventPattern)).to.deep.equal(UPSTREAM_RULES);
        expect(QUEUE_TARGET_ID).to.equal(UPSTREAM_TARGET_ID);
        expect(QUEUE_RETENTION_SECONDS).to.equal(UPSTREAM_QUEUE.retentionSeconds);
    });

    it("names every rule so that <cluster>-<rule> is a distinct valid EventBridge rule name for the longest cluster name", () => {
        const names = INTERRUPTION_RULES.map((r) => `${LONGEST_CLUSTER}-${r.name}`);
        for (const name of names) expect(name, name).to.match(EVENTBRIDGE_RULE_NAME);
        for (const rule of INTERRUPTION_RULES) expect(rule.name, "a rule name says which events it routes").to.match(/^[a-z]+(-[a-z]+)*$/);
        expect(new Set(names).size, "rule names collide").to.equal(INTERRUPTION_RULES.length);
    });

    it("writes the queue ARN in SQS's format arn:<partition>:sqs:<region>:<account>:<queue>", () => {
        expect(queueArn("aws-cn", "cn-north-1", "123456789012", "demo")).to.equal("arn:aws-cn:sqs:cn-north-1:123456789012:demo");
    });

    it("writes upstream's queue policy: EventBridge and SQS may send (literal service principals, aws-cn too), nothing over plain HTTP", () => {
        const arn = "arn:aws-cn:sqs:cn-north-1:123456789012:demo";
        expect(interruptionQueuePolicy(arn)).to.deep.equal({
            Version: "2012-10-17",
            // Upstream's KarpenterInterruptionQueuePolicy: PolicyDocument Id EC2InterruptionPolicy.
            Id: "EC2InterruptionPolicy",
            Statement: [
                {
                    Sid: "AllowEventBridgeToSend",
                    Effect: "Allow",
                    Principal: { Service: ["events.amazonaws.com", "sqs.amazonaws.com"] },
                    Action: "sqs:SendMessage",
                    Resource: arn,
                },
                { Sid: "DenyHTTP", Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: arn, Condition: { Bool: { "aws:SecureTransport": "false" } } },
            ],
        });
    });
});
