import type { EC2Client, Filter } from "@aws-sdk/client-ec2";
import type { IAMClient } from "@aws-sdk/client-iam";

/**
 * What Karpenter leaves in AWS that no Pulumi state knows about, swept for one cluster only: instances it launched,
 * its launch templates, the instance profiles it created, and the network interfaces that keep subnets and
 * security groups from being deleted. Every query is scoped by the tags Karpenter puts on what it creates
 * (kubernetes.io/cluster/<name>=owned plus karpenter.sh/nodepool, or the EC2NodeClass tags on instance profiles),
 * so another cluster's resources are never touched. Idempotent (already-gone is success), paginated, retried on
 * throttling, bounded in time.
 */

export interface SweepOptions {
    clusterName: string;
    region: string;
    ec2: EC2Client;
    iam: IAMClient;
    /** Give up waiting after this long. @default 600_000 (10 minutes) */
    timeoutMs?: number;
    /** Pause between polls while waiting. @default 10_000 */
    pollMs?: number;
    log?: (line: string) => void;
    /** For tests: the clock and the pause. */
    now?: () => number;
    sleep?: (ms: number) => Promise<void>;
}

export interface SweepReport {
    terminatedInstances: string[];
    deletedLaunchTemplates: string[];
    deletedInstanceProfiles: string[];
    deletedNetworkInterfaces: string[];
}

export class SweepTimeoutError extends Error {}

const THROTTLING = new Set(["Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException", "RequestThrottled", "SlowDown"]);
const GONE = /NotFound|NoSuchEntity/;

function errorName(e: unknown): string {
    return (e as { name?: string; Code?: string })?.name ?? (e as { Code?: string })?.Code ?? "";
}

