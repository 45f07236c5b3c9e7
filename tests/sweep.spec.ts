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
import { ec2, emptyAccount, iam, noSuchEntity, throttled as throttle, unauthorized } from "./helpers/awsMock";

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
/** An ENI as the VPC CNI tags it (amazon-vpc-cni-k8s pkg/awsutils: cluster name, instance id, creation time). */
const cniEni = (id: string, status: "available" | "in-use", instance: string) => ({
    NetworkInterfaceId: id,
    Status: status,
    TagSet: [
        { Key: "cluster.k8s.amazonaws.com/name", Value: "demo" },
        { Key: "node.k8s.amazonaws.com/instance_id", Value: instance },
        { Key: "node.k8s.amazonaws.com/createdAt", Value: "2026-11-23T10:00:00Z" },
    ],
});

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

/** An error shaped as the SDK raises it, for classification by name, HTTP status or `$retryable`. */
const sdkError = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`${name} message.`), { name, $metadata: { httpStatusCode: 400 }, ...extra });

describe("sweep: which failures are retried, how long, and what a failure says", () => {
    beforeEach(emptyAccount);

    // What the AWS SDK v3 classifies as throttling for its own retries (@smithy/core retry THROTTLING_ERROR_CODES,
    // HTTP 429, `$retryable.throttling`); EC2 answers RequestLimitExceeded, IAM Throttling.
    const throttling = [
        sdkError("RequestLimitExceeded"),
        sdkError("Throttling"),
        sdkError("ThrottlingException"),
        sdkError("EC2ThrottledException"),
        sdkError("TooManyRequestsException"),
        sdkError("SlowDown"),
        sdkError("SomethingNew", { $metadata: { httpStatusCode: 429 } }),
        sdkError("SomethingElse", { $retryable: { throttling: true } }),
    ];
    for (const error of throttling) {
        it(`retries ${error.name}${error.$metadata.httpStatusCode === 429 ? " (HTTP 429)" : ""} after a 0.2 s pause`, async () => {
            ec2.on(DescribeInstancesCommand).rejectsOnce(error).resolves({ Reservations: [] });
            const o = options();
            await sweep(o);
            expect(o.lines[0]).to.equal("throttled on DescribeInstances; retrying");
        });
    }

    for (const error of [sdkError("UnauthorizedOperation"), sdkError("AccessDenied"), sdkError("InvalidParameterValue"), sdkError("InvalidInstanceID.Malformed")]) {
        it(`fails at once on ${error.name}, without a pause`, async () => {
            ec2.on(DescribeInstancesCommand).rejects(error);
            const o = options();
            const failure = await sweep(o).then(
                () => undefined,
                (e: unknown) => e as Error,
            );
            expect(failure?.name).to.equal(error.name);
            expect(ec2.commandCalls(DescribeInstancesCommand)).to.have.length(1);
            expect(o.lines).to.deep.equal([]);
        });
    }

    it("doubles the pause from 0.2 s up to 10 s, and keeps retrying at 10 s until the deadline", async () => {
        // Throttled for good: ten minutes (the default deadline) of retries, not a give-up after a minute.
        ec2.on(DescribeInstancesCommand).rejects(throttle());
        const c = clock();
        const failure = await sweep({ ...options(), now: c.now, sleep: c.sleep, timeoutMs: undefined }).then(
            () => undefined,
            (e: unknown) => e as Error,
        );
        expect(failure?.name).to.equal("RequestLimitExceeded");
        expect(c.sleeps.slice(0, 8)).to.deep.equal([200, 400, 800, 1_600, 3_200, 6_400, 10_000, 10_000]);
        const total = c.sleeps.reduce((s, x) => s + x, 0);
        expect(total).to.be.at.most(600_000).and.greaterThan(600_000 - 10_000);
    });

    it("states the call, the AWS code and message (without a doubled full stop) and what to do", async () => {
        ec2.on(DescribeLaunchTemplatesCommand).rejects(unauthorized());
        const failure = await sweep(options()).then(
            () => undefined,
            (e: unknown) => e as Error,
        );
        expect(failure?.message).to.equal(
            "karpenter cleanup of demo: DescribeLaunchTemplates failed: UnauthorizedOperation: You are not authorized to perform this operation. " +
                "Fix the cause (the credentials running pulumi destroy need the permissions in the README) and run pulumi destroy again.",
        );
    });

    it("names a failure that is not an AWS error as an error, with its text", async () => {
        // A client whose transport threw something other than an Error (no name, no message).
        const broken = { send: async () => Promise.reject("socket hang up ") } as unknown as EC2Client;
        const failure = await sweep(options({ ec2: broken })).then(
            () => undefined,
            (e: unknown) => e as Error,
        );
        expect(failure?.name).to.equal("Error");
        expect(failure?.message).to.match(/^karpenter cleanup of demo: DescribeInstances failed: error: socket hang up\. Fix the cause/);
    });

    it("waits a whole timeout, polling every pollMs, 10 minutes and 10 s by default", async () => {
        ec2.on(DescribeInstancesCommand).resolves({ Reservations: [reservation("i-stuck")] });
        ec2.on(TerminateInstancesCommand).resolves({});
        const c = clock();
        const failure = await sweep({ ...options(), now: c.now, sleep: c.sleep, timeoutMs: undefined, pollMs: undefined }).then(
            () => undefined,
            (e: unknown) => e as Error,
        );
        expect(isSweepTimeout(failure)).to.equal(true);
        expect(failure?.message).to.match(/ timed out after 600 s waiting for instances to terminate: i-stuck still there/);
        expect(c.sleeps).to.deep.equal(Array.from({ length: 60 }, () => 10_000));
    });

    it("tells a sweep timeout from any other failure", () => {
        const timeout = Object.assign(new Error("timed out"), { name: "SweepTimeoutError", leftover: ["i-1"] });
        expect(isSweepTimeout(timeout)).to.equal(true);
        for (const other of [new Error("x"), Object.assign(new Error("x"), { name: "SweepTimeoutError" }), Object.assign(new Error("x"), { leftover: [] }), { name: "SweepTimeoutError", leftover: "i-1" }, "SweepTimeoutError", null, undefined]) {
            expect(isSweepTimeout(other), String(other)).to.equal(false);
        }
    });

    it("uses the real clock when none is given: a throttled call pauses 0.2 s", async () => {
        ec2.on(DescribeInstancesCommand).rejectsOnce(throttle()).resolves({ Reservations: [] });
        const started = Date.now();
        await sweep({ clusterName: "demo", region: "us-west-2", ec2: new EC2Client({ region: "us-west-2" }), iam: new IAMClient({ region: "us-west-2" }) });
        expect(Date.now() - started).to.be.at.least(190);
    });
});

