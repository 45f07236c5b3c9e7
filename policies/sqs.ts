import type { ResourceValidationPolicy } from "@pulumi/policy";
import { statements } from "./util";

/**
 * Who may send to a queue: only the listed service principals, as upstream Karpenter lets EventBridge and SQS
 * deliver to its interruption queue. A queue anyone can write to lets anyone inject fake interruption events
 * and make Karpenter drain nodes.
 */
export const queuePolicyPrincipals: ResourceValidationPolicy = {
    name: "sqs-queue-policy-principals",
    description: "Queue policies allow sqs:SendMessage (or any action) only to the allowed service principals (EventBridge and SQS, as upstream), never to everyone or to accounts.",
    configSchema: {
        properties: {
            allowedServicePrincipals: {
                type: "array",
                items: { type: "string" },
                default: ["events.amazonaws.com", "sqs.amazonaws.com", "events.amazonaws.com.cn", "sqs.amazonaws.com.cn"],
            },
        },
    },
    validateResource: (args, report) => {
        const document = args.type === "aws:sqs/queuePolicy:QueuePolicy" || args.type === "aws:sqs/queue:Queue" ? args.props.policy : undefined;
        if (document === undefined) return;
        const { allowedServicePrincipals } = args.getConfig<{ allowedServicePrincipals: string[] }>();
        for (const s of statements(document)) {
            if (s.effect !== "Allow") continue;
            const p = s.principal as "*" | { Service?: string | string[]; AWS?: string | string[]; Federated?: string | string[] } | undefined;
            const sid = s.sid ?? "a statement";
            const actions = s.actions.join(", ");
            if (p === "*" || p === undefined) {
                report(`${sid} allows ${actions} to everyone (Principal "*"); anyone could send fake interruption events. Allow only ${allowedServicePrincipals.join(", ")}.`);
                continue;
            }
            for (const aws of ([] as string[]).concat(p.AWS ?? [], p.Federated ?? [])) report(`${sid} allows ${actions} to ${aws}; only the service principals ${allowedServicePrincipals.join(", ")} may send.`);
            for (const service of ([] as string[]).concat(p.Service ?? [])) {
                if (!allowedServicePrincipals.includes(service)) report(`${sid} allows ${actions} to service ${service}, which is not in allowedServicePrincipals (${allowedServicePrincipals.join(", ")}).`);
            }
        }
    },
};

export const sqsPolicies = [queuePolicyPrincipals];
