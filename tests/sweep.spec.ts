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
import { expect } from "chai";
import { cleanupProvider } from "../components/karpenter/cleanup";
import { SweepOptions, isSweepTimeout, sweepKarpenter as sweep, sweepNetworkInterfaces } from "../components/karpenter/sweep";
import { ec2, emptyAccount, iam, throttled as throttle, unauthorized } from "./helpers/awsMock";

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

const reservation = (...ids: string[]) => ({ Instances: ids.map((InstanceId) => ({ InstanceId })) });
const cniEni = (id: string, status: "available" | "in-use", instance: string) => ({ NetworkInterfaceId: id, Status: status, TagSet: [{ Key: "node.k8s.amazonaws.com/instance_id", Value: instance }] });

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

    it("deletes only the detached ENIs Karpenter's instances left, and never waits on ENIs in use", async () => {
        // The system nodes (i-sys) still run and hold eni-sys; eni-old belongs to a node that is not Karpenter's.
        ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [cniEni("eni-k", "available", "i-k"), cniEni("eni-old", "available", "i-old")] });
        ec2.on(DescribeInstancesCommand, { Filters: [{ Name: "tag:kubernetes.io/cluster/demo", Values: ["owned"] }, { Name: "tag-key", Values: ["karpenter.sh/nodepool"] }, { Name: "instance-id", Values: ["i-k", "i-old"] }] }).resolves({
            Reservations: [reservation("i-k")],
        });
        ec2.on(DeleteNetworkInterfaceCommand).resolves({});
        const o = options();
        const report = await sweep(o);
        expect(report.deletedNetworkInterfaces).to.deep.equal(["eni-k"]);
        expect(ec2.commandCalls(DescribeNetworkInterfacesCommand)[0].args[0].input.Filters).to.deep.equal([
            { Name: "tag:cluster.k8s.amazonaws.com/name", Values: ["demo"] },
            { Name: "status", Values: ["available"] },
        ]);
        expect(o.lines).to.include("left 1 detached network interface(s) of other nodes alone");
        expect(o.lines.filter((l) => l.startsWith("waiting")), "no wait on ENIs").to.deep.equal([]);
    });

    it("asks about the instances behind leaked ENIs in batches of 200", async () => {
        ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: Array.from({ length: 250 }, (_, i) => cniEni(`eni-${i}`, "available", `i-${i}`)) });
        await sweep(options());
        const batches = ec2.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input.Filters?.find((f) => f.Name === "instance-id")?.Values?.length).filter((n) => n !== undefined);
        expect(batches).to.deep.equal([200, 50]);
    });

    it("reports a timeout clearly when instances never terminate, with the ids left", async () => {
        ec2.on(DescribeInstancesCommand).resolves({ Reservations: [reservation("i-stuck")] });
        ec2.on(TerminateInstancesCommand).resolves({});
        let error: unknown;
        try {
            await sweep(options({ timeoutMs: 20_000 }));
        } catch (e) {
            error = e;
        }
        expect(isSweepTimeout(error) && error.leftover).to.deep.equal(["i-stuck"]);
        expect((error as Error).message).to.equal(
            "karpenter cleanup of demo timed out after 20 s waiting for instances to terminate: i-stuck still there. Run pulumi destroy again (the sweep is idempotent), or remove them by hand.",
        );
    });

    it("surfaces a refused call with its name, the AWS code and message", async () => {
        ec2.on(DescribeLaunchTemplatesCommand).rejects(unauthorized());
        let error: unknown;
        try {
            await sweep(options());
        } catch (e) {
            error = e;
        }
        expect((error as Error).name).to.equal("UnauthorizedOperation");
        expect((error as Error).message).to.match(/^karpenter cleanup of demo: DescribeLaunchTemplates failed: UnauthorizedOperation: You are not authorized/);
    });
});

describe("ENI sweep after the system node group (greenfield cluster only)", () => {
    beforeEach(emptyAccount);

    it("waits for this cluster's attached ENIs to detach and deletes every detached one", async () => {
        ec2.on(DescribeNetworkInterfacesCommand)
            .resolvesOnce({ NetworkInterfaces: [cniEni("eni-1", "in-use", "i-sys"), cniEni("eni-2", "available", "i-sys")] })
            .resolvesOnce({ NetworkInterfaces: [cniEni("eni-1", "available", "i-sys")] })
            .resolves({ NetworkInterfaces: [] });
        ec2.on(DeleteNetworkInterfaceCommand).resolves({});
        const o = options();
        expect(await sweepNetworkInterfaces(o)).to.deep.equal(["eni-2", "eni-1"]);
        expect(ec2.commandCalls(DescribeNetworkInterfacesCommand)[0].args[0].input.Filters).to.deep.equal([{ Name: "tag:cluster.k8s.amazonaws.com/name", Values: ["demo"] }]);
        expect(o.lines).to.include("waiting for network interfaces to detach: 1 left");
    });
});

describe("Karpenter cleanup dynamic provider", () => {
    beforeEach(emptyAccount);

    it("does nothing on create and sweeps the cluster in its region on delete", async () => {
        const inputs = { clusterName: "demo", region: "eu-west-1", timeoutSeconds: 60 };
        expect(await cleanupProvider.create!(inputs)).to.deep.equal({ id: "demo-karpenter-cleanup", outs: inputs });
        expect(ec2.calls()).to.have.length(0);
        const log = console.log;
        console.log = () => undefined;
        await cleanupProvider.delete!("demo-karpenter-cleanup", inputs).finally(() => (console.log = log));
        const describe = ec2.commandCalls(DescribeInstancesCommand)[0];
        expect(describe.args[0].input.Filters).to.deep.include({ Name: "tag:kubernetes.io/cluster/demo", Values: ["owned"] });
        expect(await describe.thisValue.config.region()).to.equal("eu-west-1");
    });
});
