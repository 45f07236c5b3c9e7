import { expect } from "chai";
import { UPSTREAM_SCOPING, controllerRole, controllerScoping } from "../policies/karpenterScoping";
import { knownValues } from "../policies/util";
import { FakeResource, NOT_RUN, UNKNOWN, stackViolations } from "./helpers/policy";

// Upstream's controller policy (getting-started CloudFormation template of aws/karpenter-provider-aws v1.14.1),
// its CloudFormation variables filled in for one stack, is by definition scoped as upstream scopes it. IAM facts
// used below: condition keys are case-insensitive; a key's values are ORed (ForAllValues: the allowed set);
// `*` in a resource ARN or a StringLike value matches any run of characters; action names match
// case-insensitively with `*` and `?`.
const upstream = (require("./fixtures/upstream-controller-policies.json") as { policies: Record<string, { Statement: Array<Record<string, any>> }> }).policies;

interface Stack {
    partition?: string;
    region?: string;
    /** The region the stack's AWS provider declares; undefined: none declared. */
    providerRegion?: string | null;
    nodeRoleArn?: string;
}

const fill = (text: string, s: Required<Stack>) =>
    text
        .replace(/\$\{AWS::Partition\}/g, s.partition)
        .replace(/\$\{AWS::Region\}/g, s.region)
        .replace(/\$\{AWS::AccountId\}/g, "123456789012")
        .replace(/\$\{ClusterName\}/g, "demo")
        .replace(/\$\{KarpenterNodeRole\.Arn\}/g, s.nodeRoleArn);

/** Upstream's documents, filled in for the stack, each passed through `edit` (statement by statement). */
function documents(stack: Stack = {}, edit: (statement: Record<string, any>, policy: string) => Record<string, any> | undefined = (x) => x): Record<string, string> {
    const s: Required<Stack> = { partition: "aws", region: "us-west-2", providerRegion: null, nodeRoleArn: "arn:aws:iam::123456789012:role/demo-node", ...stack };
    return Object.fromEntries(
        Object.entries(upstream).map(([name, doc]) => {
            const statements = (JSON.parse(fill(JSON.stringify(doc), s)) as { Statement: Array<Record<string, any>> }).Statement.flatMap((st) => edit(st, name) ?? []);
            return [name, JSON.stringify({ Version: "2012-10-17", Statement: statements })];
        }),
    );
}

const role = (name: string, extra: Record<string, unknown> = {}): FakeResource => ({ type: "aws:iam/role:Role", name, props: { name, arn: `arn:aws:iam::123456789012:role/${name}`, ...extra } });

