import type { ResourceValidationPolicy } from "@pulumi/policy";
import * as aws from "@pulumi/aws";
import { expect } from "chai";
import type { RawStackConfig } from "../components/config";
import { ProgramRun, findResource, runProgram } from "../offline/engine";
import { UNKNOWN, computedOutputs } from "../offline/cloud";
import { notRun, packConfigFor, runPolicies } from "../offline/policies";
import { stackConfig } from "../offline/stackFiles";
import { iamArn } from "../components/iam";
import { logGroupArn } from "../components/flowLogs";
import { EDITS, R } from "./helpers/insecureEdits";
import { shared } from "./helpers/lazy";
import { copyRun } from "./helpers/mutate";
import { runStack } from "./helpers/run";
import { rawConfig } from "./helpers/scenario";
import { EXISTING_VPC_OVERRIDES, existingClusterConfig, sharedRun } from "./helpers/sharedRuns";

/**
 * The first `pulumi preview` of a stack (no state yet, as for every new review stack and environment): the SDK runs
 * in preview mode and what AWS assigns on create is unknown. Facts: @pulumi/pulumi runtime/rpc.js (a missing output
 * or an empty id is unknown during a preview; `apply` does not run on unknowns), the AWS provider's Check
 * (auto-naming fills in `name` before create), @pulumi/policy server.js (props behind unknownCheckingProxy; a policy
 * that reads an unknown is reported as "can't run ... during preview", advisory, instead of its verdict).
 */
