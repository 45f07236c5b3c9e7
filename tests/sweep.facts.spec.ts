import { DeleteLaunchTemplateCommand, DescribeInstancesCommand, DescribeLaunchTemplatesCommand, DescribeNetworkInterfacesCommand, EC2Client, Filter, TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import { IAMClient, ListInstanceProfilesCommand } from "@aws-sdk/client-iam";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { SweepOptions, sweepKarpenter as sweep } from "../components/karpenter/sweep";

/**
 * The sweep against a small fake EC2 account that behaves as the EC2 API documents it (DescribeInstances):
 * filters `tag:<key>`, `tag-key` and `instance-state-name` (pending | running | shutting-down | terminated |
 * stopping | stopped), results in pages chained by NextToken, and terminated instances still listed for a while
 * after they are gone. Terminating moves an instance to shutting-down; the next listing finds it terminated.
 */
type State = "pending" | "running" | "shutting-down" | "terminated" | "stopping" | "stopped";
interface FakeInstance {
    id: string;
    state: State;
    tags: Record<string, string>;
    listedShuttingDown?: boolean;
}

const karpenterTags = (cluster: string) => ({ [`kubernetes.io/cluster/${cluster}`]: "owned", "karpenter.sh/nodepool": "default" });

function matches(i: FakeInstance, filters: Filter[]): boolean {
    return filters.every((f) => {
        const values = f.Values ?? [];
        if (f.Name === "instance-state-name") return values.includes(i.state);
        if (f.Name === "tag-key") return values.some((k) => k in i.tags);
        if (f.Name?.startsWith("tag:")) return values.includes(i.tags[f.Name.slice(4)]);
        throw new Error(`fake EC2: filter ${f.Name} not modelled`);
    });
}

/** A fake account; each client is mocked per instance, so other specs' prototype mocks are not disturbed. */
function account(instances: FakeInstance[], pageSize = 1) {
    const ec2Client = new EC2Client({ region: "us-west-2" });
    const iamClient = new IAMClient({ region: "us-west-2" });
    const ec2 = mockClient(ec2Client);
    const iam = mockClient(iamClient);
    let describeCalls = 0;
    ec2.on(DescribeInstancesCommand).callsFake((input: { Filters?: Filter[]; NextToken?: string }) => {
        if (++describeCalls > 100) throw new Error("fake EC2: DescribeInstances called 100 times; is the NextToken passed on?");
        // Shutting down takes a while: an instance is listed shutting-down once, then terminated.
        for (const i of instances) if (i.state === "shutting-down" && i.listedShuttingDown) i.state = "terminated";
        const found = instances.filter((i) => matches(i, input.Filters ?? []));
        const start = input.NextToken ? Number(input.NextToken) : 0;
        const page = found.slice(start, start + pageSize);
        for (const i of page) if (i.state === "shutting-down") i.listedShuttingDown = true;
        return { Reservations: [{ Instances: page.map((i) => ({ InstanceId: i.id })) }], NextToken: start + pageSize < found.length ? String(start + pageSize) : undefined };
    });
    ec2.on(TerminateInstancesCommand).callsFake((input: { InstanceIds: string[] }) => {
        for (const id of input.InstanceIds) {
            const i = instances.find((x) => x.id === id)!;
            if (i.state !== "terminated") i.state = "shutting-down";
        }
        return {};
    });
    ec2.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [] });
    ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
    iam.on(ListInstanceProfilesCommand).resolves({ InstanceProfiles: [], IsTruncated: false });
    let t = 0;
    const sleeps: number[] = [];
    const options: SweepOptions = {
        clusterName: "demo",
        region: "us-west-2",
        ec2: ec2Client,
        iam: iamClient,
        timeoutMs: 60_000,
        pollMs: 5_000,
        now: () => t,
        sleep: async (ms) => void (sleeps.push(ms), (t += ms)),
    };
    return { ec2, iam, options, sleeps, instances };
}

const named = (name: string) => Object.assign(new Error(name), { name });

