import type { ResourceValidationPolicy } from "@pulumi/policy";

export const logRetention: ResourceValidationPolicy = {
    name: "cloudwatch-log-retention",
    description: "CloudWatch log groups keep their events at least minRetentionDays (unset means never expire, which passes).",
    configSchema: { properties: { minRetentionDays: { type: "integer", default: 30, minimum: 1 } } },
    validateResource: (args, report) => {
        if (args.type !== "aws:cloudwatch/logGroup:LogGroup") return;
        const { minRetentionDays } = args.getConfig<{ minRetentionDays: number }>();
        const days = args.props.retentionInDays;
        if (days !== undefined && days !== 0 && days < minRetentionDays) {
            report(`log group ${args.props.name ?? args.name} keeps events ${days} days; at least ${minRetentionDays}, or the evidence of an incident is gone before anyone looks.`);
        }
    },
};

export const logPolicies = [logRetention];