describe("the first preview of a new stack", () => {
    // One first preview per stack file, shared by the tests below.
    const runs = new Map(["dev", "prod", "pr"].map((stack) => [stack, shared(() => runProgram(stackConfig(stack), { serializeDynamicProviders: false, firstPreview: true }))]));

    describe("the offline engine as a first preview", () => {
        it("the same resources as an update, with AWS-assigned values unknown and auto-generated names known", async () => {
            const preview = await runs.get("dev")!();
            const update = await sharedRun("dev");
            expect(preview.resources.map((r) => r.urn).sort()).to.deep.equal(update.resources.map((r) => r.urn).sort());
            // The flow-log role's ARN (AWS assigns it) reaches the flow log unknown; the queue's auto-named name is known.
            expect(findResource(preview, "aws:ec2/flowLog:FlowLog", "eks-karpenter-dev-flow-logs").inputs.iamRoleArn).to.equal(UNKNOWN);
            expect(findResource(update, "aws:ec2/flowLog:FlowLog", "eks-karpenter-dev-flow-logs").inputs.iamRoleArn).to.match(/^arn:aws:iam::123456789012:role\//);
            const queue = findResource(preview, "aws:sqs/queue:Queue", "eks-karpenter-dev-karpenter-interruption");
            expect(queue.state.name).to.equal("eks-karpenter-dev");
            expect(queue.state.arn).to.equal(UNKNOWN);
            expect(queue.id).to.equal("");
            // A computed output the program does not set is unknown too, not absent: the queue's policy (the
            // @pulumi/aws typings declare it `pulumi.Output<string>`; `delaySeconds`, `Output<number | undefined>`, is not).
            expect(computedOutputs("aws:sqs/queue:Queue")).to.include.members(["arn", "url", "policy", "tagsAll"]).and.not.include("delaySeconds");
            expect(queue.state.policy).to.equal(UNKNOWN);
            expect(queue.state).to.not.have.property("delaySeconds");
        });
    });

    describe("the offline policy run as @pulumi/policy's server", () => {
        // A pack of two: one reads the attachment's policyArn (a customer-managed policy's ARN, unknown at a first
        // preview), one reads only what the program gave (the role's name).
        const readsArn: ResourceValidationPolicy = {
            name: "reads-arn",
            description: "reads policyArn",
            enforcementLevel: "mandatory",
            validateResource: (args, report) => {
                if (args.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" && !String(args.props.policyArn).startsWith("arn:")) report("not an ARN");
            },
        };
        const readsName: ResourceValidationPolicy = {
            name: "reads-name",
            description: "reads name",
            enforcementLevel: "mandatory",
            validateResource: (args, report) => {
                if (args.type === "aws:iam/role:Role") report(`role ${String(args.props.name)}`);
            },
        };
        const program = () => {
            // The stack files disable default providers, as Pulumi.yaml does for the program.
            const provider = new aws.Provider("aws", { region: "us-west-2" });
            const role = new aws.iam.Role("r", { name: "fixed-name", assumeRolePolicy: "{}" }, { provider });
            const policy = new aws.iam.Policy("p", { policy: "{}" }, { provider });
            new aws.iam.RolePolicyAttachment("a", { role: role.name, policyArn: policy.arn }, { provider });
            return {};
        };

        it("a policy that reads an unknown value is reported as can't run, advisory, in place of its verdict; the others run", async () => {
            const preview = await runProgram(stackConfig("dev"), { program, firstPreview: true });
            expect(await runPolicies(preview, {}, [readsArn, readsName])).to.deep.equal([
                {
                    policy: "reads-arn",
                    enforcementLevel: "advisory",
                    urn: findResource(preview, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "a").urn,
                    resource: "a",
                    message: "can't run policy 'reads-arn' from policy pack 'eks-karpenter@v0.1.0' during preview: string value at .policyArn can't be known during preview",
                },
                { policy: "reads-name", enforcementLevel: "mandatory", urn: findResource(preview, "aws:iam/role:Role", "r").urn, resource: "r", message: "role fixed-name" },
            ]);
            // An update of the same program: every value known, the verdicts themselves.
            const update = await runProgram(stackConfig("dev"), { program });
            expect((await runPolicies(update, {}, [readsArn, readsName])).map((v) => v.policy)).to.deep.equal(["reads-name"]);
        });
    });

    describe("ARNs the program builds from names (known at a first preview)", () => {
        it("have the formats AWS documents (IAM identifiers; CloudWatch Logs log groups)", () => {
            // IAM User Guide, "IAM identifiers": arn:aws:iam::123456789012:role/application_abc/component_xyz/RDSAccess
            expect(iamArn("aws", "123456789012", "role", "/application_abc/component_xyz/", "RDSAccess")).to.equal("arn:aws:iam::123456789012:role/application_abc/component_xyz/RDSAccess");
            expect(iamArn("aws", "123456789012", "policy", "/", "UsersManageOwnCredentials")).to.equal("arn:aws:iam::123456789012:policy/UsersManageOwnCredentials");
            expect(iamArn("aws-cn", "123456789012", "role", "/", "r")).to.equal("arn:aws-cn:iam::123456789012:role/r");
            // The provider's log group `arn` attribute has no trailing ":*" (the delivery policy adds it for the streams).
            expect(logGroupArn("aws", "us-east-1", "123456789012", "my-log-group")).to.equal("arn:aws:logs:us-east-1:123456789012:log-group:my-log-group");
        });

        it("in an update, each equals the ARN AWS reports for the resource it names, with a custom IAM path too", async () => {
            for (const update of [await sharedRun("dev"), await runStack("dev", { iam: { path: "/platform/" } })]) {
                const attachments = update.resources.filter((r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" && !String(r.inputs.policyArn).includes(":aws:policy/"));
                expect(attachments).to.have.length(6);
                for (const a of attachments) expect(a.inputs.policyArn).to.equal(update.resources.find((r) => r.type === "aws:iam/policy:Policy" && r.state.arn === a.inputs.policyArn)?.state.arn);
                const entry = findResource(update, "aws:eks/accessEntry:AccessEntry", "eks-karpenter-dev-karpenter-node");
                expect(entry.inputs.principalArn).to.equal(findResource(update, "aws:iam/role:Role", "eks-karpenter-dev-karpenter-node").state.arn);
                const association = findResource(update, "aws:eks/podIdentityAssociation:PodIdentityAssociation", "eks-karpenter-dev-karpenter-controller");
                expect(association.inputs.roleArn).to.equal(findResource(update, "aws:iam/role:Role", "eks-karpenter-dev-karpenter-controller").state.arn);
                const queue = findResource(update, "aws:sqs/queue:Queue", "eks-karpenter-dev-karpenter-interruption");
                for (const t of update.resources.filter((r) => r.type === "aws:cloudwatch/eventTarget:EventTarget")) expect(t.inputs.arn).to.equal(queue.state.arn);
                const logGroup = update.resources.find((r) => r.type === "aws:cloudwatch/logGroup:LogGroup")!;
                const delivery = JSON.parse(String(findResource(update, "aws:iam/rolePolicy:RolePolicy", "eks-karpenter-dev-flow-logs").inputs.policy)) as { Statement: Array<{ Resource: string[] }> };
                expect(delivery.Statement[0].Resource).to.deep.equal([logGroup.state.arn, `${String(logGroup.state.arn)}:*`]);
            }
        });
    });

    describe("the policy mutation suite's insecure edits, made to a first preview", () => {
        // What a first preview cannot show, by the engine's rules: the Kubernetes objects have no outputs (their
        // provider's kubeconfig comes from the cluster not created yet), so a stack policy does not see the
        // EC2NodeClass's subnets; and an edit that links resources by an ARN AWS has not
        // assigned, without the property dependency a program's reference would carry, cannot be followed. Every
        // other edit must be blocked by the same mandatory policies as in an update.
        const NOT_AT_FIRST_PREVIEW: Record<string, string> = {
            "an EC2NodeClass adds a public subnet by id": "the EC2NodeClass has no outputs (and the public subnets no ids) yet",
            "the controller's NodeLifecycle policy is also attached to Karpenter's node role": "the edit attaches by the policy's ARN, unknown, without a property dependency",
        };
        for (const stack of ["dev", "prod"]) {
            it(`${stack}: blocked by the same mandatory policies as in an update (${Object.keys(NOT_AT_FIRST_PREVIEW).length} edits excepted, each with its reason)`, async () => {
                const preview = await runs.get(stack)!();
                const differing: Record<string, string> = {};
                for (const e of EDITS.filter((x) => !x.config)) {
                    const run = copyRun(preview);
                    const clusterName = String(run.resources.find((r) => r.type === R.cluster)!.inputs.name);
                    e.apply(run, { clusterName, prefix: clusterName });
                    const blocked = [...new Set((await runPolicies(run, packConfigFor(stack))).filter((v) => v.enforcementLevel === "mandatory").map((v) => v.policy))];
                    if (!e.blockedBy.every((p) => blocked.includes(p))) differing[e.edit] = `blocked by ${blocked.join(", ") || "nothing"}`;
                }
                expect(Object.keys(differing).sort()).to.deep.equal(Object.keys(NOT_AT_FIRST_PREVIEW).sort());
            });
        }
    });

    // Each configuration the shared runs cover, and the review stack: its first preview against its update.
    const firstPreviewOf = (config: () => RawStackConfig) => () => runProgram(config(), { serializeDynamicProviders: false, firstPreview: true });
    const cases: Array<{ name: string; stack: string; preview: () => Promise<ProgramRun>; update: () => Promise<ProgramRun> }> = [
        { name: "dev", stack: "dev", preview: runs.get("dev")!, update: () => sharedRun("dev") },
        { name: "prod", stack: "prod", preview: runs.get("prod")!, update: () => sharedRun("prod") },
        { name: "pr (a review stack)", stack: "pr", preview: runs.get("pr")!, update: () => runStack("pr") },
        { name: "dev in an existing VPC", stack: "dev", preview: firstPreviewOf(() => rawConfig("dev", EXISTING_VPC_OVERRIDES)), update: () => sharedRun("existingVpc") },
        { name: "examples/existing-cluster.yaml", stack: "existing-cluster", preview: firstPreviewOf(existingClusterConfig), update: () => sharedRun("existingCluster") },
    ];
    for (const c of cases) {
        it(`${c.name}: every policy of the pack runs (none reported as can't run during preview), with the verdicts of an update`, async () => {
            const preview = await c.preview();
            const verdicts = await runPolicies(preview, packConfigFor(c.stack));
            const cantRun = verdicts.filter(notRun);
            expect([...new Set(cantRun.map((v) => `${v.policy}: ${v.message.replace(/^.* during preview: /, "")}`))]).to.deep.equal([]);
            // No verdict lost or invented by a value the preview does not know.
            expect(verdicts).to.deep.equal(await runPolicies(await c.update(), packConfigFor(c.stack)));
        });
    }
});