describe("Karpenter cleanup sweep against EC2's documented behaviour", () => {
    it("terminates this cluster's running and stopped instances, across pages, and does not wait for ones already terminated", async () => {
        const a = account([
            { id: "i-running", state: "running", tags: karpenterTags("demo") },
            // A stopped instance keeps its network interface and volumes: the subnets could not be deleted.
            { id: "i-stopped", state: "stopped", tags: karpenterTags("demo") },
            { id: "i-pending", state: "pending", tags: karpenterTags("demo") },
            { id: "i-stopping", state: "stopping", tags: karpenterTags("demo") },
            // Already shutting down (a Spot interruption): still there until it has terminated.
            { id: "i-shutting", state: "shutting-down", tags: karpenterTags("demo") },
            // Terminated an hour ago, still listed by EC2: nothing to wait for.
            { id: "i-old", state: "terminated", tags: karpenterTags("demo") },
            { id: "i-other", state: "running", tags: karpenterTags("other") },
            { id: "i-unmanaged", state: "running", tags: { "kubernetes.io/cluster/demo": "owned" } },
        ]);
        const report = await sweep(a.options);
        expect(report.terminatedInstances).to.have.members(["i-running", "i-stopped", "i-pending", "i-stopping", "i-shutting"]);
        expect(a.instances.filter((i) => i.state === "terminated").map((i) => i.id)).to.have.members(["i-running", "i-stopped", "i-pending", "i-stopping", "i-shutting", "i-old"]);
        // It polled while they were shutting down.
        expect(a.sleeps).to.not.be.empty;
        expect(a.instances.find((i) => i.id === "i-other")!.state).to.equal("running");
        expect(a.instances.find((i) => i.id === "i-unmanaged")!.state).to.equal("running");
    });

    it("follows DescribeLaunchTemplates' NextToken to the last page", async () => {
        const a = account([]);
        const pages: Record<string, { LaunchTemplates: Array<{ LaunchTemplateId: string }>; NextToken?: string }> = {
            "": { LaunchTemplates: [{ LaunchTemplateId: "lt-1" }], NextToken: "t2" },
            t2: { LaunchTemplates: [{ LaunchTemplateId: "lt-2" }], NextToken: "t3" },
            t3: { LaunchTemplates: [{ LaunchTemplateId: "lt-3" }] },
        };
        let calls = 0;
        a.ec2.on(DescribeLaunchTemplatesCommand).callsFake((input: { NextToken?: string }) => {
            if (++calls > 10) throw new Error("fake EC2: DescribeLaunchTemplates called 10 times; is the NextToken passed on?");
            return pages[input.NextToken ?? ""];
        });
        a.ec2.on(DeleteLaunchTemplateCommand).resolves({});
        expect((await sweep(a.options)).deletedLaunchTemplates).to.deep.equal(["lt-1", "lt-2", "lt-3"]);
    });

    it("retries only throttling: AccessDenied fails at once, without a pause", async () => {
        const a = account([]);
        a.iam.on(ListInstanceProfilesCommand).rejects(named("AccessDenied"));
        let error: unknown;
        await sweep(a.options).catch((e: unknown) => (error = e));
        expect((error as Error | undefined)?.name).to.equal("AccessDenied");
        expect(a.iam.commandCalls(ListInstanceProfilesCommand)).to.have.length(1);
        expect(a.sleeps).to.deep.equal([]);
    });

    it("takes NotFound on a delete as done, asking once", async () => {
        const a = account([]);
        a.ec2.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [{ LaunchTemplateId: "lt-gone" }] });
        a.ec2.on(DeleteLaunchTemplateCommand).rejects(named("InvalidLaunchTemplateId.NotFound"));
        expect((await sweep(a.options)).deletedLaunchTemplates).to.deep.equal([]);
        expect(a.ec2.commandCalls(DeleteLaunchTemplateCommand)).to.have.length(1);
        expect(a.sleeps).to.deep.equal([]);
    });

    it("gives up on endless throttling before the deadline, with growing pauses", async () => {
        const a = account([]);
        a.iam.on(ListInstanceProfilesCommand).rejects(named("Throttling"));
        let error: unknown;
        await sweep({ ...a.options, timeoutMs: 10_000 }).catch((e: unknown) => (error = e));
        expect((error as Error | undefined)?.name).to.equal("Throttling");
        expect(a.sleeps.length).to.be.greaterThan(2);
        expect(a.sleeps.reduce((s, x) => s + x, 0)).to.be.at.most(10_000);
        for (let i = 1; i < a.sleeps.length; i++) expect(a.sleeps[i]).to.be.greaterThan(a.sleeps[i - 1]);
    });
});
