import { expect } from "chai";
import { SIZE_LIMITS, accessLevel, iamPolicies, readOnly, noBroadManagedPolicies, noUnscopedMutations, noWildcardActions, passRoleScoped, permissionsBoundary, policySize, trustPolicy } from "../policies/iam";
import { FakeResource, resourceViolations, stackViolations } from "./helpers/policy";

// Facts from AWS's IAM documentation: action names are case-insensitive and take the wildcards `*` (any run of
// characters) and `?` (one character); IAM does not count whitespace against a policy's size quota (managed 6,144,
// inline per role 10,240, trust 2,048 raisable to 4,096 characters); the Service Authorization Reference gives
// every action an access level (List, Read, Write, Permissions management, Tagging).

const doc = (...Statement: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const managed = (...Statement: unknown[]): FakeResource => ({ type: "aws:iam/policy:Policy", props: { policy: doc(...Statement) } });
const inline = (type: string, ...Statement: unknown[]): FakeResource => ({ type, props: { policy: doc(...Statement) } });
const role = (trust: unknown, extra: Record<string, unknown> = {}): FakeResource => ({ type: "aws:iam/role:Role", props: { assumeRolePolicy: doc(trust), ...extra } });
const allow = (Action: unknown, Resource: unknown = "*", extra: Record<string, unknown> = {}) => ({ Effect: "Allow", Action, Resource, ...extra });

describe("iam: access levels from the Service Authorization Reference", () => {
    it("reads each action's level, case-insensitively; wildcards, unknown actions and malformed names have none", async () => {
        expect(await accessLevel("ec2:DescribeInstances")).to.equal("List");
        expect(await accessLevel("iam:GetRole")).to.equal("Read");
        expect(await accessLevel("ec2:TerminateInstances")).to.equal("Write");
        // The catalogue gives tagging and permission actions two levels.
        expect(await accessLevel("ec2:CreateTags")).to.equal("Tagging, Write");
        expect(await accessLevel("iam:PutRolePolicy")).to.equal("Permissions management, Write");
        expect(await accessLevel("EC2:describeinstances")).to.equal("List");
        for (const action of ["ec2:Describe*", "ec2:*", "ec2:DescribeInstance?", "ec2:NoSuchAction", "nosuchservice:Get", "ec2", "ec2:", "*"]) expect(await accessLevel(action), action).to.equal(undefined);
    });
});

describe("iam: read-only actions", () => {
    it("are those of level Read or List; tagging, writes, wildcards and unknown actions are not", async () => {
        for (const action of ["ec2:DescribeInstances", "iam:GetRole", "s3:ListBucket", "pricing:GetProducts"]) expect(await readOnly(action), action).to.equal(true);
        for (const action of ["ec2:CreateTags", "ec2:RunInstances", "iam:PassRole", "ec2:Describe*", "ec2:NoSuchAction"]) expect(await readOnly(action), action).to.equal(false);
    });
});

describe("iam-no-wildcard-actions", () => {
    it("refuses every action and every action of a service, in any case; a partial wildcard names a family and passes", async () => {
        expect(await resourceViolations(noWildcardActions, managed(allow(["*", "s3:*", "EC2:*", "ec2:Describe*", "elasticloadbalancing:*"]), { ...allow("kms:*"), Sid: "Keys" }))).to.deep.equal([
            "a statement allows *, s3:*, EC2:*, elasticloadbalancing:*; name the actions it needs.",
            "Keys allows kms:*; name the actions it needs.",
        ]);
        expect(await resourceViolations(noWildcardActions, managed(allow(["ec2:Describe*", "s3:Get*", "iam:*Role"])))).to.deep.equal([]);
    });

    it("refuses Allow with NotAction; Deny statements, trust policies and resource policies are not identity grants", async () => {
        expect(await resourceViolations(noWildcardActions, managed({ Sid: "Else", Effect: "Allow", NotAction: ["iam:*", "organizations:*"], Resource: "*" }))).to.deep.equal([
            "Else allows NotAction iam:*, organizations:*, which grants everything else.",
        ]);
        expect(await resourceViolations(noWildcardActions, managed({ Effect: "Deny", Action: "*", Resource: "*" }, { Effect: "Deny", NotAction: "s3:GetObject", Resource: "*" }))).to.deep.equal([]);
        expect(await resourceViolations(noWildcardActions, managed({ Effect: "Allow", NotAction: "iam:*", Resource: "*" }))).to.deep.equal(["a statement allows NotAction iam:*, which grants everything else."]);
        expect(await resourceViolations(noWildcardActions, role({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "*" }))).to.deep.equal([]);
        expect(await resourceViolations(noWildcardActions, inline("aws:sqs/queuePolicy:QueuePolicy", { Effect: "Allow", Principal: "*", Action: "sqs:*", Resource: "*" }))).to.deep.equal([
            "a statement allows sqs:*; name the actions it needs.",
        ]);
    });

    it("reads every document kind that grants: inline policies of roles, users and groups, and a role's inlinePolicies", async () => {
        for (const type of ["aws:iam/rolePolicy:RolePolicy", "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy"]) {
            expect(await resourceViolations(noWildcardActions, inline(type, allow("*"))), type).to.have.length(1);
        }
        const withInline = role({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }, { inlinePolicies: [{ name: "a", policy: doc(allow("s3:*")) }] });
        expect(await resourceViolations(noWildcardActions, withInline)).to.deep.equal(["a statement allows s3:*; name the actions it needs."]);
    });
});

describe("iam-no-unscoped-mutations", () => {
    it("refuses mutating actions (and actions of unknown level) on Resource '*' without a Condition, naming each level", async () => {
        expect(await resourceViolations(noUnscopedMutations, managed({ ...allow(["ec2:DescribeInstances", "iam:GetRole", "ec2:CreateTags", "ec2:RunInstances", "ec2:Run*", "ec2:NoSuchAction", "nosuchservice:Do"]), Sid: "M" }))).to.deep.equal([
            'M allows ec2:CreateTags (Tagging, Write), ec2:RunInstances (Write), ec2:Run* (unknown access level), ec2:NoSuchAction (unknown access level), nosuchservice:Do (unknown access level) on Resource "*" without a Condition; scope the resources or add a condition.',
        ]);
        expect(await resourceViolations(noUnscopedMutations, managed(allow(["ec2:RunInstances"], ["arn:aws:ec2:*:*:subnet/*", "*"])))).to.have.length(1);
    });

    it("passes read-only actions, named resources, a condition, Deny, trust and resource policies", async () => {
        expect(await resourceViolations(noUnscopedMutations, managed(allow(["ec2:DescribeInstances", "pricing:GetProducts", "iam:GetInstanceProfile"])))).to.deep.equal([]);
        expect(await resourceViolations(noUnscopedMutations, managed(allow("ec2:TerminateInstances", "arn:aws:ec2:us-west-2:*:instance/*")))).to.deep.equal([]);
        expect(await resourceViolations(noUnscopedMutations, managed(allow("ec2:TerminateInstances", "*", { Condition: { StringEquals: { "aws:ResourceTag/owner": "me" } } })))).to.deep.equal([]);
        expect(await resourceViolations(noUnscopedMutations, managed(allow("ec2:TerminateInstances", "*", { Condition: {} })))).to.have.length(1);
        expect(await resourceViolations(noUnscopedMutations, managed({ Effect: "Deny", Action: "ec2:TerminateInstances", Resource: "*" }))).to.deep.equal([]);
        expect(await resourceViolations(noUnscopedMutations, role({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole", Resource: "*" }))).to.deep.equal([]);
        expect(await resourceViolations(noUnscopedMutations, inline("aws:s3/bucketPolicy:BucketPolicy", { Effect: "Allow", Principal: "*", Action: "s3:PutObject", Resource: "*" }))).to.deep.equal([]);
    });
});

describe("iam-no-broad-managed-policies", () => {
    const attach = (type: string, policyArn: string): FakeResource => ({ type, props: { policyArn } });

    it("refuses AWS managed admin, power-user and full-access policies (their variants too) in every partition and path, on every attachment kind", async () => {
        for (const type of ["aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:iam/userPolicyAttachment:UserPolicyAttachment", "aws:iam/groupPolicyAttachment:GroupPolicyAttachment", "aws:iam/policyAttachment:PolicyAttachment"]) {
            expect(await resourceViolations(noBroadManagedPolicies, attach(type, "arn:aws:iam::aws:policy/PowerUserAccess")), type).to.deep.equal([
                "attaches arn:aws:iam::aws:policy/PowerUserAccess, which grants far more than a workload needs; write a scoped policy.",
            ]);
        }
        for (const arn of ["arn:aws-cn:iam::aws:policy/AdministratorAccess", "arn:aws-us-gov:iam::aws:policy/IAMFullAccess", "arn:aws:iam::aws:policy/AmazonS3FullAccess", "arn:aws:iam::aws:policy/job-function/SystemAdministrator/../AdministratorAccess", "arn:aws:iam::aws:policy/AdministratorAccess-Amplify", "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccesswithDataPipeline", "arn:aws:iam::aws:policy/PowerUserAccess"]) {
            expect(await resourceViolations(noBroadManagedPolicies, attach("aws:iam/rolePolicyAttachment:RolePolicyAttachment", arn)), arn).to.have.length(1);
        }
        const roleWith = role({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }, { managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy", "arn:aws:iam::aws:policy/AdministratorAccess"] });
        expect(await resourceViolations(noBroadManagedPolicies, roleWith)).to.deep.equal(["attaches arn:aws:iam::aws:policy/AdministratorAccess, which grants far more than a workload needs; write a scoped policy."]);
    });

    it("passes scoped AWS policies, the account's own policies whatever their name, and other resource types", async () => {
        for (const arn of ["arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy", "arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess", "arn:aws:iam::123456789012:policy/AdministratorAccess", "arn:aws:iam::123456789012:policy/TeamFullAccess"]) {
            expect(await resourceViolations(noBroadManagedPolicies, attach("aws:iam/rolePolicyAttachment:RolePolicyAttachment", arn)), arn).to.deep.equal([]);
        }
        expect(await resourceViolations(noBroadManagedPolicies, attach("aws:iam/rolePolicy:RolePolicy", "arn:aws:iam::aws:policy/AdministratorAccess"))).to.deep.equal([]);
        expect(await resourceViolations(noBroadManagedPolicies, role({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }))).to.deep.equal([]);
    });
});

describe("iam-passrole-scoped", () => {
    const scoped = { Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } } };
    const violations = (statement: Record<string, unknown>) => resourceViolations(passRoleScoped, managed({ Sid: "P", ...statement }));

    it("any action pattern that grants iam:PassRole counts, as IAM matches actions (case-insensitive, * and ?)", async () => {
        for (const action of ["iam:PassRole", "IAM:passrole", "iam:Pass*", "iam:*", "*", "iam:P*", "iam:*Role", "iam:Pass?ole", ["s3:GetObject", "iam:PassRole"]]) {
            expect(await violations(allow(action, "arn:aws:iam::123456789012:role/node")), JSON.stringify(action)).to.deep.equal(["P allows iam:PassRole without an iam:PassedToService condition."]);
        }
        for (const action of ["iam:PassRoles", "iam:GetRole", "iam:Pass", "iam:Pass?", "s3:PassRole", "iam:List*"]) {
            expect(await violations(allow(action, "arn:aws:iam::123456789012:role/node")), action).to.deep.equal([]);
        }
    });

    it("refuses resources that reach every role; a named role, a name prefix or a path scopes", async () => {
        const broad = ["*", "arn:aws:iam::123456789012:role/*", "arn:aws:iam::123456789012:role", "arn:aws:iam::123456789012:role/", "arn:aws:iam::*:role/*", "arn:aws:iam::123456789012:*", "arn:aws:iam::123456789012:role/*/*", "arn:aws:iam::123456789012:role/?*"];
        for (const resource of broad) expect(await violations(allow("iam:PassRole", resource, scoped)), resource).to.deep.equal([`P allows iam:PassRole on ${resource}; name the roles.`]);
        for (const resource of ["arn:aws:iam::123456789012:role/node", "arn:aws:iam::123456789012:role/demo-*", "arn:aws:iam::*:role/platform/*", "arn:aws:iam::123456789012:role/node-?"]) {
            expect(await violations(allow("iam:PassRole", resource, scoped)), resource).to.deep.equal([]);
        }
        expect(await violations(allow("iam:PassRole", ["arn:aws:iam::123456789012:role/node", "*"], scoped))).to.deep.equal(["P allows iam:PassRole on *; name the roles."]);
        expect(await resourceViolations(passRoleScoped, managed(allow("iam:PassRole", ["*", "arn:aws:iam::1:role/*"], scoped)))).to.deep.equal(["a statement allows iam:PassRole on *, arn:aws:iam::1:role/*; name the roles."]);
    });

    it("needs iam:PassedToService under any operator; Deny, trust policies and resource policies are skipped", async () => {
        expect(await violations(allow("iam:PassRole", "arn:aws:iam::1:role/node", { Condition: { StringLike: { "iam:PassedToService": "ec2.*" } } }))).to.deep.equal([]);
        expect(await violations(allow("iam:PassRole", "arn:aws:iam::1:role/node", { Condition: { StringEquals: { "aws:RequestedRegion": "us-west-2" } } }))).to.have.length(1);
        expect(await violations({ Effect: "Deny", Action: "iam:PassRole", Resource: "*" })).to.deep.equal([]);
        expect(await resourceViolations(passRoleScoped, role({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "iam:PassRole", Resource: "*" }))).to.deep.equal([]);
        expect(await resourceViolations(passRoleScoped, inline("aws:sqs/queuePolicy:QueuePolicy", allow("iam:PassRole")))).to.have.length(2);
        // Without a Sid the message says "a statement".
        expect(await resourceViolations(passRoleScoped, managed(allow("iam:PassRole", "arn:aws:iam::1:role/node")))).to.deep.equal(["a statement allows iam:PassRole without an iam:PassedToService condition."]);
    });
});

describe("iam-trust-policy", () => {
    const oidc = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/ABC";
    const issuer = "oidc.eks.us-west-2.amazonaws.com/id/ABC";
    const federated = (Condition?: unknown) => ({ Effect: "Allow", Principal: { Federated: oidc }, Action: "sts:AssumeRoleWithWebIdentity", ...(Condition ? { Condition } : {}) });

    it("refuses everyone: Principal '*', AWS '*' alone or in a list; stops at that statement", async () => {
        for (const Principal of ["*", { AWS: "*" }, { AWS: ["arn:aws:iam::123456789012:root", "*"] }]) {
            expect(await resourceViolations(trustPolicy, role({ Effect: "Allow", Principal, Action: "sts:AssumeRole" })), JSON.stringify(Principal)).to.deep.equal(["the trust policy lets anyone assume the role."]);
        }
        expect(await resourceViolations(trustPolicy, role({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "sts:AssumeRole" }))).to.deep.equal([]);
        expect(await resourceViolations(trustPolicy, role({ Effect: "Deny", Principal: "*", Action: "sts:AssumeRole" }))).to.deep.equal([]);
    });

    it("service principals only from allowedServicePrincipals, each one named", async () => {
        const trust = role({ Effect: "Allow", Principal: { Service: ["ec2.amazonaws.com", "lambda.amazonaws.com", "ecs-tasks.amazonaws.com"] }, Action: "sts:AssumeRole" });
        expect(await resourceViolations(trustPolicy, trust, { allowedServicePrincipals: ["ec2.amazonaws.com"] })).to.deep.equal([
            "trusts service principal lambda.amazonaws.com, which is not in allowedServicePrincipals (ec2.amazonaws.com).",
            "trusts service principal ecs-tasks.amazonaws.com, which is not in allowedServicePrincipals (ec2.amazonaws.com).",
        ]);
        expect(await resourceViolations(trustPolicy, trust, { allowedServicePrincipals: ["ec2.amazonaws.com", "lambda.amazonaws.com", "ecs-tasks.amazonaws.com"] })).to.deep.equal([]);
    });

    it("an OIDC principal pins both :sub and :aud, under any operator, and :sub without wildcards (* or ?)", async () => {
        expect(await resourceViolations(trustPolicy, role(federated()))).to.deep.equal([
            `trusts federated principal ${oidc} without pinning :sub; any service account could assume it.`,
            `trusts federated principal ${oidc} without pinning :aud; any audience could assume it.`,
        ]);
        expect(await resourceViolations(trustPolicy, role(federated({ StringEquals: { [`${issuer}:sub`]: "system:serviceaccount:kube-system:karpenter" } })))).to.deep.equal([
            `trusts federated principal ${oidc} without pinning :aud; any audience could assume it.`,
        ]);
        const pinned = { StringEquals: { [`${issuer}:aud`]: "sts.amazonaws.com" } };
        expect(await resourceViolations(trustPolicy, role(federated({ ...pinned, StringLike: { [`${issuer}:sub`]: "system:serviceaccount:kube-system:karpenter-?" } })))).to.deep.equal([
            `trusts federated principal ${oidc} for ${issuer}:sub StringLike system:serviceaccount:kube-system:karpenter-?; a wildcard lets other service accounts assume the role. Name the one service account.`,
        ]);
        expect(await resourceViolations(trustPolicy, role(federated({ ...pinned, StringLike: { [`${issuer}:sub`]: ["system:serviceaccount:kube-system:karpenter", "system:serviceaccount:*"] } })))).to.deep.equal([
            `trusts federated principal ${oidc} for ${issuer}:sub StringLike system:serviceaccount:*; a wildcard lets other service accounts assume the role. Name the one service account.`,
        ]);
        expect(await resourceViolations(trustPolicy, role(federated({ ...pinned, StringLike: { [`${issuer}:sub`]: ["system:serviceaccount:a:*", "system:serviceaccount:b:?"] } })))).to.deep.equal([
            `trusts federated principal ${oidc} for ${issuer}:sub StringLike system:serviceaccount:a:*, system:serviceaccount:b:?; a wildcard lets other service accounts assume the role. Name the one service account.`,
        ]);
        // A wildcard in another key (the audience) is not a service account wildcard.
        expect(await resourceViolations(trustPolicy, role(federated({ StringLike: { [`${issuer}:aud`]: "sts.*", [`${issuer}:sub`]: "system:serviceaccount:kube-system:karpenter" } })))).to.deep.equal([]);
    });

    it("looks only at roles", async () => {
        expect(await resourceViolations(trustPolicy, { type: "aws:iam/policy:Policy", props: { assumeRolePolicy: doc({ Effect: "Allow", Principal: "*", Action: "sts:AssumeRole" }) } })).to.deep.equal([]);
    });
});

describe("iam-policy-size: IAM's quotas, whitespace not counted", () => {
    /** A document of exactly `size` characters without whitespace, padded with spaces and newlines IAM ignores. */
    function sized(size: number): string {
        const base = (pad: string) => `{ "Version": "2012-10-17",\n  "Statement": [ { "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${pad}" } ] }`;
        const text = base("x".repeat(size - base("").replace(/\s/g, "").length));
        expect(text.replace(/\s/g, "").length).to.equal(size);
        return text;
    }

    it("each kind at its limit passes and one character more fails", async () => {
        expect(SIZE_LIMITS).to.deep.equal({ managed: 6144, inline: 10240, trust: 2048 });
        const cases: Array<[string, (d: string) => FakeResource, number]> = [
            ["managed", (d) => ({ type: "aws:iam/policy:Policy", props: { policy: d } }), 6144],
            ["inline", (d) => ({ type: "aws:iam/rolePolicy:RolePolicy", props: { policy: d } }), 10240],
            ["inline", (d) => role({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }, { inlinePolicies: [{ policy: d }] }), 10240],
            ["trust", (d) => ({ type: "aws:iam/role:Role", props: { assumeRolePolicy: d } }), 2048],
        ];
        for (const [kind, make, limit] of cases) {
            expect(await resourceViolations(policySize, make(sized(limit))), `${kind} at ${limit}`).to.deep.equal([]);
            expect(await resourceViolations(policySize, make(sized(limit + 1))), `${kind} over`).to.deep.equal([
                `its ${kind} policy document has ${limit + 1} characters without whitespace; IAM allows ${limit}. Split it into several managed policies.`,
            ]);
        }
    });

    it("the trust limit follows trustPolicyLimit (raised by quota request); documents given as objects count as their JSON; resource policies are not IAM's", async () => {
        const trustRole = (d: unknown): FakeResource => ({ type: "aws:iam/role:Role", props: { assumeRolePolicy: d } });
        expect(await resourceViolations(policySize, trustRole(sized(3000)), { trustPolicyLimit: 4096 })).to.deep.equal([]);
        expect(await resourceViolations(policySize, trustRole(sized(4097)), { trustPolicyLimit: 4096 })).to.have.length(1);
        const object = JSON.parse(sized(6145));
        expect(await resourceViolations(policySize, { type: "aws:iam/policy:Policy", props: { policy: object } })).to.have.length(1);
        expect(await resourceViolations(policySize, { type: "aws:iam/policy:Policy", props: { policy: JSON.parse(sized(6144)) } })).to.deep.equal([]);
        expect(await resourceViolations(policySize, { type: "aws:sqs/queuePolicy:QueuePolicy", props: { policy: sized(20000) } })).to.deep.equal([]);
        expect(await resourceViolations(policySize, { type: "aws:iam/role:Role", props: {} })).to.deep.equal([]);
    });
});

describe("iam-permissions-boundary", () => {
    const boundary = "arn:aws:iam::123456789012:policy/boundary";
    const principal = (type: "role" | "user", name: string, permissionsBoundary?: string): FakeResource => ({
        type: type === "role" ? "aws:iam/role:Role" : "aws:iam/user:User",
        name,
        props: { name, ...(permissionsBoundary ? { permissionsBoundary } : {}) },
    });

    it("every role and user carries the configured boundary, each one without it named", async () => {
        const other = "arn:aws:iam::123456789012:policy/other";
        expect(await stackViolations(permissionsBoundary, [principal("role", "a", boundary), principal("user", "ci"), principal("role", "b", other)], { permissionsBoundaryArn: boundary })).to.deep.equal([
            `user ci has permissions boundary none; the stack requires ${boundary}.`,
            `role b has permissions boundary ${other}; the stack requires ${boundary}.`,
        ]);
    });

    it("names a principal by its IAM name, the Pulumi name when it has none", async () => {
        const named: FakeResource = { type: "aws:iam/user:User", name: "ci-user", props: { name: "eks-ci" } };
        const unnamed: FakeResource = { type: "aws:iam/role:Role", name: "deploy-role", props: {} };
        expect(await stackViolations(permissionsBoundary, [named, unnamed], { permissionsBoundaryArn: boundary })).to.deep.equal([
            `user eks-ci has permissions boundary none; the stack requires ${boundary}.`,
            `role deploy-role has permissions boundary none; the stack requires ${boundary}.`,
        ]);
    });

    it("without config, the one boundary the stack's roles carry is required; two different ones are reported once", async () => {
        expect(await stackViolations(permissionsBoundary, [principal("user", "ci"), principal("role", "a", boundary)])).to.deep.equal([`user ci has permissions boundary none; the stack requires ${boundary}.`]);
        const other = "arn:aws:iam::123456789012:policy/other";
        expect(await stackViolations(permissionsBoundary, [principal("role", "a", boundary), principal("role", "b", other), principal("role", "c")])).to.deep.equal([
            `roles of the stack carry different permissions boundaries (${boundary}, ${other}); the stack sets one for all.`,
        ]);
        expect(await stackViolations(permissionsBoundary, [principal("role", "a", boundary), principal("role", "b", boundary)])).to.deep.equal([]);
        // Other resources with a permissionsBoundary property are not principals.
        expect(await stackViolations(permissionsBoundary, [{ type: "aws:iam/policy:Policy", props: { permissionsBoundary: boundary } }, principal("role", "c")])).to.deep.equal([]);
    });
});

describe("iam policies of the pack", () => {
    it("are all in the pack's list", () => {
        expect(iamPolicies.map((p) => p.name)).to.deep.equal(["iam-no-wildcard-actions", "iam-no-unscoped-mutations", "iam-no-broad-managed-policies", "iam-passrole-scoped", "iam-trust-policy", "iam-policy-size", "iam-permissions-boundary"]);
    });
});

describe("iam policies: what else IAM and @pulumi/aws accept", () => {
    it("iam-no-broad-managed-policies: the *PolicyAttachmentsExclusive resources attach a list (policyArns) and count too", async () => {
        // @pulumi/aws 7.x: aws.iam.RolePolicyAttachmentsExclusive / UserPolicyAttachmentsExclusive / GroupPolicyAttachmentsExclusive.
        for (const type of ["aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive", "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive"]) {
            const r: FakeResource = { type, props: { policyArns: ["arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy", "arn:aws:iam::aws:policy/AdministratorAccess"] } };
            expect(await resourceViolations(noBroadManagedPolicies, r), type).to.deep.equal(["attaches arn:aws:iam::aws:policy/AdministratorAccess, which grants far more than a workload needs; write a scoped policy."]);
        }
        // Only an attachment's policyArn names a policy; another resource's policyArn (none of ours) does not count.
        expect(await resourceViolations(noBroadManagedPolicies, { type: "aws:iam/policyAttachmentX:PolicyAttachmentX", props: { policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" } })).to.deep.equal([]);
    });

    it("iam-no-wildcard-actions: `*` matches any run of characters, so `s3:**` and `**` are every action too; `s3:*Object` is not", async () => {
        for (const action of ["s3:**", "**", "S3:*"]) {
            expect(await resourceViolations(noWildcardActions, managed(allow(action))), action).to.deep.equal([`a statement allows ${action}; name the actions it needs.`]);
        }
        for (const action of ["s3:*Object", "s3:Get*", "s3:?*"]) expect(await resourceViolations(noWildcardActions, managed(allow(action))), action).to.deep.equal([]);
    });

    it("iam-no-unscoped-mutations names a statement without a Sid as `a statement`", async () => {
        expect(await resourceViolations(noUnscopedMutations, managed(allow("ec2:TerminateInstances")))).to.deep.equal([
            'a statement allows ec2:TerminateInstances (Write) on Resource "*" without a Condition; scope the resources or add a condition.',
        ]);
    });

    it("iam-passrole-scoped: a role name pattern that starts with a wildcard still names roles", async () => {
        const passTo = (Resource: string) => managed(allow("iam:PassRole", Resource, { Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } } }));
        expect(await resourceViolations(passRoleScoped, passTo("arn:aws:iam::123456789012:role/*-karpenter-node"))).to.deep.equal([]);
        expect(await resourceViolations(passRoleScoped, passTo("arn:aws:iam::123456789012:role/*"))).to.have.length(1);
    });

    it("iam-trust-policy: a statement without a Principal (IAM refuses the document) does not crash the policy", async () => {
        expect(await resourceViolations(trustPolicy, role({ Effect: "Allow", Action: "sts:AssumeRole" }))).to.deep.equal([]);
    });
});