/** A stack with Karpenter's controller role holding `docs` (one managed policy each), as the program builds it. */
function stack(docs: Record<string, string>, options: { region?: string | null; nodeRoles?: string[]; extra?: FakeResource[]; holder?: string } = {}): FakeResource[] {
    const region = options.region === undefined ? "us-west-2" : options.region;
    return [
        { type: "aws:eks/cluster:Cluster", props: { name: "demo" } },
        { type: "pulumi:providers:aws", props: region === null ? {} : { region } },
        role("demo-karpenter"),
        role("demo-node"),
        { type: "aws:eks/podIdentityAssociation:PodIdentityAssociation", props: { serviceAccount: "karpenter", roleArn: "arn:aws:iam::123456789012:role/demo-karpenter" } },
        ...(options.nodeRoles ?? ["demo-node"]).map((r, i): FakeResource => ({ type: "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", props: { metadata: { name: `nc${i}` }, spec: { role: r } } })),
        ...Object.entries(docs).flatMap(([name, policy]): FakeResource[] => [
            { type: "aws:iam/policy:Policy", name, props: { name, arn: `arn:aws:iam::123456789012:policy/${name}`, policy } },
            { type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", props: { role: options.holder ?? "demo-karpenter", policyArn: `arn:aws:iam::123456789012:policy/${name}` } },
        ]),
        ...(options.extra ?? []),
    ];
}

/** Upstream's documents with one condition key taken out of one statement (by Sid). */
function withoutCondition(sid: string, operator: string, key: string): Record<string, string> {
    return documents({}, (st) => {
        if (st.Sid !== sid) return st;
        const condition = JSON.parse(JSON.stringify(st.Condition));
        delete condition[operator][key];
        return { ...st, Condition: condition };
    });
}

const oneStatement = (policy: string, statement: Record<string, unknown>) => ({ [policy]: JSON.stringify({ Version: "2012-10-17", Statement: [statement] }) });

describe("karpenter-controller-scoping: upstream's own policy passes, in every partition", () => {
    it("passes upstream's documents filled in for the stack", async () => {
        expect(await stackViolations(controllerScoping, stack(documents()))).to.deep.equal([]);
    });

    it("at a first preview (the EC2NodeClasses show no outputs) the node role is the one an EC2_LINUX access entry admits", async () => {
        const entry = (type: string): FakeResource => ({ type: "aws:eks/accessEntry:AccessEntry", props: { clusterName: "demo", principalArn: "arn:aws:iam::123456789012:role/demo-node", type } });
        const passRole = /AllowPassingInstanceRole grants iam:PassRole on arn:aws:iam::123456789012:role\/demo-node/;
        expect(await stackViolations(controllerScoping, stack(documents(), { nodeRoles: [], extra: [entry("EC2_LINUX")] }))).to.deep.equal([]);
        // Another kind of entry (a person's, a Windows node's) does not make a role Karpenter's node role.
        for (const other of ["STANDARD", "EC2_WINDOWS"]) {
            const violations = await stackViolations(controllerScoping, stack(documents(), { nodeRoles: [], extra: [entry(other)] }));
            expect(violations.some((v) => passRole.test(v)), other).to.equal(true);
        }
    });

    it("passes them in the China and GovCloud partitions, and when the provider does not say its region", async () => {
        expect(await stackViolations(controllerScoping, stack(documents({ partition: "aws-cn", region: "cn-north-1", nodeRoleArn: "arn:aws-cn:iam::123456789012:role/demo-node" }), { region: "cn-north-1" }))).to.deep.equal([]);
        expect(await stackViolations(controllerScoping, stack(documents({ partition: "aws-us-gov", region: "us-gov-west-1", nodeRoleArn: "arn:aws-us-gov:iam::123456789012:role/demo-node" }), { region: null }))).to.deep.equal([]);
        expect(await stackViolations(controllerScoping, stack(documents({ region: "eu-central-1" }), { region: null }))).to.deep.equal([]);
    });

    it("passes a node role under an IAM path", async () => {
        expect(await stackViolations(controllerScoping, stack(documents({ nodeRoleArn: "arn:aws:iam::123456789012:role/platform/demo-node" })))).to.deep.equal([]);
    });

    it("passes grants narrower than upstream's: one account, one instance, fewer allowed values", async () => {
        const narrower = documents({}, (st) => {
            const resources = ([] as string[]).concat(st.Resource ?? []).map((r) => r.replace(":*:", ":123456789012:"));
            const condition = JSON.parse(JSON.stringify(st.Condition ?? {}));
            if (condition.StringEquals?.["iam:PassedToService"]) condition.StringEquals["iam:PassedToService"] = ["ec2.amazonaws.com"];
            if (condition.StringEquals?.["ec2:CreateAction"]) condition.StringEquals["ec2:CreateAction"] = "RunInstances";
            if (condition.StringLike?.["aws:ResourceTag/karpenter.sh/nodepool"]) condition.StringLike["aws:ResourceTag/karpenter.sh/nodepool"] = "default";
            return { ...st, Resource: resources, ...(st.Condition ? { Condition: condition } : {}) };
        });
        expect(narrower.NodeLifecycle).to.include(":123456789012:instance/").and.include('"RunInstances"');
        expect(await stackViolations(controllerScoping, stack(narrower))).to.deep.equal([]);
    });

    it("reads condition keys case-insensitively, as IAM does", async () => {
        const shouting = documents({}, (st) =>
            st.Condition ? { ...st, Condition: Object.fromEntries(Object.entries(st.Condition as Record<string, Record<string, unknown>>).map(([op, keys]) => [op, Object.fromEntries(Object.entries(keys).map(([k, v]) => [k.toUpperCase(), v]))])) } : st,
        );
        expect(shouting.NodeLifecycle).to.include("AWS:RESOURCETAG/KUBERNETES.IO/CLUSTER/DEMO");
        expect(await stackViolations(controllerScoping, stack(shouting))).to.deep.equal([]);
    });
});

describe("karpenter-controller-scoping: the stack's context", () => {
    it("takes the region from the AWS provider only (not aws-native's); without it, names the missing region as <region>", async () => {
        const awsNative: FakeResource = { type: "pulumi:providers:aws-native", props: { region: "eu-west-1" } };
        expect(await stackViolations(controllerScoping, [awsNative, ...stack(documents(), { region: null })])).to.deep.equal([]);
        const withoutRegionTag = withoutCondition("AllowScopedInstanceProfileCreationActions", "StringEquals", "aws:RequestTag/topology.kubernetes.io/region");
        const [v] = await stackViolations(controllerScoping, stack(withoutRegionTag, { region: null }));
        expect(v).to.include("without StringEquals aws:RequestTag/topology.kubernetes.io/region=<region> (upstream v1.14.1 AllowScopedInstanceProfileCreationActions)");
    });

    it("names every value a missing condition allows upstream, separated by |", async () => {
        const withoutCreateAction = withoutCondition("AllowScopedResourceCreationTagging", "StringEquals", "ec2:CreateAction");
        const [v] = await stackViolations(controllerScoping, stack(withoutCreateAction));
        expect(v).to.include("without StringEquals ec2:CreateAction=RunInstances|CreateFleet|CreateLaunchTemplate (upstream v1.14.1 AllowScopedResourceCreationTagging)");
    });

    it("counts only the node roles EC2NodeClasses name (a NodeClass may give an instance profile instead)", async () => {
        const profileOnly: FakeResource = { type: "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", props: { metadata: { name: "byo" }, spec: { instanceProfile: "demo-node" } } };
        const pass = oneStatement("p", { Sid: "P", Effect: "Allow", Action: "iam:PassRole", Resource: "arn:aws:iam::123456789012:role/demo-node", Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } } });
        expect(await stackViolations(controllerScoping, stack(pass, { nodeRoles: [], extra: [profileOnly] }))).to.deep.equal([
            "role demo-karpenter (p): P grants iam:PassRole on arn:aws:iam::123456789012:role/demo-node; upstream v1.14.1 grants it only on ${KarpenterNodeRole.Arn}.",
        ]);
    });

    it("an EC2 action the catalogue does not know is not upstream's either", async () => {
        expect(await stackViolations(controllerScoping, stack(oneStatement("p", { Sid: "X", Effect: "Allow", Action: "ec2:NoSuchAction", Resource: "*" })))).to.deep.equal([
            "role demo-karpenter (p): X grants ec2:NoSuchAction, which upstream v1.14.1's controller policy does not.",
        ]);
    });
});

