import type { EC2Client, Filter } from "@aws-sdk/client-ec2";
import type { IAMClient } from "@aws-sdk/client-iam";

/**
 * What Karpenter and the VPC CNI leave in AWS that no Pulumi state knows about, swept for one cluster only.
 *
 * `pulumi destroy` does not run this module: it runs the copy Pulumi's closure serializer wrote into the state,
 * loaded from a string by the dynamic-provider host. The serializer re-creates captured module-level values
 * instead of sharing them: a captured `Set` or `Map` loses its internal slots, an `Error` subclass its prototype.
 * So everything here is built inside the functions that use it (no module-level collections, no classes), and
 * tests replay every scenario on the serialized copy (tests/sweepSerialized.spec.ts).
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

/** A sweep that ran out of time: `name` is "SweepTimeoutError", `leftover` the ids still there. */
export type SweepTimeoutError = Error & { name: "SweepTimeoutError"; leftover: string[] };

export function isSweepTimeout(e: unknown): e is SweepTimeoutError {
    return e instanceof Object && (e as { name?: unknown }).name === "SweepTimeoutError" && Array.isArray((e as { leftover?: unknown }).leftover);
}

/** The AWS error code of an SDK v3 exception (its `name`). */
function errorName(e: unknown): string {
    return (e as { name?: string } | undefined)?.name ?? "";
}

/** "Already gone": InvalidInstanceID.NotFound, InvalidLaunchTemplateId.NotFound, InvalidNetworkInterfaceID.NotFound, NoSuchEntity… */
function isGone(e: unknown): boolean {
    return /NotFound|NoSuchEntity/.test(errorName(e));
}

/** Retry, delete-if-present and bounded waiting, shared by both steps. */
async function toolkit(o: SweepOptions, step: string) {
    // Throttling as the AWS SDK classifies it for its own retries (its error codes, HTTP 429, `$retryable`): the
    // SDK gave up after its attempts; this retries until the deadline.
    const { isThrottlingError } = await import("@smithy/core/retry");
    const isThrottling = (e: unknown) => e instanceof Object && isThrottlingError(e as Parameters<typeof isThrottlingError>[0]);
    const log = o.log ?? (() => undefined);
    const now = o.now ?? (() => Date.now());
    const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const timeoutMs = o.timeoutMs ?? 600_000;
    const deadline = now() + timeoutMs;
    const pollMs = o.pollMs ?? 10_000;

    /** Retries throttled calls with exponential backoff until the deadline; any other failure names the call. */
    const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
        for (let attempt = 0; ; attempt++) {
            try {
                return await fn();
            } catch (e) {
                // Exponential backoff from 0.2 s, each pause at most 10 s, for as long as the deadline allows.
                const pause = Math.min(2 ** attempt * 200, 10_000);
                if (isThrottling(e) && now() + pause <= deadline) {
                    log(`throttled on ${what}; retrying`);
                    await sleep(pause);
                    continue;
                }
                // Keeps the AWS code as its name: remove() and the callers tell "already gone" by it.
                const message = e instanceof Error ? e.message : String(e);
                const failure = new Error(
                    `${step} of ${o.clusterName}: ${what} failed: ${errorName(e) || "error"}: ${message.trim().replace(/\.+$/, "")}. ` +
                        `Fix the cause (the credentials running pulumi destroy need the permissions in the README) and run pulumi destroy again.`,
                );
                failure.name = errorName(e) || "Error";
                throw failure;
            }
        }
    };
    /** Deletes, treating "already gone" as done; true if this call deleted it. */
    const remove = async (what: string, fn: () => Promise<unknown>): Promise<boolean> => {
        try {
            await call(what, fn);
            return true;
        } catch (e) {
            if (isGone(e)) return false;
            throw e;
        }
    };
    /** Polls until `left` is empty, or fails with a SweepTimeoutError naming what is left. */
    const waitUntil = async (what: string, left: () => Promise<string[]>) => {
        for (;;) {
            const ids = await left();
            if (ids.length === 0) return;
            if (now() + pollMs > deadline) {
                const error = new Error(
                    `${step} of ${o.clusterName} timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}: ${ids.join(", ")} still there. ` +
                        `Run pulumi destroy again (the sweep is idempotent), or remove them by hand.`,
                );
                throw Object.assign(error, { name: "SweepTimeoutError", leftover: ids });
            }
            log(`waiting for ${what}: ${ids.length} left`);
            await sleep(pollMs);
        }
    };
    return { log, call, remove, waitUntil };
}

