import type { ResourceValidationPolicy } from "@pulumi/policy";
import * as aws from "@pulumi/aws";
import { expect } from "chai";
import { findResource, runProgram } from "../offline/engine";
import { UNKNOWN } from "../offline/cloud";
import { runPolicies } from "../offline/policies";
import { stackConfig } from "../offline/stackFiles";
import { shared } from "./helpers/lazy";

/**
 * The first `pulumi preview` of a stack (no state yet, as for every new review stack and environment): the SDK runs
 * in preview mode and what AWS assigns on create is unknown. Facts: @pulumi/pulumi runtime/rpc.js (a missing output
 * or an empty id is unknown during a preview; `apply` does not run on unknowns), the AWS provider's Check
 * (auto-naming fills in `name` before create), @pulumi/policy server.js (props behind unknownCheckingProxy; a policy
 * that reads an unknown is reported as "can't run ... during preview", advisory, instead of its verdict).
 */
describe("the first preview of a new stack", () => {
    const runs = new Map(["dev"].map((stack) => [stack, shared(() => runProgram(stackConfig(stack), { serializeDynamicProviders: false, firstPreview: true }))]));

    describe("the offline engine as a first preview", () => {
        it("the same resources as an update, with AWS-assigned values unknown and auto-generated names known", async () => {
            const preview = await runs.get("dev")!();
            const update = await runProgram(stackConfig("dev"), { serializeDynamicProviders: false });
            expect(preview.resources.map((r) => r.urn).sort()).to.deep.equal(update.resources.map((r) => r.urn).sort());
            // The flow-log role's ARN (AWS assigns it) reaches the flow log unknown; the queue's auto-named name is known.
            expect(findResource(preview, "aws:ec2/flowLog:FlowLog", "eks-karpenter-dev-flow-logs").inputs.iamRoleArn).to.equal(UNKNOWN);
            expect(findResource(update, "aws:ec2/flowLog:FlowLog", "eks-karpenter-dev-flow-logs").inputs.iamRoleArn).to.match(/^arn:aws:iam::123456789012:role\//);
            const queue = findResource(preview, "aws:sqs/queue:Queue", "eks-karpenter-dev-karpenter-interruption");
            expect(queue.state.name).to.equal("eks-karpenter-dev");
            expect(queue.state.arn).to.equal(UNKNOWN);
            expect(queue.id).to.equal("");
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
});