describe("karpenter-controller-scoping at a first preview (values AWS assigns are unknown; reading one throws)", () => {
    it("checks what is known and leaves out documents a preview cannot know yet, instead of not running", async () => {
        const docs = documents();
        const resources = stack({ ...docs, Interruption: UNKNOWN }).map((r): FakeResource => (r.type === "aws:iam/role:Role" ? { ...r, props: { ...r.props, arn: UNKNOWN } } : r));
        expect(await stackViolations(controllerScoping, resources)).to.deep.equal([]);
        const broken = stack({ ...documents({}, (st) => (st.Sid === "AllowScopedDeletion" ? { ...st, Condition: {} } : st)), Interruption: UNKNOWN });
        expect((await stackViolations(controllerScoping, broken)).length).to.be.above(0);
        expect((await stackViolations(controllerScoping, broken)).some((v) => v.startsWith(NOT_RUN))).to.equal(false);
    });

    it("knownValues copies a proxied value without the unknown parts", async () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { unknownCheckingProxy } = require("@pulumi/policy/proxy") as { unknownCheckingProxy<T>(v: T): T };
        const value = unknownCheckingProxy({ a: 1, b: UNKNOWN, c: { d: [UNKNOWN, "x"], e: null }, f: [1, { g: UNKNOWN }] });
        expect(() => JSON.stringify(value)).to.throw(/can't be known during preview/);
        expect(knownValues(value)).to.deep.equal({ a: 1, c: { d: [undefined, "x"], e: null }, f: [1, {}] });
        expect(knownValues("x")).to.equal("x");
        expect(() => knownValues({ get bad() { throw new Error("other"); } })).to.throw("other");
    });
});

