/**
 * Plain IAM document types and the builders shared by every component. Documents are plain data so they can
 * be rendered, size-checked and simulated without Pulumi; components serialise them with `JSON.stringify`.
 */

export type Condition = Record<string, Record<string, string | string[] | boolean>>;

export interface Statement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Principal?: "*" | { Service?: string | string[]; Federated?: string; AWS?: string | string[] };
    Action: string | string[];
    Resource?: string | string[];
    Condition?: Condition;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Id?: string;
    Statement: Statement[];
}

/** Where the stack runs, for building ARNs that work in every partition (aws, aws-cn, aws-us-gov). */
export interface AwsScope {
    partition: string;
    /** "amazonaws.com", or "amazonaws.com.cn" in China. */
    dnsSuffix: string;
    region: string;
    accountId: string;
}

/** A role trust policy for an AWS service such as "ec2" or "pods.eks". */
export function serviceTrustPolicy(service: string, dnsSuffix: string, actions: string[] = ["sts:AssumeRole"]): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: `${service}.${dnsSuffix}` }, Action: actions.length === 1 ? actions[0] : actions }],
    };
}

/** ARN of an AWS managed policy, e.g. awsManagedPolicyArn("aws", "AmazonEKSWorkerNodePolicy"). */
export function awsManagedPolicyArn(partition: string, policyName: string): string {
    return `arn:${partition}:iam::aws:policy/${policyName}`;
}

/**
 * ARN of an IAM role or customer managed policy, from its path and name (IAM identifiers:
 * `arn:<partition>:iam::<account>:role<path><name>`, the path "/" or "/a/b/"). Known before the role exists: a
 * document or reference built from it is known at a first preview, where the provider's `arn` output is not and
 * every policy that reads it could not run. Build it from the resource's `name` output to keep the dependency.
 */
export function iamArn(partition: string, accountId: string, kind: "role" | "policy", path: string, name: string): string {
    return `arn:${partition}:iam::${accountId}:${kind}${path}${name}`;
}

/**
 * The AWS managed policies every EKS node role needs (worker, CNI, image pulls, Session Manager), as the
 * Karpenter getting-started template attaches them to its node role.
 */
export const NODE_ROLE_MANAGED_POLICIES = [
    "AmazonEKS_CNI_Policy",
    "AmazonEKSWorkerNodePolicy",
    "AmazonEC2ContainerRegistryPullOnly",
    "AmazonSSMManagedInstanceCore",
] as const;

/** Size of a document as IAM counts it for the managed-policy quota (whitespace excluded). */
export function policySize(document: PolicyDocument): number {
    return JSON.stringify(document).replace(/\s/g, "").length;
}

/** Path and permissions boundary every role of the stack carries (organization IAM rules). */
export function roleSettings(iam: { path: string; permissionsBoundaryArn?: string }): { path: string; permissionsBoundary?: string } {
    return { path: iam.path, ...(iam.permissionsBoundaryArn ? { permissionsBoundary: iam.permissionsBoundaryArn } : {}) };
}
