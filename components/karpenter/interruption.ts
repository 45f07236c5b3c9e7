import { PolicyDocument } from "../iam";

/**
 * Interruption handling as upstream Karpenter v1.14.1 sets it up: an SQS queue named after the cluster that keeps
 * messages 5 minutes (an interruption notice is useless later), encrypted with SQS-managed keys, fed by
 * EventBridge rules for the events that end or threaten an instance.
 */

/** Seconds a message stays in the queue. */
export const QUEUE_RETENTION_SECONDS = 300;

export interface InterruptionRule {
    /** Suffix of the rule's logical and physical names (≤ 23 characters: EventBridge names hold 64). */
    name: string;
    source: string;
    detailType: string;
}

/** The five rules upstream routes to the queue, each matching one source and detail-type. */
export const INTERRUPTION_RULES: readonly InterruptionRule[] = [
    { name: "scheduled-change", source: "aws.health", detailType: "AWS Health Event" },
    { name: "spot-interruption", source: "aws.ec2", detailType: "EC2 Spot Instance Interruption Warning" },
    { name: "rebalance", source: "aws.ec2", detailType: "EC2 Instance Rebalance Recommendation" },
    { name: "instance-state-change", source: "aws.ec2", detailType: "EC2 Instance State-change Notification" },
    { name: "capacity-interruption", source: "aws.ec2", detailType: "EC2 Capacity Reservation Instance Interruption Warning" },
];

/** Target id of every rule's queue target, as upstream names it. */
export const QUEUE_TARGET_ID = "KarpenterInterruptionQueueTarget";

export function eventPattern(rule: InterruptionRule): { source: string[]; "detail-type": string[] } {
    return { source: [rule.source], "detail-type": [rule.detailType] };
}

/**
 * Lets EventBridge (and SQS) deliver to the queue and refuses any request not made over TLS. The principals are
 * literal in every partition, as in upstream's v1.14.1 CloudFormation (getting-started-with-karpenter/
 * cloudformation.yaml): "events.amazonaws.com.cn" is no service principal, so a DNS-suffixed form breaks aws-cn.
 */
export function interruptionQueuePolicy(queueArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Id: "EC2InterruptionPolicy",
        Statement: [
            {
                Sid: "AllowEventBridgeToSend",
                Effect: "Allow",
                Principal: { Service: ["events.amazonaws.com", "sqs.amazonaws.com"] },
                Action: "sqs:SendMessage",
                Resource: queueArn,
            },
            {
                Sid: "DenyHTTP",
                Effect: "Deny",
                Principal: "*",
                Action: "sqs:*",
                Resource: queueArn,
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ],
    };
}

/** The queue's ARN, known before it exists (Karpenter's settings and the controller policy need it). */
export function queueArn(partition: string, region: string, accountId: string, queueName: string): string {
    return `arn:${partition}:sqs:${region}:${accountId}:${queueName}`;
}
