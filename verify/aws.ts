import { DescribeAccessEntryCommand, DescribePodIdentityAssociationCommand, EKSClient, ListPodIdentityAssociationsCommand } from "@aws-sdk/client-eks";
import { DescribeRuleCommand, EventBridgeClient, ListTargetsByRuleCommand } from "@aws-sdk/client-eventbridge";
import { GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { GetQueueAttributesCommand, GetQueueUrlCommand, QueueAttributeName, SQSClient } from "@aws-sdk/client-sqs";
import { INTERRUPTION_RULES, QUEUE_RETENTION_SECONDS, eventPattern } from "../components/karpenter/interruption";
import { guarded } from "./install";
import type { Expectations } from "./outputs";
import type { CheckResult } from "./report";

export interface AwsClients {
    sqs: SQSClient;
    eventBridge: EventBridgeClient;
    eks: EKSClient;
    iam: IAMClient;
}

/** What the AWS checks call: every IAM action the person (or CI role) running the command needs, and no other. */
export const VERIFY_IAM_ACTIONS = [
    "eks:DescribeAccessEntry",
    "eks:DescribePodIdentityAssociation",
    "eks:ListPodIdentityAssociations",
    "events:DescribeRule",
    "events:ListTargetsByRule",
    "iam:GetRole",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
] as const;

type Statement = { Effect?: string; Principal?: unknown; Action?: string | string[]; Resource?: string | string[]; Condition?: Record<string, Record<string, unknown>> };

const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

/** Checks of what the stack created in AWS for Karpenter: credentials, interruption queue and rules, node access. */
export async function awsChecks(aws: AwsClients, x: Expectations, signal?: AbortSignal): Promise<CheckResult[]> {
    const send = { abortSignal: signal };
    const results: CheckResult[] = [];
    const k = x.karpenter;
    if (k.auth === "podIdentity") {
        results.push(
            ...(await guarded("aws", "controller credentials", async () => {
                const listed = await aws.eks.send(new ListPodIdentityAssociationsCommand({ clusterName: x.clusterName, namespace: k.namespace, serviceAccount: k.serviceAccount }), send);
                const first = listed.associations?.[0];
                if (!first?.associationId) return { name: "controller credentials", status: "fail", detail: `no EKS Pod Identity association for ${k.namespace}/${k.serviceAccount} in cluster ${x.clusterName}` };
                const described = await aws.eks.send(new DescribePodIdentityAssociationCommand({ clusterName: x.clusterName, associationId: first.associationId }), send);
                const roleArn = described.association?.roleArn;
                const ok = roleArn === k.roleArn;
                return {
                    name: "controller credentials",
                    status: ok ? "pass" : "fail",
                    detail: ok ? `Pod Identity association ${first.associationId}: ${k.namespace}/${k.serviceAccount} → ${roleArn}` : `Pod Identity association ${first.associationId} gives role ${roleArn}, expected ${k.roleArn}`,
                };
            })),
        );
    }
    let queueArn: string | undefined;
    results.push(
        ...(await guarded("aws", "interruption queue", async () => {
            const { QueueUrl } = await aws.sqs.send(new GetQueueUrlCommand({ QueueName: x.queueName }), send);
            const { Attributes: a = {} } = await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: [QueueAttributeName.All] }), send);
            queueArn = a.QueueArn;
            const problems: string[] = [];
            if (a.MessageRetentionPeriod !== String(QUEUE_RETENTION_SECONDS)) problems.push(`retention ${a.MessageRetentionPeriod} s, expected ${QUEUE_RETENTION_SECONDS} s`);
            const encryption = a.SqsManagedSseEnabled === "true" ? "SQS-managed SSE" : a.KmsMasterKeyId ? `KMS ${a.KmsMasterKeyId}` : undefined;
            if (!encryption) problems.push("not encrypted");
            const statements = (a.Policy ? ((JSON.parse(a.Policy) as { Statement?: Statement | Statement[] }).Statement ?? []) : []) as Statement | Statement[];
            const all = Array.isArray(statements) ? statements : [statements];
            const eventsMaySend = all.some(
                (s) =>
                    s.Effect === "Allow" &&
                    list((s.Principal as { Service?: unknown } | undefined)?.Service).some((svc) => svc.startsWith("events.")) &&
                    list(s.Action).some((act) => act === "sqs:SendMessage" || act === "sqs:*") &&
                    list(s.Resource).some((r) => r === queueArn || r === "*"),
            );
            const tlsOnly = all.some((s) => s.Effect === "Deny" && String(s.Condition?.Bool?.["aws:SecureTransport"]) === "false");
            if (!eventsMaySend) problems.push("the policy does not let EventBridge send messages");
            if (!tlsOnly) problems.push("the policy does not deny requests without TLS");
            return {
                name: "interruption queue",
                status: problems.length === 0 ? "pass" : "fail",
                detail: problems.length === 0 ? `${x.queueName}: ${QUEUE_RETENTION_SECONDS} s retention, ${encryption}, EventBridge may send, TLS only` : `${x.queueName}: ${problems.join("; ")}`,
            };
        })),
    );
    results.push(
        ...(await guarded("aws", "interruption rules", async () => {
            const problems: string[] = [];
            for (const rule of INTERRUPTION_RULES) {
                const name = `${x.clusterName}-${rule.name}`;
                try {
                    const r = await aws.eventBridge.send(new DescribeRuleCommand({ Name: name }), send);
                    if (r.State !== "ENABLED") problems.push(`${name} is ${r.State}`);
                    if (JSON.stringify(normalize(JSON.parse(r.EventPattern ?? "{}"))) !== JSON.stringify(normalize(eventPattern(rule)))) problems.push(`${name} matches ${r.EventPattern}, not ${rule.source} "${rule.detailType}"`);
                    const targets = await aws.eventBridge.send(new ListTargetsByRuleCommand({ Rule: name }), send);
                    if (!targets.Targets?.some((t) => queueArn !== undefined && t.Arn === queueArn)) problems.push(`${name} does not target the queue${queueArn ? "" : " (queue not found)"}`);
                } catch (e) {
                    if ((e as Error).name === "ResourceNotFoundException") problems.push(`${name} does not exist`);
                    else throw e;
                }
            }
            return {
                name: "interruption rules",
                status: problems.length === 0 ? "pass" : "fail",
                detail: problems.length === 0 ? `${INTERRUPTION_RULES.length} rules enabled, each matching its event and targeting ${x.queueName}` : problems.join("; "),
            };
        })),
    );
    results.push(
        ...(await guarded("aws", "node access entry", async () => {
            const role = await aws.iam.send(new GetRoleCommand({ RoleName: x.nodeRoleName }), send);
            const principalArn = role.Role?.Arn;
            try {
                const entry = await aws.eks.send(new DescribeAccessEntryCommand({ clusterName: x.clusterName, principalArn }), send);
                const type = entry.accessEntry?.type;
                return { name: "node access entry", status: type === "EC2_LINUX" ? "pass" : "fail", detail: `${principalArn}: type ${type}${type === "EC2_LINUX" ? "" : ", expected EC2_LINUX"}` };
            } catch (e) {
                if ((e as Error).name === "ResourceNotFoundException") return { name: "node access entry", status: "fail", detail: `no access entry for ${principalArn}: nodes Karpenter launches cannot join the cluster` };
                throw e;
            }
        })),
    );
    return results;
}

/** Event patterns compare as sets of keys with sorted values (EventBridge keeps the JSON as given). */
function normalize(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(normalize).sort();
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([key, val]) => [key, normalize(val)]));
    return v;
}
