import {
    DeleteLaunchTemplateCommand,
    DeleteNetworkInterfaceCommand,
    DescribeInstancesCommand,
    DescribeLaunchTemplatesCommand,
    DescribeNetworkInterfacesCommand,
    EC2Client,
    TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { DeleteInstanceProfileCommand, IAMClient, ListInstanceProfileTagsCommand, ListInstanceProfilesCommand, RemoveRoleFromInstanceProfileCommand } from "@aws-sdk/client-iam";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { cleanupProvider } from "../components/karpenter/cleanup";
import { SweepOptions, SweepTimeoutError, sweep } from "../components/karpenter/sweep";

const ec2 = mockClient(EC2Client);
const iam = mockClient(IAMClient);

/** A fake clock: sleeping advances it, so waits are instant and timeouts deterministic. */
function clock() {
    let t = 0;
    const sleeps: number[] = [];
    return { now: () => t, sleep: async (ms: number) => void (sleeps.push(ms), (t += ms)), sleeps };
}

function options(extra: Partial<SweepOptions> = {}): SweepOptions & { lines: string[] } {
    const c = clock();
    const lines: string[] = [];
    return { clusterName: "demo", region: "us-west-2", ec2: new EC2Client({ region: "us-west-2" }), iam: new IAMClient({ region: "us-west-2" }), timeoutMs: 60_000, pollMs: 5_000, now: c.now, sleep: c.sleep, log: (l) => lines.push(l), lines, ...extra };
}

/** An account where this cluster left nothing: every listing is empty. */
function emptyAccount() {
    ec2.reset();
    iam.reset();
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [] });
    ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
    iam.on(ListInstanceProfilesCommand).resolves({ InstanceProfiles: [], IsTruncated: false });
}

const reservation = (...ids: string[]) => ({ Instances: ids.map((InstanceId) => ({ InstanceId })) });
const throttle = () => Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });

