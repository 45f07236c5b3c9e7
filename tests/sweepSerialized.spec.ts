import {
    DeleteLaunchTemplateCommand,
    DeleteNetworkInterfaceCommand,
    DescribeInstancesCommand,
    DescribeLaunchTemplatesCommand,
    DescribeNetworkInterfacesCommand,
    TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { DeleteInstanceProfileCommand, ListInstanceProfileTagsCommand, ListInstanceProfilesCommand, RemoveRoleFromInstanceProfileCommand } from "@aws-sdk/client-iam";
import type * as pulumi from "@pulumi/pulumi";
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { ProgramRun, runProgram } from "../offline/engine";
import { stackConfig } from "../offline/stackFiles";
import { ec2, ec2Error, emptyAccount, iam, noSuchEntity, throttled, unauthorized } from "./helpers/awsMock";
import { deleteAsHost, serializedProvider } from "./helpers/dynamicProvider";
import { sharedRun } from "./helpers/sharedRuns";

/**
 * `pulumi destroy` runs the cleanup provider as the closure serializer wrote it into the state, loaded from that
 * text by the dynamic-provider host. These tests take the text the real program produced (the `__provider` input
 * of the registered resource), load it with the host's loader, and call delete as the host does.
 */
const C = "eks-karpenter-dev";
const reservation = (...ids: string[]) => ({ Instances: ids.map((InstanceId) => ({ InstanceId })) });
const ownTags = [
    { Key: `kubernetes.io/cluster/${C}`, Value: "owned" },
    { Key: "topology.kubernetes.io/region", Value: "us-west-2" },
    { Key: "karpenter.k8s.aws/ec2nodeclass", Value: "default" },
];

/** console.log lines the provider printed while `fn` ran (the host forwards them to the engine). */
async function printed<T>(fn: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
    const lines: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => void lines.push(args.join(" "));
    try {
        return { result: await fn(), lines };
    } finally {
        console.log = log;
    }
}

describe("offline engine: a plan's unserialized providers stay in that run", () => {
    it("a run after one with serializeDynamicProviders: false in the same process carries the real provider", async () => {
        // The SDK caches a dynamic provider's serialized text per provider object (PULUMI_NODEJS_CACHE_DYNAMIC_PROVIDERS,
        // on by default); a plan's stand-in text must not be what the next run in this process records.
        await runProgram(stackConfig("dev"), { serializeDynamicProviders: false });
        const after = await runProgram(stackConfig("dev"));
        expect(() => serializedProvider(after, `${C}-karpenter-cleanup`)).to.not.throw();
    });
});

describe("the cleanup sweep as pulumi destroy runs it (serialized by the program, loaded by the host's loader)", () => {
    let run: ProgramRun;
    let karpenter: { provider: pulumi.dynamic.ResourceProvider; props: Record<string, unknown> };
    beforeEach(async () => {
        run = await sharedRun("dev");
        karpenter = serializedProvider(run, `${C}-karpenter-cleanup`);
    });
    beforeEach(emptyAccount);

    it("happy path: terminates Karpenter's instances and deletes its launch templates, instance profiles and the ENIs they left", async () => {
        ec2.on(DescribeInstancesCommand).resolvesOnce({ Reservations: [reservation("i-k1")] }).resolves({ Reservations: [] });
        ec2.on(DescribeInstancesCommand, { Filters: [{ Name: `tag:kubernetes.io/cluster/${C}`, Values: ["owned"] }, { Name: "tag-key", Values: ["karpenter.sh/nodepool"] }, { Name: "instance-id", Values: ["i-k1", "i-system"] }] }).resolves({
            Reservations: [reservation("i-k1")],
        });
        ec2.on(TerminateInstancesCommand).resolves({});
        ec2.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [{ LaunchTemplateId: "lt-1", LaunchTemplateName: "karpenter.k8s.aws/1" }] });
        ec2.on(DeleteLaunchTemplateCommand).resolves({});
        iam.on(ListInstanceProfilesCommand).resolves({ InstanceProfiles: [{ InstanceProfileName: `${C}_123`, Roles: [{ RoleName: `${C}-karpenter-node` }] } as never], IsTruncated: false });
        iam.on(ListInstanceProfileTagsCommand).resolves({ Tags: ownTags });
        iam.on(RemoveRoleFromInstanceProfileCommand).resolves({});
        iam.on(DeleteInstanceProfileCommand).resolves({});
        const eni = (id: string, instance: string) => ({ NetworkInterfaceId: id, Status: "available" as const, TagSet: [{ Key: "node.k8s.amazonaws.com/instance_id", Value: instance }] });
        ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [eni("eni-k1", "i-k1"), eni("eni-sys", "i-system")] });
        ec2.on(DeleteNetworkInterfaceCommand).resolves({});

        const { result, lines } = await printed(() => deleteAsHost(karpenter.provider, `${C}-karpenter-cleanup`, karpenter.props));
        expect(result).to.equal(undefined);
        expect(ec2.commandCalls(TerminateInstancesCommand).map((c) => c.args[0].input.InstanceIds)).to.deep.equal([["i-k1"]]);
        expect(ec2.commandCalls(DeleteLaunchTemplateCommand).map((c) => c.args[0].input.LaunchTemplateId)).to.deep.equal(["lt-1"]);
        expect(iam.commandCalls(DeleteInstanceProfileCommand).map((c) => c.args[0].input.InstanceProfileName)).to.deep.equal([`${C}_123`]);
        expect(ec2.commandCalls(DeleteNetworkInterfaceCommand).map((c) => c.args[0].input.NetworkInterfaceId), "only the ENI a Karpenter instance left").to.deep.equal(["eni-k1"]);
        expect(lines.at(-1)).to.equal(`[karpenter cleanup] swept ${C}: 1 instance(s), 1 launch template(s), 1 instance profile(s), 1 network interface(s)`);
    });

    it("throttling: retries the throttled call and finishes", async () => {
        ec2.on(DescribeInstancesCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).resolves({ Reservations: [] });
        const { result, lines } = await printed(() => deleteAsHost(karpenter.provider, `${C}-karpenter-cleanup`, karpenter.props));
        expect(result?.logged).to.equal(undefined);
        expect(lines.filter((l) => l === "[karpenter cleanup] throttled on DescribeInstances; retrying")).to.have.length(2);
    });

    it("already gone: NotFound and NoSuchEntity count as deleted, and the destroy goes on", async () => {
        ec2.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [{ LaunchTemplateId: "lt-gone" }] });
        ec2.on(DeleteLaunchTemplateCommand).rejects(Object.assign(new Error("The specified launch template, with template ID lt-gone, does not exist."), { name: "InvalidLaunchTemplateId.NotFound" }));
        iam.on(ListInstanceProfilesCommand).resolves({ InstanceProfiles: [{ InstanceProfileName: `${C}_1`, Roles: [{ RoleName: "r" }] } as never], IsTruncated: false });
        iam.on(ListInstanceProfileTagsCommand).resolves({ Tags: ownTags });
        iam.on(RemoveRoleFromInstanceProfileCommand).rejects(noSuchEntity("Instance Profile"));
        iam.on(DeleteInstanceProfileCommand).rejects(noSuchEntity("Instance Profile"));
        const { result, lines } = await printed(() => deleteAsHost(karpenter.provider, `${C}-karpenter-cleanup`, karpenter.props));
        expect(result?.logged).to.equal(undefined);
        expect(lines.at(-1)).to.equal(`[karpenter cleanup] swept ${C}: 0 instance(s), 0 launch template(s), 0 instance profile(s), 0 network interface(s)`);
    });

    it("an id already gone in a batch: EC2 rejects the whole TerminateInstances call, so the still-live ids are terminated one by one", async () => {
        // EC2 API reference, TerminateInstances: "If you specify multiple instances and the request fails (for
        // example, because of a single incorrect instance ID), none of the instances are terminated."
        const terminated: string[] = [];
        let describes = 0;
        ec2.on(DescribeInstancesCommand).callsFake(() => {
            // The first listing still shows i-ghost (gone since, as EC2's eventual consistency allows).
            const listed = describes++ === 0 ? ["i-k1", "i-ghost", "i-k2"] : ["i-k1", "i-k2"].filter((id) => !terminated.includes(id));
            return { Reservations: listed.length > 0 ? [reservation(...listed)] : [] };
        });
        ec2.on(TerminateInstancesCommand).callsFake((input: { InstanceIds: string[] }) => {
            if (input.InstanceIds.includes("i-ghost")) throw ec2Error("InvalidInstanceID.NotFound", "The instance ID 'i-ghost' does not exist");
            terminated.push(...input.InstanceIds);
            return {};
        });
        const { result } = await printed(() => deleteAsHost(karpenter.provider, `${C}-karpenter-cleanup`, { ...karpenter.props, timeoutSeconds: 1 }));
        expect(result?.message, "no wait for instances nobody terminated").to.equal(undefined);
        expect(terminated.sort()).to.deep.equal(["i-k1", "i-k2"]);
    });

    it("access denied: the destroy fails with the call, the AWS code and its message", async () => {
        ec2.on(DescribeInstancesCommand).resolves({ Reservations: [reservation("i-k1")] });
        ec2.on(TerminateInstancesCommand).rejects(unauthorized());
        const failure = await deleteAsHost(karpenter.provider, `${C}-karpenter-cleanup`, karpenter.props);
        // The call, the AWS code, AWS's own message (which ends in a full stop: one, not two), then what to do.
        const parts = failure?.message?.split(". ") ?? [];
        expect(parts[0]).to.equal(`karpenter cleanup of ${C}: TerminateInstances failed: UnauthorizedOperation: You are not authorized to perform this operation`);
        expect(parts.slice(1).join(". ")).to.equal("Fix the cause (the credentials running pulumi destroy need the permissions in the README) and run pulumi destroy again.");
        expect(failure?.message).to.not.include("..");
        expect(failure?.logged).to.match(/^UnauthorizedOperation: karpenter cleanup of /);
    });

    it("timeout: the destroy fails with a message naming what is left, and the leftover ids", async () => {
        ec2.on(DescribeInstancesCommand).resolves({ Reservations: [reservation("i-stuck")] });
        ec2.on(TerminateInstancesCommand).resolves({});
        // timeoutSeconds 1 (the stack's is 900): the deadline passes before the first 10 s poll.
        const { result: failure } = await printed(() => deleteAsHost(karpenter.provider, `${C}-karpenter-cleanup`, { ...karpenter.props, timeoutSeconds: 1 }));
        expect(failure?.message).to.equal(
            `karpenter cleanup of ${C} timed out after 1 s waiting for instances to terminate: i-stuck still there. Run pulumi destroy again (the sweep is idempotent), or remove them by hand.`,
        );
        expect(failure?.logged).to.match(/^SweepTimeoutError: karpenter cleanup of /);
        expect((failure?.error as { leftover?: string[] }).leftover).to.deep.equal(["i-stuck"]);
    });

    it("ENI step (after the system node group, before the VPC): deletes this cluster's detached ENIs, whoever's node left them", async () => {
        const eniStep = serializedProvider(run, `${C}-eni-cleanup`);
        ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [{ NetworkInterfaceId: "eni-a", Status: "available" }, { NetworkInterfaceId: "eni-gone", Status: "available" }] });
        ec2.on(DeleteNetworkInterfaceCommand, { NetworkInterfaceId: "eni-a" }).resolves({});
        ec2.on(DeleteNetworkInterfaceCommand, { NetworkInterfaceId: "eni-gone" }).rejects(Object.assign(new Error("gone"), { name: "InvalidNetworkInterfaceID.NotFound" }));
        const { result, lines } = await printed(() => deleteAsHost(eniStep.provider, `${C}-eni-cleanup`, eniStep.props));
        expect(result).to.equal(undefined);
        expect(ec2.commandCalls(DescribeNetworkInterfacesCommand)[0].args[0].input.Filters).to.deep.equal([{ Name: "tag:cluster.k8s.amazonaws.com/name", Values: [C] }]);
        expect(lines).to.deep.equal(["[eni cleanup] deleted network interface eni-a", `[eni cleanup] swept ${C}: 1 network interface(s)`]);
    });

    it("ENI step timeout: names the interfaces still attached", async () => {
        const eniStep = serializedProvider(run, `${C}-eni-cleanup`);
        ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [{ NetworkInterfaceId: "eni-held", Status: "in-use" }] });
        const failure = await deleteAsHost(eniStep.provider, `${C}-eni-cleanup`, { ...eniStep.props, timeoutSeconds: 1 });
        expect(failure?.message).to.equal(
            `network interface cleanup of ${C} timed out after 1 s waiting for network interfaces to detach: eni-held still there. Run pulumi destroy again (the sweep is idempotent), or remove them by hand.`,
        );
        expect((failure?.error as { leftover?: string[] }).leftover).to.deep.equal(["eni-held"]);
    });

    it("captures no module-level value the serializer would re-create (Set, Map, RegExp, Error subclass)", () => {
        // The serializer writes such values as plain objects with their methods copied or their prototype reset.
        expect(String(karpenter.props.__provider)).to.not.match(/Object\.setPrototypeOf|global\.(Set|Map|WeakMap)\.prototype|new RegExp\(|__super/);
    });

    it("a pulumi up after a code change stores the new code (an update, never a replacement, which would sweep)", async () => {
        const olds = { ...karpenter.props, __provider: "exports.handler = () => ({}); // an older sweep" };
        expect(await karpenter.provider.diff!(`${C}-karpenter-cleanup`, olds, karpenter.props)).to.deep.equal({ changes: true, replaces: [] });
    });

    it("README lists every AWS permission the serialized sweeps use", () => {
        const readme = fs.readFileSync(path.resolve(__dirname, "..", "README.md"), "utf8");
        const text = String(karpenter.props.__provider) + String(serializedProvider(run, `${C}-eni-cleanup`).props.__provider);
        const actions = [...new Set([...text.matchAll(/new (\w+)Command\(/g)].map((m) => m[1]))].sort();
        expect(actions.length).to.be.greaterThan(8);
        const iamActions = ["ListInstanceProfiles", "ListInstanceProfileTags", "RemoveRoleFromInstanceProfile", "DeleteInstanceProfile"];
        for (const action of actions) expect(readme, action).to.include(`\`${iamActions.includes(action) ? "iam" : "ec2"}:${action}\``);
    });
});
