import { runSimulation } from "@cloud-copilot/iam-simulate";
import type { PolicyDocument } from "../../components/iam";

export interface Request {
    action: string;
    resource: string;
    context?: Record<string, string | string[]>;
}

/** The IAM policy simulator's verdict for a request by a role holding these identity policies. */
export async function simulate(policies: Record<string, PolicyDocument>, request: Request): Promise<string> {
    const result = await runSimulation(
        {
            request: {
                principal: "arn:aws:iam::123456789012:role/karpenter",
                action: request.action,
                resource: { resource: request.resource, accountId: "123456789012" },
                contextVariables: request.context ?? {},
            },
            identityPolicies: Object.entries(policies).map(([name, policy]) => ({ name, policy })),
            serviceControlPolicies: [],
            resourceControlPolicies: [],
        },
        {},
    );
    if (result.resultType === "error") throw new Error(`simulation error: ${JSON.stringify(result.errors)}`);
    return result.overallResult;
}