/** Pages through a paginated EC2 Describe call. */
async function allPages<P extends { NextToken?: string }>(fetch: (token: string | undefined) => Promise<P>): Promise<P[]> {
    const pages: P[] = [];
    let token: string | undefined;
    do {
        const page = await fetch(token);
        pages.push(page);
        token = page.NextToken;
    } while (token);
    return pages;
}

/** ENIs the VPC CNI created for this cluster (it tags each with the cluster name and its instance). */
async function cniInterfaces(o: SweepOptions, t: Awaited<ReturnType<typeof toolkit>>, extra: Filter[] = []) {
    const { DescribeNetworkInterfacesCommand } = await import("@aws-sdk/client-ec2");
    const pages = await allPages((NextToken) =>
        t.call("DescribeNetworkInterfaces", () =>
            o.ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "tag:cluster.k8s.amazonaws.com/name", Values: [o.clusterName] }, ...extra], NextToken })),
        ),
    );
    return pages.flatMap((p) => p.NetworkInterfaces ?? []).flatMap((eni) =>
        eni.NetworkInterfaceId
            ? [{ id: eni.NetworkInterfaceId, status: eni.Status, instanceId: eni.TagSet?.find((tag) => tag.Key === "node.k8s.amazonaws.com/instance_id")?.Value }]
            : [],
    );
}

/**
 * Step 1, before the cluster's own nodes go (deleted after the Karpenter controller, before the system node group):
 * everything Karpenter launched. Terminates its instances (kubernetes.io/cluster/<name>=owned plus
 * karpenter.sh/nodepool) and waits for them, deletes its launch templates and the instance profiles it created
 * (named <cluster>_<hash>, tagged for this cluster, region and an EC2NodeClass), and deletes the detached ENIs its
 * instances left. It never waits on an ENI: the running system nodes hold theirs until their node group is gone,
 * and an existing cluster's nodes hold theirs forever.
 */