describe("karpenter-controller-scoping: every condition upstream puts on a grant is required", () => {
    const conditioned = Object.entries(upstream).flatMap(([policy, doc]) =>
        doc.Statement.flatMap((st) => Object.entries((st.Condition ?? {}) as Record<string, Record<string, unknown>>).flatMap(([op, keys]) => Object.keys(keys).map((key) => ({ policy, sid: st.Sid as string, op, key })))),
    );

    it("refuses upstream's documents with any one condition key removed, naming it", async () => {
        // Keys upstream puts on statements whose actions this policy scopes (EC2 and IAM, mutating).
        const scoped = conditioned.filter((c) => !["ZonalShift", "EKSIntegration", "ResourceDiscovery", "Interruption"].includes(c.policy));
        expect(scoped.length).to.be.above(20);
        for (const { sid, op, key } of scoped) {
            const docs = documents({}, (st) => {
                if (st.Sid !== sid) return st;
                const condition = JSON.parse(JSON.stringify(st.Condition));
                delete condition[op][key.replace("${ClusterName}", "demo")];
                return { ...st, Condition: condition };
            });
            const violations = await stackViolations(controllerScoping, stack(docs));
            const filled = `${op} ${key.replace("${ClusterName}", "demo")}=`;
            expect(violations.length, `${sid} without ${op} ${key}`).to.be.above(0);
            for (const v of violations) expect(v, `${sid} without ${op} ${key}`).to.include(`: ${sid} grants `).and.include(filled).and.match(/; the controller could touch resources of other clusters\.$/);
        }
    });

    it("refuses a broader value: another tag value, an extra allowed value, another region", async () => {
        const edit = (change: (condition: Record<string, Record<string, unknown>>) => void) =>
            documents({}, (st) => {
                if (st.Sid !== "AllowScopedDeletion") return st;
                const condition = JSON.parse(JSON.stringify(st.Condition));
                change(condition);
                return { ...st, Condition: condition };
            });
        const deletion = "role demo-karpenter (NodeLifecycle): AllowScopedDeletion grants ec2:TerminateInstances on arn:aws:ec2:us-west-2:*:instance/* without StringEquals aws:ResourceTag/kubernetes.io/cluster/demo=owned (upstream v1.14.1 AllowScopedDeletion); the controller could touch resources of other clusters.";
        const shared = await stackViolations(controllerScoping, stack(edit((c) => (c.StringEquals["aws:ResourceTag/kubernetes.io/cluster/demo"] = "shared"))));
        expect(shared).to.include(deletion);
        const extra = await stackViolations(controllerScoping, stack(edit((c) => (c.StringEquals["aws:ResourceTag/kubernetes.io/cluster/demo"] = ["owned", "shared"]))));
        expect(extra).to.include(deletion);
        const empty = await stackViolations(controllerScoping, stack(edit((c) => (c.StringEquals["aws:ResourceTag/kubernetes.io/cluster/demo"] = []))));
        expect(empty).to.include(deletion);

        const region = documents({}, (st) => {
            if (st.Sid !== "AllowRegionalReadActions") return st;
            return { ...st, Condition: { StringEquals: { "aws:RequestedRegion": "eu-west-1" } } };
        });
        // Read-only actions are not scoped here; the regional condition upstream puts on them is not checked.
        expect(await stackViolations(controllerScoping, stack(region))).to.deep.equal([]);
        const tagRegion = documents({}, (st) => {
            if (!st.Condition?.StringEquals?.["aws:RequestTag/topology.kubernetes.io/region"]) return st;
            return { ...st, Condition: { ...st.Condition, StringEquals: { ...st.Condition.StringEquals, "aws:RequestTag/topology.kubernetes.io/region": "eu-west-1" } } };
        });
        const violations = await stackViolations(controllerScoping, stack(tagRegion));
        expect(violations.length).to.be.above(0);
        for (const v of violations) expect(v).to.include("StringEquals aws:RequestTag/topology.kubernetes.io/region=us-west-2");
        // Without the provider's region, any one region is within upstream's ${AWS::Region}.
        expect(await stackViolations(controllerScoping, stack(tagRegion, { region: null }))).to.deep.equal([]);
    });
});

