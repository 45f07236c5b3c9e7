import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { IamConfig } from "./config";
import { PolicyDocument, roleSettings } from "./iam";

/** VPC flow logs of a VPC the stack creates: all traffic, to a CloudWatch log group with a retention. */
export interface FlowLogArgs {
    vpcId: pulumi.Input<string>;
    /** Name of the log group, `/aws/vpc/<clusterName>/flow-logs`. */
    logGroupName: string;
    /** Retention of the log group, one of CloudWatch's periods. */
    retentionInDays: number;
    /** Path and permissions boundary of the delivery role. */
    iam: IamConfig;
}

/**
 * Trust of the delivery role: the VPC Flow Logs service, only on behalf of this account (AWS VPC User Guide,
 * "IAM role for publishing flow logs to CloudWatch Logs": aws:SourceAccount prevents the confused deputy).
 */
export function flowLogTrustPolicy(dnsSuffix: string, accountId: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: `vpc-flow-logs.${dnsSuffix}` }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": accountId } } }],
    };
}

/** What delivery needs (same guide), on this log group's streams only instead of the guide's `*`. */
export function flowLogDeliveryPolicy(logGroupArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DeliverFlowLogs",
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                Resource: [logGroupArn, `${logGroupArn}:*`],
            },
        ],
    };
}

/** A log group's ARN as the provider's `arn` output has it (no trailing `:*`), known before the group exists. */
export function logGroupArn(partition: string, region: string, accountId: string, logGroupName: string): string {
    return `arn:${partition}:logs:${region}:${accountId}:log-group:${logGroupName}`;
}

/** Registers the log group, the delivery role and the flow log as children of `parent`, named `${name}-flow-logs`. */
export function createFlowLogs(name: string, args: FlowLogArgs, parent: pulumi.Resource): aws.ec2.FlowLog {
    const identity = aws.getCallerIdentityOutput({}, { parent });
    const partition = aws.getPartitionOutput({}, { parent });
    const region = aws.getRegionOutput({}, { parent });
    const logGroup = new aws.cloudwatch.LogGroup(`${name}-flow-logs`, { name: args.logGroupName, retentionInDays: args.retentionInDays }, { parent });
    const role = new aws.iam.Role(
        `${name}-flow-logs`,
        {
            description: `Delivers the flow logs of VPC to ${args.logGroupName}`,
            ...roleSettings(args.iam),
            assumeRolePolicy: pulumi.all([partition.dnsSuffix, identity.accountId]).apply(([dnsSuffix, accountId]) => JSON.stringify(flowLogTrustPolicy(dnsSuffix, accountId))),
        },
        { parent },
    );
    // The document names the log group by an ARN built from its name: known at a first preview, so the IAM policies run.
    new aws.iam.RolePolicy(
        `${name}-flow-logs`,
        {
            role: role.name,
            policy: pulumi
                .all([partition.partition, region.region, identity.accountId, logGroup.name])
                .apply(([p, r, accountId, n]) => JSON.stringify(flowLogDeliveryPolicy(logGroupArn(p, r, accountId, n)))),
        },
        { parent },
    );
    return new aws.ec2.FlowLog(
        `${name}-flow-logs`,
        { vpcId: args.vpcId, trafficType: "ALL", logDestinationType: "cloud-watch-logs", logDestination: logGroup.arn, iamRoleArn: role.arn, maxAggregationInterval: 600 },
        { parent },
    );
}