export async function sweepKarpenter(o: SweepOptions): Promise<SweepReport> {
    // Loaded here, not at the top: the SDKs cost a program that never deletes anything (every preview) ~0.2 s.
    const { DeleteLaunchTemplateCommand, DeleteNetworkInterfaceCommand, DescribeInstancesCommand, DescribeLaunchTemplatesCommand, TerminateInstancesCommand } = await import("@aws-sdk/client-ec2");
    const { DeleteInstanceProfileCommand, ListInstanceProfileTagsCommand, ListInstanceProfilesCommand, RemoveRoleFromInstanceProfileCommand } = await import("@aws-sdk/client-iam");
    const t = await toolkit(o, "karpenter cleanup");
    const ownedTag = `kubernetes.io/cluster/${o.clusterName}`;
    const karpenterFilters: Filter[] = [
        { Name: `tag:${ownedTag}`, Values: ["owned"] },
        { Name: "tag-key", Values: ["karpenter.sh/nodepool"] },
    ];
    const instances = async (extra: Filter[]): Promise<string[]> => {
        const pages = await allPages((NextToken) => t.call("DescribeInstances", () => o.ec2.send(new DescribeInstancesCommand({ Filters: [...karpenterFilters, ...extra], NextToken }))));
        return pages.flatMap((p) => p.Reservations ?? []).flatMap((r) => r.Instances ?? []).flatMap((i) => (i.InstanceId ? [i.InstanceId] : []));
    };
    const live = () => instances([{ Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped", "shutting-down"] }]);

    // 1. Instances: terminate what is still running, then wait until all have terminated. EC2 rejects a whole
    //    TerminateInstances call when one id does not exist (InvalidInstanceID.NotFound: none is terminated), so a
    //    rejected batch is retried one id at a time; a single id that is gone is done.
    const terminate = async (batch: string[]): Promise<void> => {
        if (await t.remove("TerminateInstances", () => o.ec2.send(new TerminateInstancesCommand({ InstanceIds: batch })))) {
            t.log(`terminating ${batch.length} instance(s) of ${o.clusterName}: ${batch.join(", ")}`);
        } else if (batch.length > 1) {
            for (const id of batch) await terminate([id]);
        }
    };
    const running = await live();
    for (let i = 0; i < running.length; i += 1000) await terminate(running.slice(i, i + 1000));
    const report: SweepReport = { terminatedInstances: running, deletedLaunchTemplates: [], deletedInstanceProfiles: [], deletedNetworkInterfaces: [] };
    await t.waitUntil("instances to terminate", live);

    // 2. Launch templates Karpenter created for the cluster.
    const templates = await allPages((NextToken) => t.call("DescribeLaunchTemplates", () => o.ec2.send(new DescribeLaunchTemplatesCommand({ Filters: karpenterFilters, NextToken }))));
    for (const lt of templates.flatMap((p) => p.LaunchTemplates ?? [])) {
        if (!lt.LaunchTemplateId) continue;
        if (await t.remove("DeleteLaunchTemplate", () => o.ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: lt.LaunchTemplateId })))) {
            report.deletedLaunchTemplates.push(lt.LaunchTemplateId);
            t.log(`deleted launch template ${lt.LaunchTemplateName ?? lt.LaunchTemplateId}`);
        }
    }

    // 3. Instance profiles Karpenter created from EC2NodeClass.spec.role: the tags are checked; a name prefix alone
    //    could match another cluster.
    let Marker: string | undefined;
    do {
        const page = await t.call("ListInstanceProfiles", () => o.iam.send(new ListInstanceProfilesCommand({ Marker })));
        for (const profile of page.InstanceProfiles ?? []) {
            const name = profile.InstanceProfileName;
            if (!name?.startsWith(`${o.clusterName}_`)) continue;
            let tags: Record<string, string | undefined>;
            try {
                const listed = await t.call("ListInstanceProfileTags", () => o.iam.send(new ListInstanceProfileTagsCommand({ InstanceProfileName: name })));
                tags = Object.fromEntries((listed.Tags ?? []).map((tag) => [tag.Key, tag.Value]));
            } catch (e) {
                if (isGone(e)) continue;
                throw e;
            }
            if (tags[ownedTag] !== "owned" || tags["topology.kubernetes.io/region"] !== o.region || !tags["karpenter.k8s.aws/ec2nodeclass"]) continue;
            for (const role of profile.Roles ?? []) {
                await t.remove("RemoveRoleFromInstanceProfile", () => o.iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: name, RoleName: role.RoleName })));
            }
            if (await t.remove("DeleteInstanceProfile", () => o.iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: name })))) {
                report.deletedInstanceProfiles.push(name);
                t.log(`deleted instance profile ${name}`);
            }
        }
        Marker = page.IsTruncated ? page.Marker : undefined;
    } while (Marker);

    // 4. Detached ENIs the VPC CNI created on Karpenter's instances (their instance tag names one of its
    //    instances, still listed for about an hour after termination). ENIs in use are never waited on.
    const detached = await cniInterfaces(o, t, [{ Name: "status", Values: ["available"] }]);
    const candidates = [...new Set(detached.flatMap((eni) => (eni.instanceId ? [eni.instanceId] : [])))];
    const karpenters = new Set<string>();
    // In batches of 200 ids: requests stay small however many interfaces leaked.
    for (let i = 0; i < candidates.length; i += 200) {
        for (const id of await instances([{ Name: "instance-id", Values: candidates.slice(i, i + 200) }])) karpenters.add(id);
    }
    for (const eni of detached) {
        if (!eni.instanceId || !karpenters.has(eni.instanceId)) continue;
        if (await t.remove("DeleteNetworkInterface", () => o.ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eni.id })))) {
            report.deletedNetworkInterfaces.push(eni.id);
            t.log(`deleted network interface ${eni.id} (left by ${eni.instanceId})`);
        }
    }
    const others = detached.length - detached.filter((eni) => eni.instanceId && karpenters.has(eni.instanceId)).length;
    if (others > 0) t.log(`left ${others} detached network interface(s) of other nodes alone`);

    t.log(
        `swept ${o.clusterName}: ${report.terminatedInstances.length} instance(s), ${report.deletedLaunchTemplates.length} launch template(s), ` +
            `${report.deletedInstanceProfiles.length} instance profile(s), ${report.deletedNetworkInterfaces.length} network interface(s)`,
    );
    return report;
}

/**
 * Step 2, only when this stack created the cluster: after the system node group is gone and before the VPC (and
 * the cluster's security groups) are deleted, the VPC CNI's ENIs of this cluster that would block them. Detached
 * ones are deleted; attached ones (instances still shutting down) are waited for, then deleted.
 */
export async function sweepNetworkInterfaces(o: SweepOptions): Promise<string[]> {
    const { DeleteNetworkInterfaceCommand } = await import("@aws-sdk/client-ec2");
    const t = await toolkit(o, "network interface cleanup");
    const deleted: string[] = [];
    await t.waitUntil("network interfaces to detach", async () => {
        const enis = await cniInterfaces(o, t);
        for (const eni of enis.filter((e) => e.status === "available")) {
            if (await t.remove("DeleteNetworkInterface", () => o.ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eni.id })))) {
                deleted.push(eni.id);
                t.log(`deleted network interface ${eni.id}`);
            }
        }
        return enis.filter((e) => e.status !== "available").map((e) => e.id);
    });
    t.log(`swept ${o.clusterName}: ${deleted.length} network interface(s)`);
    return deleted;
}