describe("karpenter-controller-scoping: actions and resources", () => {
    const terminate = (Resource: unknown, Action: unknown = "ec2:TerminateInstances", extra: Record<string, unknown> = {}) => ({
        Sid: "T",
        Effect: "Allow",
        Action,
        Resource,
        Condition: { StringEquals: { "aws:ResourceTag/kubernetes.io/cluster/demo": "owned" }, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } },
        ...extra,
    });
    const check = async (statement: Record<string, unknown>, options: Parameters<typeof stack>[1] = {}) => stackViolations(controllerScoping, stack(oneStatement("p", statement), options));

    it("refuses a resource outside upstream's: another region, another service's ARN, every resource", async () => {
        const rows = [...new Set(UPSTREAM_SCOPING.grants.filter((g) => g.action === "ec2:TerminateInstances").map((g) => g.resource))];
        expect(rows).to.have.length(2);
        for (const resource of ["arn:aws:ec2:eu-west-1:*:instance/*", "arn:aws:ec2:*:*:instance/*", "*", "arn:aws:ec2:us-west-2:*:*", "arn:aws:ec2:us-west-2:*:vpc/*", "arn:awsx:ec2:us-west-2:*:instance/*"]) {
            const [v] = await check(terminate(resource));
            expect(v, resource).to.equal(`role demo-karpenter (p): T grants ec2:TerminateInstances on ${resource}; upstream v1.14.1 grants it only on ${rows.join(", ")}.`);
        }
        expect(await check(terminate("arn:aws:ec2:us-west-2:123456789012:instance/i-0abc"))).to.deep.equal([]);
        expect(await check(terminate(["arn:aws:ec2:us-west-2:*:instance/*", "arn:aws:ec2:us-west-2:*:vpc/*"]))).to.have.length(1);
    });

    it("refuses an EC2 or IAM mutation upstream does not grant; read-only actions and other services are left to other policies", async () => {
        expect(await check(terminate("*", "ec2:DeleteVpc"))).to.deep.equal(["role demo-karpenter (p): T grants ec2:DeleteVpc, which upstream v1.14.1's controller policy does not."]);
        expect(await check(terminate("*", "iam:CreateRole"))).to.deep.equal(["role demo-karpenter (p): T grants iam:CreateRole, which upstream v1.14.1's controller policy does not."]);
        expect(await check(terminate("*", ["ec2:DescribeInstances", "iam:GetInstanceProfile", "sqs:DeleteMessage", "ssm:GetParameter"]))).to.deep.equal([]);
        // Action names are case-insensitive.
        expect(await check(terminate("arn:aws:ec2:us-west-2:*:instance/*", "EC2:terminateinstances"))).to.deep.equal([]);
        expect(await check(terminate("arn:aws:ec2:us-west-2:*:instance/*", "EC2:terminateinstances", { Condition: {} }))).to.have.length(1);
    });

    it("refuses wildcards and NotAction that cover upstream's actions; a wildcard covering none of them passes", async () => {
        for (const action of ["*", "ec2:*", "ec2:Terminate*", "EC2:TERMINATE*", "ec2:TerminateInstance?", "iam:*InstanceProfile"]) {
            expect(await check(terminate("arn:aws:ec2:us-west-2:*:instance/*", action)), action).to.deep.equal([
                `role demo-karpenter (p): T grants ${action}; upstream v1.14.1 names each action, so each can carry its tag conditions.`,
            ]);
        }
        for (const action of ["ec2:Describe*", "ec2:Get*", "s3:*", "ec2:TerminateInstances?"]) expect(await check(terminate("arn:aws:ec2:us-west-2:*:instance/*", action)), action).to.deep.equal([]);
        expect(await check({ Sid: "N", Effect: "Allow", NotAction: ["iam:*"], Resource: "*" })).to.deep.equal(["role demo-karpenter (p): N grants NotAction iam:*; upstream names each action."]);
        expect(await check({ Effect: "Allow", NotAction: "iam:*", Resource: "*" })).to.deep.equal(["role demo-karpenter (p): a statement grants NotAction iam:*; upstream names each action."]);
        // Deny statements take nothing away from the check and add nothing to it.
        expect(await check({ Effect: "Deny", Action: "*", Resource: "*" })).to.deep.equal([]);
    });

    it("iam:PassRole reaches only the roles the stack's EC2NodeClasses give their nodes", async () => {
        const pass = (Resource: string) => ({ Sid: "P", Effect: "Allow", Action: "iam:PassRole", Resource, Condition: { StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"] } } });
        expect(await check(pass("arn:aws:iam::123456789012:role/demo-node"))).to.deep.equal([]);
        expect(await check(pass("arn:aws:iam::123456789012:role/gpu-node"), { nodeRoles: ["demo-node", "gpu-node"] })).to.deep.equal([]);
        expect(await check(pass("arn:aws:iam::123456789012:role/demo-node"), { nodeRoles: [] })).to.have.length(1);
        for (const resource of ["arn:aws:iam::123456789012:role/demo-karpenter", "arn:aws:iam::123456789012:role/demo-node-admin", "arn:aws:iam::123456789012:role/*", "arn:aws:iam::*:role/demo-node"]) {
            expect(await check(pass(resource)), resource).to.deep.equal([`role demo-karpenter (p): P grants iam:PassRole on ${resource}; upstream v1.14.1 grants it only on \${KarpenterNodeRole.Arn}.`]);
        }
        // A node role name with regular-expression characters is matched literally.
        expect(await check(pass("arn:aws:iam::123456789012:role/demoXnode"), { nodeRoles: ["demo.node"] })).to.have.length(1);
        expect(await check(pass("arn:aws:iam::123456789012:role/demo.node"), { nodeRoles: ["demo.node"] })).to.deep.equal([]);
    });

    it("instance profiles are scoped to the stack's account (upstream ${AWS::AccountId})", async () => {
        const profile = (Resource: string) => ({
            Sid: "I",
            Effect: "Allow",
            Action: "iam:DeleteInstanceProfile",
            Resource,
            Condition: {
                StringEquals: { "aws:ResourceTag/kubernetes.io/cluster/demo": "owned", "aws:ResourceTag/topology.kubernetes.io/region": "us-west-2" },
                StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*" },
            },
        });
        expect(await check(profile("arn:aws:iam::123456789012:instance-profile/*"))).to.deep.equal([]);
        expect(await check(profile("arn:aws:iam::*:instance-profile/*"))).to.have.length(1);
        expect(await check(profile("arn:aws:iam::12345678901:instance-profile/*"))).to.have.length(1);
    });

    it("a cluster name with regular-expression characters is matched literally", async () => {
        const resources = stack(oneStatement("p", terminate("arn:aws:ec2:us-west-2:*:instance/*", "ec2:TerminateInstances", { Condition: { StringEquals: { "aws:ResourceTag/kubernetes.io/cluster/demo": "owned" }, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } } })));
        resources[0] = { type: "aws:eks/cluster:Cluster", props: { name: "d.mo" } };
        expect(await stackViolations(controllerScoping, resources)).to.have.length(1);
    });
});

describe("karpenter-controller-scoping: whose permissions", () => {
    const terminate = { Sid: "T", Effect: "Allow", Action: ["ec2:TerminateInstances", "ec2:DescribeInstances"], Resource: "arn:aws:ec2:us-west-2:*:instance/*" };

    it("finds the controller by its Pod Identity association (for the configured service account), else by the chart's IRSA annotation", async () => {
        const base = stack(oneStatement("p", terminate));
        const resources = (serviceAccount: string, annotation?: string) =>
            base
                .map((r) => (r.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation" ? { ...r, props: { ...r.props, serviceAccount } } : r))
                .concat(annotation ? [{ type: "kubernetes:helm.sh/v3:Release", props: { chart: "oci://public.ecr.aws/karpenter/karpenter", values: { serviceAccount: { annotations: { "eks.amazonaws.com/role-arn": annotation } } } } }] : []);
        const asController = "role demo-karpenter (p): T grants ec2:TerminateInstances on arn:aws:ec2:us-west-2:*:instance/* without";
        const asOther = "role demo-karpenter (p): T grants the Karpenter controller's ec2:TerminateInstances; only the controller's role may hold them.";
        expect((await stackViolations(controllerScoping, resources("karpenter")))[0]).to.include(asController);
        expect(await stackViolations(controllerScoping, resources("other"))).to.deep.equal([asOther]);
        expect((await stackViolations(controllerScoping, resources("other"), { serviceAccount: "other" }))[0]).to.include(asController);
        expect((await stackViolations(controllerScoping, resources("other", "arn:aws:iam::123456789012:role/demo-karpenter")))[0]).to.include(asController);
        expect((await stackViolations(controllerScoping, resources("other", "arn:aws:iam::999999999999:role/demo-karpenter")))[0]).to.include(asController);
        expect(await stackViolations(controllerScoping, resources("other", "arn:aws:iam::123456789012:role/someone-else"))).to.deep.equal([asOther]);
        // The annotation is the controller chart's (…/karpenter), not the CRD chart's (…/karpenter-crd), whichever comes first.
        const crdFirst = [{ type: "kubernetes:helm.sh/v3:Release", props: { chart: "oci://public.ecr.aws/karpenter/karpenter-crd", values: {} } }, ...resources("other", "arn:aws:iam::123456789012:role/demo-karpenter")];
        expect((await stackViolations(controllerScoping, crdFirst))[0]).to.include(asController);
    });

    it("controllerRole matches the association's role by ARN, by name in the ARN, or by its property dependency", () => {
        const roles = [role("a"), role("demo-karpenter")].map((r, i) => ({ ...r, urn: `urn:${i}`, propertyDependencies: {} }) as any);
        const association = (props: Record<string, unknown>, deps: Record<string, unknown[]> = {}) => ({ type: "aws:eks/podIdentityAssociation:PodIdentityAssociation", props: { serviceAccount: "karpenter", ...props }, propertyDependencies: deps }) as any;
        expect(controllerRole([...roles, association({ roleArn: "arn:aws:iam::123456789012:role/demo-karpenter" })], "karpenter")?.props.name).to.equal("demo-karpenter");
        expect(controllerRole([...roles, association({ roleArn: "arn:aws:iam::000000000000:role/path/demo-karpenter" })], "karpenter")?.props.name).to.equal("demo-karpenter");
        expect(controllerRole([...roles, association({}, { roleArn: [roles[1]] })], "karpenter")?.props.name).to.equal("demo-karpenter");
        expect(controllerRole([...roles, association({ roleArn: "arn:aws:iam::123456789012:role/x" })], "karpenter")).to.equal(undefined);
        expect(controllerRole(roles, "karpenter")).to.equal(undefined);
    });

    it("refuses every other role, user or group holding any of the controller's actions, also through wildcards", async () => {
        const user: FakeResource = { type: "aws:iam/user:User", name: "ci", props: { name: "ci", arn: "arn:aws:iam::123456789012:user/ci" } };
        const attachUser: FakeResource = { type: "aws:iam/userPolicyAttachment:UserPolicyAttachment", props: { user: "ci", policyArn: "arn:aws:iam::123456789012:policy/ops" } };
        const ops: FakeResource = { type: "aws:iam/policy:Policy", name: "ops", props: { name: "ops", arn: "arn:aws:iam::123456789012:policy/ops", policy: JSON.stringify({ Statement: [{ Sid: "Ops", Effect: "Allow", Action: ["ec2:Terminate*", "ec2:DescribeInstances", "iam:PassRole"], Resource: "*" }] }) } };
        expect(await stackViolations(controllerScoping, stack({}, { extra: [user, ops, attachUser] }))).to.deep.equal([
            "user ci (ops): Ops grants the Karpenter controller's ec2:TerminateInstances, iam:PassRole; only the controller's role may hold them.",
        ]);
        const readOnly: FakeResource = { ...ops, props: { ...ops.props, policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: ["ec2:Describe*"], Resource: "*" }, { Effect: "Deny", Action: "*", Resource: "*" }] }) } };
        expect(await stackViolations(controllerScoping, stack({}, { extra: [user, readOnly, attachUser] }))).to.deep.equal([]);
    });

    it("checks nothing without a cluster name: no cluster resource and no chart settings", async () => {
        const resources = stack(oneStatement("p", { Effect: "Allow", Action: "*", Resource: "*" })).slice(1);
        expect(await stackViolations(controllerScoping, resources)).to.deep.equal([]);
        const release: FakeResource = { type: "kubernetes:helm.sh/v3:Release", props: { chart: "oci://public.ecr.aws/karpenter/karpenter-crd", values: { settings: { clusterName: "demo" } } } };
        expect(await stackViolations(controllerScoping, [...resources, release])).to.deep.equal([]);
        const cluster: FakeResource = { type: "aws:eks/cluster:Cluster", props: { name: "demo" } };
        expect(await stackViolations(controllerScoping, [cluster, ...resources])).to.have.length(1);
    });
});