describe("sweep: what it touches and what it says it did", () => {
    beforeEach(emptyAccount);

    it("terminates in batches of 1000 ids (TerminateInstances' limit)", async () => {
        const ids = Array.from({ length: 1001 }, (_, i) => `i-${i}`);
        ec2.on(DescribeInstancesCommand).resolvesOnce({ Reservations: [reservation(...ids)] }).resolves({ Reservations: [] });
        ec2.on(TerminateInstancesCommand).resolves({});
        const o = options();
        await sweep(o);
        expect(ec2.commandCalls(TerminateInstancesCommand).map((c) => c.args[0].input.InstanceIds?.length)).to.deep.equal([1000, 1]);
        expect(o.lines[0]).to.equal(`terminating 1000 instance(s) of demo: ${ids.slice(0, 1000).join(", ")}`);
        expect(o.lines[1]).to.equal("terminating 1 instance(s) of demo: i-1000");
    });

    it("terminates the rest one by one when EC2 refuses a batch because one id is gone", async () => {
        ec2.on(DescribeInstancesCommand).resolvesOnce({ Reservations: [reservation("i-1", "i-gone", "i-3")] }).resolves({ Reservations: [] });
        ec2.on(TerminateInstancesCommand).callsFake((input: { InstanceIds: string[] }) => {
            if (input.InstanceIds.includes("i-gone")) throw sdkError("InvalidInstanceID.NotFound");
            return {};
        });
        const o = options();
        await sweep(o);
        expect(ec2.commandCalls(TerminateInstancesCommand).map((c) => c.args[0].input.InstanceIds)).to.deep.equal([["i-1", "i-gone", "i-3"], ["i-1"], ["i-gone"], ["i-3"]]);
        expect(o.lines.filter((l) => l.startsWith("terminating"))).to.deep.equal(["terminating 1 instance(s) of demo: i-1", "terminating 1 instance(s) of demo: i-3"]);
    });

    it("reports each deletion by name, and the totals", async () => {
        ec2.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [{ LaunchTemplateId: "lt-1", LaunchTemplateName: "karpenter.k8s.aws/123" }, { LaunchTemplateId: "lt-2" }, { LaunchTemplateName: "no-id" }] });
        ec2.on(DeleteLaunchTemplateCommand).resolves({});
        iam.on(ListInstanceProfilesCommand).resolves({ InstanceProfiles: [{ InstanceProfileName: "demo_1", Roles: [] } as never], IsTruncated: false });
        iam.on(ListInstanceProfileTagsCommand).resolves({
            Tags: [
                { Key: "kubernetes.io/cluster/demo", Value: "owned" },
                { Key: "topology.kubernetes.io/region", Value: "us-west-2" },
                { Key: "karpenter.k8s.aws/ec2nodeclass", Value: "default" },
            ],
        });
        iam.on(DeleteInstanceProfileCommand).resolves({});
        ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [cniEni("eni-k", "available", "i-k")] });
        ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
        ec2.on(DescribeInstancesCommand, { Filters: [{ Name: "tag:kubernetes.io/cluster/demo", Values: ["owned"] }, { Name: "tag-key", Values: ["karpenter.sh/nodepool"] }, { Name: "instance-id", Values: ["i-k"] }] }).resolves({
            Reservations: [reservation("i-k")],
        });
        ec2.on(DeleteNetworkInterfaceCommand).resolves({});
        const o = options();
        await sweep(o);
        expect(ec2.commandCalls(DeleteLaunchTemplateCommand).map((c) => c.args[0].input.LaunchTemplateId)).to.deep.equal(["lt-1", "lt-2"]);
        expect(o.lines).to.deep.equal([
            "deleted launch template karpenter.k8s.aws/123",
            "deleted launch template lt-2",
            "deleted instance profile demo_1",
            "deleted network interface eni-k (left by i-k)",
            "swept demo: 0 instance(s), 2 launch template(s), 1 instance profile(s), 1 network interface(s)",
        ]);
    });

    it("deletes only profiles named <cluster>_… and tagged owned for this cluster, region and an EC2NodeClass; one gone meanwhile is skipped", async () => {
        const tags = (owned: string | undefined, region: string, nodeClass: string | undefined) =>
            [
                { Key: "kubernetes.io/cluster/demo", Value: owned },
                { Key: "topology.kubernetes.io/region", Value: region },
                { Key: "karpenter.k8s.aws/ec2nodeclass", Value: nodeClass },
            ].filter((t) => t.Value !== undefined);
        const profiles: Record<string, ReturnType<typeof tags> | "gone"> = {
            demo_ours: tags("owned", "us-west-2", "default"),
            demo_shared: tags("shared", "us-west-2", "default"),
            demo_untagged: tags(undefined, "us-west-2", "default"),
            demo_noclass: tags("owned", "us-west-2", undefined),
            demo_gone: "gone",
            "demo-other": tags("owned", "us-west-2", "default"),
            demo2_x: tags("owned", "us-west-2", "default"),
        };
        iam.on(ListInstanceProfilesCommand).resolves({ InstanceProfiles: Object.keys(profiles).map((InstanceProfileName) => ({ InstanceProfileName, Roles: [] }) as never), IsTruncated: false });
        iam.on(ListInstanceProfileTagsCommand).callsFake((input: { InstanceProfileName: string }) => {
            const t = profiles[input.InstanceProfileName];
            if (t === "gone") throw noSuchEntity(`Instance Profile ${input.InstanceProfileName}`);
            return { Tags: t };
        });
        iam.on(DeleteInstanceProfileCommand).resolves({});
        const report = await sweep(options());
        expect(report.deletedInstanceProfiles).to.deep.equal(["demo_ours"]);
        expect(iam.commandCalls(ListInstanceProfileTagsCommand).map((c) => c.args[0].input.InstanceProfileName)).to.deep.equal(["demo_ours", "demo_shared", "demo_untagged", "demo_noclass", "demo_gone"]);
    });

    it("takes an instance profile deleted meanwhile (NoSuchEntity) as done", async () => {
        iam.on(ListInstanceProfilesCommand).resolves({ InstanceProfiles: [{ InstanceProfileName: "demo_1", Roles: [{ RoleName: "node" }] } as never], IsTruncated: false });
        iam.on(ListInstanceProfileTagsCommand).resolves({
            Tags: [
                { Key: "kubernetes.io/cluster/demo", Value: "owned" },
                { Key: "topology.kubernetes.io/region", Value: "us-west-2" },
                { Key: "karpenter.k8s.aws/ec2nodeclass", Value: "default" },
            ],
        });
        iam.on(RemoveRoleFromInstanceProfileCommand).rejects(noSuchEntity("Instance Profile demo_1"));
        iam.on(DeleteInstanceProfileCommand).rejects(noSuchEntity("Instance Profile demo_1"));
        const o = options();
        expect((await sweep(o)).deletedInstanceProfiles).to.deep.equal([]);
        expect(o.lines.filter((l) => l.startsWith("deleted"))).to.deep.equal([]);
    });

    it("asks once about an instance that left several interfaces, and skips interfaces without an id or instance tag", async () => {
        ec2.on(DescribeNetworkInterfacesCommand).resolves({
            NetworkInterfaces: [cniEni("eni-1", "available", "i-k"), cniEni("eni-2", "available", "i-k"), { Status: "available", TagSet: [] }, { NetworkInterfaceId: "eni-untagged", Status: "available" }],
        });
        ec2.on(DescribeInstancesCommand, { Filters: [{ Name: "tag:kubernetes.io/cluster/demo", Values: ["owned"] }, { Name: "tag-key", Values: ["karpenter.sh/nodepool"] }, { Name: "instance-id", Values: ["i-k"] }] }).resolves({
            Reservations: [reservation("i-k")],
        });
        ec2.on(DeleteNetworkInterfaceCommand).resolves({});
        const o = options();
        const report = await sweep(o);
        const asked = ec2.commandCalls(DescribeInstancesCommand).flatMap((c) => c.args[0].input.Filters?.filter((f) => f.Name === "instance-id") ?? []);
        expect(asked).to.deep.equal([{ Name: "instance-id", Values: ["i-k"] }]);
        expect(report.deletedNetworkInterfaces).to.deep.equal(["eni-1", "eni-2"]);
        expect(o.lines).to.include("left 1 detached network interface(s) of other nodes alone");
    });

    it("ENI sweep: an interface gone meanwhile is done, one without a status is waited for, and the total is said", async () => {
        ec2.on(DescribeNetworkInterfacesCommand)
            .resolvesOnce({ NetworkInterfaces: [{ NetworkInterfaceId: "eni-new" }, cniEni("eni-gone", "available", "i-1"), cniEni("eni-2", "available", "i-1")] })
            .resolves({ NetworkInterfaces: [] });
        ec2.on(DeleteNetworkInterfaceCommand, { NetworkInterfaceId: "eni-gone" }).rejects(sdkError("InvalidNetworkInterfaceID.NotFound"));
        ec2.on(DeleteNetworkInterfaceCommand, { NetworkInterfaceId: "eni-2" }).resolves({});
        const o = options();
        expect(await sweepNetworkInterfaces(o)).to.deep.equal(["eni-2"]);
        expect(o.lines).to.deep.equal(["deleted network interface eni-2", "waiting for network interfaces to detach: 1 left", "swept demo: 1 network interface(s)"]);
    });

    it("says which call failed, in which step, for every AWS call it makes", async () => {
        const profile = { InstanceProfileName: "demo_1", Roles: [{ RoleName: "node" }] } as never;
        const ours = [
            { Key: "kubernetes.io/cluster/demo", Value: "owned" },
            { Key: "topology.kubernetes.io/region", Value: "us-west-2" },
            { Key: "karpenter.k8s.aws/ec2nodeclass", Value: "default" },
        ];
        const everything = () => {
            emptyAccount();
            ec2.on(DescribeInstancesCommand).resolvesOnce({ Reservations: [reservation("i-1")] }).resolves({ Reservations: [] });
            ec2.on(DescribeInstancesCommand, { Filters: [{ Name: "tag:kubernetes.io/cluster/demo", Values: ["owned"] }, { Name: "tag-key", Values: ["karpenter.sh/nodepool"] }, { Name: "instance-id", Values: ["i-1"] }] }).resolves({
                Reservations: [reservation("i-1")],
            });
            ec2.on(TerminateInstancesCommand).resolves({});
            ec2.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [{ LaunchTemplateId: "lt-1" }] });
            ec2.on(DeleteLaunchTemplateCommand).resolves({});
            iam.on(ListInstanceProfilesCommand).resolves({ InstanceProfiles: [profile], IsTruncated: false });
            iam.on(ListInstanceProfileTagsCommand).resolves({ Tags: ours });
            iam.on(RemoveRoleFromInstanceProfileCommand).resolves({});
            iam.on(DeleteInstanceProfileCommand).resolves({});
            ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [cniEni("eni-1", "available", "i-1")] });
            ec2.on(DeleteNetworkInterfaceCommand).resolves({});
        };
        const calls = [
            [ec2, DescribeInstancesCommand, "DescribeInstances"],
            [ec2, TerminateInstancesCommand, "TerminateInstances"],
            [ec2, DescribeLaunchTemplatesCommand, "DescribeLaunchTemplates"],
            [ec2, DeleteLaunchTemplateCommand, "DeleteLaunchTemplate"],
            [iam, ListInstanceProfilesCommand, "ListInstanceProfiles"],
            [iam, ListInstanceProfileTagsCommand, "ListInstanceProfileTags"],
            [iam, RemoveRoleFromInstanceProfileCommand, "RemoveRoleFromInstanceProfile"],
            [iam, DeleteInstanceProfileCommand, "DeleteInstanceProfile"],
            [ec2, DescribeNetworkInterfacesCommand, "DescribeNetworkInterfaces"],
            [ec2, DeleteNetworkInterfaceCommand, "DeleteNetworkInterface"],
        ] as const;
        for (const [client, command, name] of calls) {
            everything();
            (client as typeof ec2).on(command as never).rejects(unauthorized());
            const failure = await sweep(options()).then(
                () => undefined,
                (e: unknown) => e as Error,
            );
            expect(failure?.message, name).to.match(new RegExp(`^karpenter cleanup of demo: ${name} failed: UnauthorizedOperation: `));
        }
        for (const command of [DescribeNetworkInterfacesCommand, DeleteNetworkInterfaceCommand]) {
            everything();
            ec2.on(command as never).rejects(unauthorized());
            const failure = await sweepNetworkInterfaces(options()).then(
                () => undefined,
                (e: unknown) => e as Error,
            );
            expect(failure?.message).to.match(new RegExp(`^network interface cleanup of demo: ${command.name.replace(/Command$/, "")} failed: UnauthorizedOperation: `));
        }
    });

    it("keeps a message's inner full stops and drops only its trailing ones", async () => {
        ec2.on(DescribeInstancesCommand).rejects(sdkError("ServiceUnavailable", { message: "Service Unavailable. Please try again later..." }));
        const failure = await sweep(options()).then(
            () => undefined,
            (e: unknown) => e as Error,
        );
        expect(failure?.message).to.match(/: ServiceUnavailable: Service Unavailable\. Please try again later\. Fix the cause/);
    });

    it("gives up throttled retries exactly when the next pause would pass the deadline", async () => {
        ec2.on(DescribeInstancesCommand).rejects(throttle());
        const o = options({ timeoutMs: 600 });
        const c = clock();
        await sweep({ ...o, now: c.now, sleep: c.sleep }).catch(() => undefined);
        // 0 + 200 <= 600 and 200 + 400 <= 600: two pauses; 600 + 800 > 600: no third.
        expect(c.sleeps).to.deep.equal([200, 400]);
    });

    it("fails on a refused delete instead of taking it as done", async () => {
        ec2.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [{ LaunchTemplateId: "lt-1" }] });
        ec2.on(DeleteLaunchTemplateCommand).rejects(unauthorized());
        const failure = await sweep(options()).then(
            () => undefined,
            (e: unknown) => e as Error,
        );
        expect(failure?.name).to.equal("UnauthorizedOperation");
    });

    it("fails when an instance profile's tags cannot be read, instead of skipping it", async () => {
        iam.on(ListInstanceProfilesCommand).resolves({ InstanceProfiles: [{ InstanceProfileName: "demo_1", Roles: [] } as never], IsTruncated: false });
        iam.on(ListInstanceProfileTagsCommand).rejects(sdkError("AccessDenied"));
        const failure = await sweep(options()).then(
            () => undefined,
            (e: unknown) => e as Error,
        );
        expect(failure?.message).to.match(/^karpenter cleanup of demo: ListInstanceProfileTags failed: AccessDenied: /);
    });

    it("passes ListInstanceProfiles' Marker on to the next page", async () => {
        iam.on(ListInstanceProfilesCommand).callsFake((input: { Marker?: string }) =>
            input.Marker === "m2" ? { InstanceProfiles: [], IsTruncated: false } : { InstanceProfiles: [], IsTruncated: true, Marker: "m2" },
        );
        await sweep(options());
        expect(iam.commandCalls(ListInstanceProfilesCommand).map((c) => c.args[0].input.Marker)).to.deep.equal([undefined, "m2"]);
    });

    it("names every stuck instance in a timeout, skips listed instances without an id", async () => {
        ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: "i-1" }, {}, { InstanceId: "i-2" }] }] });
        ec2.on(TerminateInstancesCommand).resolves({});
        const failure = await sweep(options({ timeoutMs: 10_000 })).then(
            () => undefined,
            (e: unknown) => e as Error,
        );
        expect(ec2.commandCalls(TerminateInstancesCommand)[0].args[0].input.InstanceIds).to.deep.equal(["i-1", "i-2"]);
        expect(failure?.message).to.match(/waiting for instances to terminate: i-1, i-2 still there/);
    });

    it("does not report an interface another process deleted meanwhile", async () => {
        ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [cniEni("eni-1", "available", "i-k")] });
        ec2.on(DescribeInstancesCommand, { Filters: [{ Name: "tag:kubernetes.io/cluster/demo", Values: ["owned"] }, { Name: "tag-key", Values: ["karpenter.sh/nodepool"] }, { Name: "instance-id", Values: ["i-k"] }] }).resolves({
            Reservations: [reservation("i-k")],
        });
        ec2.on(DeleteNetworkInterfaceCommand).rejects(sdkError("InvalidNetworkInterfaceID.NotFound"));
        const o = options();
        expect((await sweep(o)).deletedNetworkInterfaces).to.deep.equal([]);
        expect(o.lines.filter((l) => l.startsWith("deleted"))).to.deep.equal([]);
    });
});