export async function sweep(o: SweepOptions): Promise<SweepReport> {
    // Loaded here, not at the top: the SDKs cost a program that never deletes anything (every preview) ~0.2 s.
    const {
        DeleteLaunchTemplateCommand,
        DeleteNetworkInterfaceCommand,
        DescribeInstancesCommand,
        DescribeLaunchTemplatesCommand,
        DescribeNetworkInterfacesCommand,
        TerminateInstancesCommand,
    } = await import("@aws-sdk/client-ec2");
    const { DeleteInstanceProfileCommand, ListInstanceProfileTagsCommand, ListInstanceProfilesCommand, RemoveRoleFromInstanceProfileCommand } = await import("@aws-sdk/client-iam");
    const log = o.log ?? (() => undefined);
    const now = o.now ?? Date.now;
    const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const deadline = now() + (o.timeoutMs ?? 600_000);
    const pollMs = o.pollMs ?? 10_000;
    const ownedTag = `kubernetes.io/cluster/${o.clusterName}`;
    const report: SweepReport = { terminatedInstances: [], deletedLaunchTemplates: [], deletedInstanceProfiles: [], deletedNetworkInterfaces: [] };

    /** Retries throttled calls with exponential backoff until the deadline. */
    const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
        for (let attempt = 0; ; attempt++) {
            try {
                return await fn();
            } catch (e) {
                if (!THROTTLING.has(errorName(e)) || now() + 2 ** attempt * 200 > deadline) throw e;
                log(`throttled on ${what}; retrying`);
                await sleep(Math.min(2 ** attempt * 200, 10_000));
            }
        }
    };
    /** Deletes, treating "already gone" as done. */
    const remove = async (what: string, fn: () => Promise<unknown>): Promise<boolean> => {
        try {
            await call(what, fn);
            return true;
        } catch (e) {
            if (GONE.test(errorName(e))) return false;
            throw e;
        }
    };
    const waitUntil = async (what: string, done: () => Promise<string[]>) => {
        for (;;) {
            const left = await done();
            if (left.length === 0) return;
            if (now() + pollMs > deadline) {
                throw new SweepTimeoutError(`timed out after ${Math.round((o.timeoutMs ?? 600_000) / 1000)} s waiting for ${what}: ${left.join(", ")} still there. Run pulumi destroy again, or remove them by hand.`);
            }
            log(`waiting for ${what}: ${left.length} left`);
            await sleep(pollMs);
        }
    };

    const clusterFilters: Filter[] = [
        { Name: `tag:${ownedTag}`, Values: ["owned"] },
        { Name: "tag-key", Values: ["karpenter.sh/nodepool"] },
    ];
    const liveInstances = async (): Promise<string[]> => {
        const ids: string[] = [];
        let NextToken: string | undefined;
        do {
            const page = await call("DescribeInstances", () =>
                o.ec2.send(new DescribeInstancesCommand({ Filters: [...clusterFilters, { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped", "shutting-down"] }], NextToken })),
            );
            for (const r of page.Reservations ?? []) for (const i of r.Instances ?? []) if (i.InstanceId) ids.push(i.InstanceId);
            NextToken = page.NextToken;
        } while (NextToken);
        return ids;
    };

    // 1. Instances: terminate what is still running, then wait until all have terminated.
    const instances = await liveInstances();
    for (let i = 0; i < instances.length; i += 1000) {
        const batch = instances.slice(i, i + 1000);
        await remove("TerminateInstances", () => o.ec2.send(new TerminateInstancesCommand({ InstanceIds: batch })));
        log(`terminating ${batch.length} instance(s) of ${o.clusterName}: ${batch.join(", ")}`);
    }
    report.terminatedInstances = instances;
    await waitUntil("instances to terminate", liveInstances);

    // 2. Launch templates Karpenter created for the cluster.
    let NextToken: string | undefined;
    do {
        const page = await call("DescribeLaunchTemplates", () => o.ec2.send(new DescribeLaunchTemplatesCommand({ Filters: clusterFilters, NextToken })));
        for (const lt of page.LaunchTemplates ?? []) {
            if (!lt.LaunchTemplateId) continue;
            if (await remove("DeleteLaunchTemplate", () => o.ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: lt.LaunchTemplateId })))) {
                report.deletedLaunchTemplates.push(lt.LaunchTemplateId);
                log(`deleted launch template ${lt.LaunchTemplateName ?? lt.LaunchTemplateId}`);
            }
        }
        NextToken = page.NextToken;
    } while (NextToken);

    // 3. Instance profiles Karpenter created from EC2NodeClass.spec.role: named <cluster>_<hash>, tagged for this
    //    cluster and region (the tags are checked; a name prefix alone could match another cluster).
    let Marker: string | undefined;
    do {
        const page = await call("ListInstanceProfiles", () => o.iam.send(new ListInstanceProfilesCommand({ Marker })));
        for (const profile of page.InstanceProfiles ?? []) {
            const name = profile.InstanceProfileName;
            if (!name?.startsWith(`${o.clusterName}_`)) continue;
            let tags: Record<string, string>;
            try {
                const t = await call("ListInstanceProfileTags", () => o.iam.send(new ListInstanceProfileTagsCommand({ InstanceProfileName: name })));
                tags = Object.fromEntries((t.Tags ?? []).map((tag) => [tag.Key, tag.Value]));
            } catch (e) {
                if (GONE.test(errorName(e))) continue;
                throw e;
            }
            if (tags[ownedTag] !== "owned" || tags["topology.kubernetes.io/region"] !== o.region || !tags["karpenter.k8s.aws/ec2nodeclass"]) continue;
            for (const role of profile.Roles ?? []) {
                await remove("RemoveRoleFromInstanceProfile", () => o.iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: name, RoleName: role.RoleName })));
            }
            if (await remove("DeleteInstanceProfile", () => o.iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: name })))) {
                report.deletedInstanceProfiles.push(name);
                log(`deleted instance profile ${name}`);
            }
        }
        Marker = page.IsTruncated ? page.Marker : undefined;
    } while (Marker);

    // 4. Network interfaces of the cluster's nodes (the VPC CNI's, tagged with the cluster name): wait until the
    //    attached ones detach, delete the detached ones, so subnets and security groups can go.
    const eniFilters: Filter[] = [{ Name: "tag:cluster.k8s.amazonaws.com/name", Values: [o.clusterName] }];
    const interfaces = async () => {
        const found: Array<{ id: string; status: string }> = [];
        let token: string | undefined;
        do {
            const page = await call("DescribeNetworkInterfaces", () => o.ec2.send(new DescribeNetworkInterfacesCommand({ Filters: eniFilters, NextToken: token })));
            for (const eni of page.NetworkInterfaces ?? []) if (eni.NetworkInterfaceId) found.push({ id: eni.NetworkInterfaceId, status: eni.Status ?? "" });
            token = page.NextToken;
        } while (token);
        return found;
    };
    await waitUntil("network interfaces to detach", async () => {
        const enis = await interfaces();
        for (const eni of enis.filter((e) => e.status === "available")) {
            if (await remove("DeleteNetworkInterface", () => o.ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eni.id })))) {
                report.deletedNetworkInterfaces.push(eni.id);
                log(`deleted network interface ${eni.id}`);
            }
        }
        return enis.filter((e) => e.status !== "available").map((e) => e.id);
    });

    log(
        `swept ${o.clusterName}: ${report.terminatedInstances.length} instance(s), ${report.deletedLaunchTemplates.length} launch template(s), ` +
            `${report.deletedInstanceProfiles.length} instance profile(s), ${report.deletedNetworkInterfaces.length} network interface(s)`,
    );
    return report;
}
