import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { statements } from "./util";

/** Condition keys that tie a cross-account trust to one caller: an external id, or the caller's organization. */
const CROSS_ACCOUNT_GUARDS = ["sts:externalid", "aws:principalorgid", "aws:principalorgpaths"];

/**
 * The account the stack deploys into, read from ARNs the program builds from the caller's identity: its own
 * managed policies, the controller's Pod Identity association, the node access entries, and the IAM ARNs inside
 * its managed policies (known at a first preview, when the ARNs AWS assigns are not).
 */
export function stackAccounts(resources: PolicyResource[]): string[] {
    const arns = resources.flatMap((r) => {
        if (r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment") return [r.props.policyArn];
        if (r.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation") return [r.props.roleArn];
        if (r.type === "aws:eks/accessEntry:AccessEntry" && r.props.type === "EC2_LINUX") return [r.props.principalArn];
        if (r.type === "aws:iam/policy:Policy") return statements(r.props.policy).flatMap((s) => s.resources);
        return [];
    });
    return [...new Set(arns.flatMap((a) => /^arn:[^:]+:iam::(\d{12}):/.exec(String(a))?.[1] ?? []))];
}

const accountOf = (principal: string): string | undefined => (/^\d{12}$/.test(principal) ? principal : /^arn:[^:]+:(iam|sts)::(\d{12}):/.exec(principal)?.[2]);

export const crossAccountTrust: StackValidationPolicy = {
    name: "iam-trust-cross-account",
    description: "A role trusting an AWS principal of another account requires sts:ExternalId or an organization condition (aws:PrincipalOrgID / aws:PrincipalOrgPaths).",
    configSchema: { properties: { trustedAccountIds: { type: "array", items: { type: "string" }, default: [] } } },
    validateStack: (args, report) => {
        const { trustedAccountIds } = args.getConfig<{ trustedAccountIds: string[] }>();
        const own = [...stackAccounts(args.resources), ...trustedAccountIds];
        for (const role of args.resources.filter((r) => r.type === "aws:iam/role:Role")) {
            for (const s of statements(role.props.assumeRolePolicy)) {
                if (s.effect !== "Allow" || !s.principal || typeof s.principal !== "object") continue;
                const aws = ([] as string[]).concat((s.principal as { AWS?: string | string[] }).AWS ?? []);
                const keys = Object.values(s.condition ?? {}).flatMap((c) => Object.keys(c).map((k) => k.toLowerCase()));
                if (keys.some((k) => CROSS_ACCOUNT_GUARDS.includes(k))) continue;
                for (const principal of aws) {
                    const account = accountOf(principal);
                    if (principal !== "*" && account !== undefined && own.includes(account)) continue;
                    report(`role ${role.props.name ?? role.name} trusts ${principal} from another account without sts:ExternalId or an aws:PrincipalOrgID condition (confused deputy).`, role.urn);
                }
            }
        }
    },
};