describe("karpenter-controller-scoping: details (messages, lookups, resource types)", () => {
    const pass = (Resource: string) => oneStatement("p", { Sid: "P", Effect: "Allow", Action: "iam:PassRole", Resource, Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } } });

    it("without node roles no role may be passed, not even an empty name", async () => {
        for (const resource of ["arn:aws:iam::123456789012:role/", "arn:aws:iam::123456789012:role/path/"]) {
            expect(await stackViolations(controllerScoping, stack(pass(resource), { nodeRoles: [] })), resource).to.have.length(1);
        }
    });

    it("names a missing condition with the stack's cluster name, and every NotAction", async () => {
        const withoutName = withoutCondition("AllowScopedInstanceProfileCreationActions", "StringEquals", "aws:RequestTag/eks:eks-cluster-name");
        const [v] = await stackViolations(controllerScoping, stack(withoutName));
        expect(v).to.include("without StringEquals aws:RequestTag/eks:eks-cluster-name=demo (upstream");
        expect(await stackViolations(controllerScoping, stack(oneStatement("p", { Sid: "N", Effect: "Allow", NotAction: ["iam:*", "sts:*"], Resource: "*" })))).to.deep.equal([
            "role demo-karpenter (p): N grants NotAction iam:*, sts:*; upstream names each action.",
        ]);
    });

    it("other holders' statements without a Sid are named 'a statement'", async () => {
        expect(await stackViolations(controllerScoping, stack(oneStatement("p", { Effect: "Allow", Action: "ec2:TerminateInstances", Resource: "*" }), { holder: "demo-node" }))).to.deep.equal([
            "role demo-node (p): a statement grants the Karpenter controller's ec2:TerminateInstances; only the controller's role may hold them.",
        ]);
    });

    const terminate = oneStatement("p", { Sid: "T", Effect: "Allow", Action: "ec2:TerminateInstances", Resource: "arn:aws:ec2:us-west-2:*:instance/*" });
    const asController = "role demo-karpenter (p): T grants ec2:TerminateInstances on arn:aws:ec2:us-west-2:*:instance/* without";
    const asOther = "role demo-karpenter (p): T grants the Karpenter controller's ec2:TerminateInstances; only the controller's role may hold them.";

    it("only a Pod Identity association names the controller's service account; only a Helm v3 Release is the chart", async () => {
        const base = stack(terminate).filter((r) => r.type !== "aws:eks/podIdentityAssociation:PodIdentityAssociation");
        const lookalike: FakeResource = { type: "kubernetes:core/v1:ServiceAccount", props: { serviceAccount: "karpenter", roleArn: "arn:aws:iam::123456789012:role/demo-node" } };
        const association: FakeResource = { type: "aws:eks/podIdentityAssociation:PodIdentityAssociation", props: { serviceAccount: "karpenter", roleArn: "arn:aws:iam::123456789012:role/demo-karpenter" } };
        expect((await stackViolations(controllerScoping, [lookalike, ...base, association]))[0]).to.include(asController);
        const chartV4 = (values: unknown): FakeResource => ({ type: "kubernetes:helm.sh/v4:Chart", props: { chart: "oci://public.ecr.aws/karpenter/karpenter", values } });
        expect(await stackViolations(controllerScoping, [chartV4({ serviceAccount: { annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/demo-karpenter" } } }), ...base])).to.deep.equal([asOther]);
        // Without a cluster resource, a v4 Chart's settings name no cluster: nothing to check.
        expect(await stackViolations(controllerScoping, [chartV4({ settings: { clusterName: "demo" } }), ...base.slice(1)])).to.deep.equal([]);
    });

    it("a chart with no IRSA annotation, no service account values or no values names no controller", async () => {
        const base = stack(terminate).filter((r) => r.type !== "aws:eks/podIdentityAssociation:PodIdentityAssociation");
        for (const values of [undefined, {}, { serviceAccount: {} }, { serviceAccount: { annotations: {} } }]) {
            const release: FakeResource = { type: "kubernetes:helm.sh/v3:Release", props: { chart: "oci://public.ecr.aws/karpenter/karpenter", ...(values ? { values } : {}) } };
            expect(await stackViolations(controllerScoping, [...base, release]), JSON.stringify(values)).to.deep.equal([asOther]);
        }
    });

    it("finds the cluster wherever it sits in the stack; a chart without settings gives no cluster name", async () => {
        const resources = stack(oneStatement("p", { Sid: "T", Effect: "Allow", Action: "ec2:TerminateInstances", Resource: "arn:aws:ec2:us-west-2:*:instance/*" }));
        const [cluster, ...rest] = resources;
        expect((await stackViolations(controllerScoping, [...rest, cluster]))[0]).to.include(asController);
        for (const values of [undefined, {}]) {
            const release: FakeResource = { type: "kubernetes:helm.sh/v3:Release", props: { chart: "oci://public.ecr.aws/karpenter/karpenter", ...(values ? { values } : {}) } };
            expect(await stackViolations(controllerScoping, [...rest, release])).to.deep.equal([]);
        }
    });

    it("node roles come from v1 EC2NodeClasses only (Karpenter v1.14.1 serves no v1beta1), with or without a spec", async () => {
        const v1beta1: FakeResource = { type: "kubernetes:karpenter.k8s.aws/v1beta1:EC2NodeClass", props: { metadata: { name: "old" }, spec: { role: "admin" } } };
        const noSpec: FakeResource = { type: "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", props: { metadata: { name: "empty" } } };
        expect(await stackViolations(controllerScoping, stack(pass("arn:aws:iam::123456789012:role/admin"), { extra: [v1beta1, noSpec] }))).to.deep.equal([
            "role demo-karpenter (p): P grants iam:PassRole on arn:aws:iam::123456789012:role/admin; upstream v1.14.1 grants it only on ${KarpenterNodeRole.Arn}.",
        ]);
    });
});