describe("Karpenter cleanup sweep (AWS SDK v3 under aws-sdk-client-mock)", () => {
    beforeEach(emptyAccount);

    it("does nothing when nothing is left, and asks only about this cluster's Karpenter resources", async () => {
        const o = options();
        expect(await sweep(o)).to.deep.equal({ terminatedInstances: [], deletedLaunchTemplates: [], deletedInstanceProfiles: [], deletedNetworkInterfaces: [] });
        expect(ec2.commandCalls(TerminateInstancesCommand)).to.have.length(0);
        expect(ec2.commandCalls(DeleteLaunchTemplateCommand)).to.have.length(0);
        const filters = ec2.commandCalls(DescribeInstancesCommand)[0].args[0].input.Filters;
        expect(filters).to.deep.include({ Name: "tag:kubernetes.io/cluster/demo", Values: ["owned"] });
        expect(filters).to.deep.include({ Name: "tag-key", Values: ["karpenter.sh/nodepool"] });
        expect(o.lines.at(-1)).to.equal("swept demo: 0 instance(s), 0 launch template(s), 0 instance profile(s), 0 network interface(s)");
    });

    it("terminates instances across many pages and waits until they have terminated", async () => {
        const describe = ec2.on(DescribeInstancesCommand);
        describe
            .resolvesOnce({ Reservations: [reservation("i-1", "i-2")], NextToken: "p2" })
            .resolvesOnce({ Reservations: [reservation("i-3")] })
            .resolvesOnce({ Reservations: [reservation("i-3")] }) // still shutting down
            .resolves({ Reservations: [] });
        ec2.on(TerminateInstancesCommand).resolves({});
        const o = options();
        const report = await sweep(o);
        expect(report.terminatedInstances).to.deep.equal(["i-1", "i-2", "i-3"]);
        expect(ec2.commandCalls(TerminateInstancesCommand).map((c) => c.args[0].input.InstanceIds)).to.deep.equal([["i-1", "i-2", "i-3"]]);
        expect(o.lines).to.include("waiting for instances to terminate: 1 left");
    });

    it("retries throttled calls with backoff, then succeeds", async () => {
        ec2.on(DescribeInstancesCommand).rejectsOnce(throttle()).rejectsOnce(throttle()).resolves({ Reservations: [] });
        const o = options();
        await sweep(o);
        expect(o.lines.filter((l) => l === "throttled on DescribeInstances; retrying")).to.have.length(2);
    });

    it("deletes launch templates and this cluster's instance profiles only, leaving another cluster's alone", async () => {
        ec2.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [{ LaunchTemplateId: "lt-1", LaunchTemplateName: "karpenter.k8s.aws/1" }] });
        ec2.on(DeleteLaunchTemplateCommand).resolves({});
        iam.on(ListInstanceProfilesCommand)
            .resolvesOnce({ InstanceProfiles: [{ InstanceProfileName: "demo_111", Roles: [{ RoleName: "demo-karpenter-node" }] } as never], IsTruncated: true, Marker: "m" })
            .resolvesOnce({ InstanceProfiles: [{ InstanceProfileName: "demo_222", Roles: [] } as never, { InstanceProfileName: "other_333", Roles: [] } as never], IsTruncated: false });
        const ours = [
            { Key: "kubernetes.io/cluster/demo", Value: "owned" },
            { Key: "topology.kubernetes.io/region", Value: "us-west-2" },
            { Key: "karpenter.k8s.aws/ec2nodeclass", Value: "default" },
        ];
        iam.on(ListInstanceProfileTagsCommand, { InstanceProfileName: "demo_111" }).resolves({ Tags: ours });
        // Same name prefix, but tagged for a cluster named "demo" in another region: not ours.
        iam.on(ListInstanceProfileTagsCommand, { InstanceProfileName: "demo_222" }).resolves({ Tags: [ours[0], { Key: "topology.kubernetes.io/region", Value: "eu-west-1" }, ours[2]] });
        iam.on(RemoveRoleFromInstanceProfileCommand).resolves({});
        iam.on(DeleteInstanceProfileCommand).resolves({});
        const report = await sweep(options());
        expect(report.deletedLaunchTemplates).to.deep.equal(["lt-1"]);
        expect(report.deletedInstanceProfiles).to.deep.equal(["demo_111"]);
        expect(iam.commandCalls(RemoveRoleFromInstanceProfileCommand).map((c) => c.args[0].input)).to.deep.equal([{ InstanceProfileName: "demo_111", RoleName: "demo-karpenter-node" }]);
        expect(iam.commandCalls(ListInstanceProfileTagsCommand).map((c) => c.args[0].input.InstanceProfileName)).to.deep.equal(["demo_111", "demo_222"]);
    });

    it("treats resources already gone as done (idempotent)", async () => {
        ec2.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [{ LaunchTemplateId: "lt-gone" }] });
        ec2.on(DeleteLaunchTemplateCommand).rejects(Object.assign(new Error("gone"), { name: "InvalidLaunchTemplateId.NotFound" }));
        const report = await sweep(options());
        expect(report.deletedLaunchTemplates).to.deep.equal([]);
    });

    it("waits for attached network interfaces to detach and deletes the detached ones", async () => {
        ec2.on(DescribeNetworkInterfacesCommand)
            .resolvesOnce({ NetworkInterfaces: [{ NetworkInterfaceId: "eni-1", Status: "in-use" }, { NetworkInterfaceId: "eni-2", Status: "available" }] })
            .resolvesOnce({ NetworkInterfaces: [{ NetworkInterfaceId: "eni-1", Status: "available" }] })
            .resolves({ NetworkInterfaces: [] });
        ec2.on(DeleteNetworkInterfaceCommand).resolves({});
        const report = await sweep(options());
        expect(report.deletedNetworkInterfaces).to.deep.equal(["eni-2", "eni-1"]);
        expect(ec2.commandCalls(DescribeNetworkInterfacesCommand)[0].args[0].input.Filters).to.deep.equal([{ Name: "tag:cluster.k8s.amazonaws.com/name", Values: ["demo"] }]);
    });

    it("reports a timeout clearly when instances never terminate", async () => {
        ec2.on(DescribeInstancesCommand).resolves({ Reservations: [reservation("i-stuck")] });
        ec2.on(TerminateInstancesCommand).resolves({});
        let error: unknown;
        try {
            await sweep(options({ timeoutMs: 20_000 }));
        } catch (e) {
            error = e;
        }
        expect(error).to.be.instanceOf(SweepTimeoutError);
        expect((error as Error).message).to.equal("timed out after 20 s waiting for instances to terminate: i-stuck still there. Run pulumi destroy again, or remove them by hand.");
    });
});

describe("Karpenter cleanup dynamic provider", () => {
    beforeEach(emptyAccount);

    it("does nothing on create and sweeps the cluster in its region on delete", async () => {
        const inputs = { clusterName: "demo", region: "eu-west-1", timeoutSeconds: 60 };
        expect(await cleanupProvider.create!(inputs)).to.deep.equal({ id: "demo-karpenter-cleanup", outs: inputs });
        expect(ec2.calls()).to.have.length(0);
        await cleanupProvider.delete!("demo-karpenter-cleanup", inputs);
        const describe = ec2.commandCalls(DescribeInstancesCommand)[0];
        expect(describe.args[0].input.Filters).to.deep.include({ Name: "tag:kubernetes.io/cluster/demo", Values: ["owned"] });
        expect(await describe.thisValue.config.region()).to.equal("eu-west-1");
    });
});
