import FakeTimers from "@sinonjs/fake-timers";
import { StackConfig, parseStackConfig } from "../../components/config";
import { durationSeconds } from "../../components/nodePools/specs";
import { ProgramRun, RecordedResource } from "../../offline/engine";
import { deleteAsHost, loadAsHost } from "./dynamicProvider";
import { FakeAws, Tags } from "./fakeAws";

/**
 * `pulumi destroy` played offline: the recorded resources are deleted in the engine's order (a resource only
 * after everything that depends on it, its children and what its provider serves), against a FakeAws and a
 * small model of the cluster, with the cleanup resources running the provider code serialized into the state.
 *
 * The cluster model follows the Kubernetes provider and Karpenter: a NodePool delete (foreground cascading) waits
 * for Karpenter to drain and terminate its nodes, which only a running controller does; a pod that blocks eviction
 * (PodDisruptionBudget, karpenter.sh/do-not-disrupt) holds its node until the NodePool's terminationGracePeriod,
 * or forever; an EC2NodeClass's finalizer deletes its instance profile; the wait ends at the resource's
 * customTimeouts.delete, or after 10 minutes. EKS refuses to delete a cluster with node groups, EC2 a subnet
 * (so the VPC) with network interfaces, IAM a role still in an instance profile; a tag resource deletes its key.
 */

export interface Scenario {
    /** The controller is not running when the destroy starts (crash-looping, evicted, its nodes gone). */
    controllerDead?: boolean;
    /** A pod of someone else's, with karpenter.sh/do-not-disrupt, runs on a Karpenter node. */
    blockingPod?: boolean;
    /**
     * Order of the deletes within a wave (the engine runs them in parallel, so none may rely on another):
     * "reverse" replays every wave backwards. @default "forward"
     */
    order?: "forward" | "reverse";
}

export interface DestroyResult {
    /** The first delete that failed, as the engine reports it; undefined when the destroy completed. */
    failure?: string;
    /** Simulated minutes the destroy took. */
    minutes: number;
    log: string[];
}

const OTHER = "other-cluster";
const PROVIDER_DEFAULT_DELETE_SECONDS = 600;
/** Seconds from an instance's termination to its node object's removal (the model's guess; only its order of magnitude matters). */
const TERMINATION_SECONDS = 120;

export class Teardown {
    readonly aws = new FakeAws();
    readonly config: StackConfig;
    readonly cluster: string;
    /** Subnet tags before the stack added its own. */
    readonly tagsBefore = new Map<string, Tags>();
    /** NodePool name → its nodes (instance ids) with a pod that blocks eviction or not. */
    readonly nodeClaims = new Map<string, Array<{ instance: string; blocked: boolean }>>();
    controllerRunning: boolean;
    readonly order: "forward" | "reverse";
    finalizersRemoved = false;
    nodeGroupExists: boolean;
    vpcDeleted = false;
    readonly deleted = new Set<string>();
    private now = 0;
    private readonly log: string[] = [];

    constructor(
        readonly run: ProgramRun,
        scenario: Scenario = {},
    ) {
        this.config = parseStackConfig(run.config);
        this.cluster = this.config.clusterName;
        const existingCluster = this.config.existingCluster !== undefined;
        this.controllerRunning = !scenario.controllerDead;
        this.order = scenario.order ?? "forward";
        this.nodeGroupExists = !existingCluster;
        const a = this.aws;
        const subnets = [...(run.outputs.privateSubnetIds as string[]), ...(run.outputs.publicSubnetIds as string[])];
        const shared = this.config.network.existingVpc !== undefined || existingCluster;
        for (const s of subnets) {
            // Shared subnets were tagged for load balancers before this stack (and are used by another cluster).
            const before: Tags = shared ? { Name: s, [(run.outputs.publicSubnetIds as string[]).includes(s) ? "kubernetes.io/role/elb" : "kubernetes.io/role/internal-elb"]: "1" } : {};
            this.tagsBefore.set(s, before);
            a.resourceTags.set(s, { ...before });
        }
        for (const tag of this.ofType("aws:ec2/tag:Tag")) {
            const t = tag.inputs as { resourceId: string; key: string; value: string };
            if (!this.tagsBefore.has(t.resourceId)) this.tagsBefore.set(t.resourceId, {});
            a.resourceTags.set(t.resourceId, { ...(a.resourceTags.get(t.resourceId) ?? {}), [t.key]: t.value });
        }
        const [s1, s2] = run.outputs.privateSubnetIds as string[];
        const cni = (cluster: string, instance: string) => ({ "cluster.k8s.amazonaws.com/name": cluster, "node.k8s.amazonaws.com/instance_id": instance });
        const node = (id: string, tags: Tags, subnetId: string, leaksEni = false) => {
            a.instances.set(id, { id, state: "running", tags });
            a.networkInterfaces.set(`eni-${id}-primary`, { id: `eni-${id}-primary`, subnetId, status: "in-use", attachedTo: id, deleteOnTermination: true, tags: {} });
            a.networkInterfaces.set(`eni-${id}-cni`, { id: `eni-${id}-cni`, subnetId, status: "in-use", attachedTo: id, deleteOnTermination: true, tags: cni(tags.cluster ?? this.cluster, id) });
            // The VPC CNI created one more ENI and lost it (the attach failed): detached, tagged, left behind.
            if (leaksEni) a.networkInterfaces.set(`eni-${id}-leaked`, { id: `eni-${id}-leaked`, subnetId, status: "available", deleteOnTermination: false, tags: cni(tags.cluster ?? this.cluster, id) });
        };

        // The nodes Karpenter does not manage: this stack's system node group, or the existing cluster's own.
        for (const n of [1, 2]) node(existingCluster ? `i-existing-${n}` : `i-system-${n}`, existingCluster ? { "eks:nodegroup-name": "existing" } : { "eks:nodegroup-name": `${this.cluster}-system` }, n === 1 ? s1 : s2, n === 1);
        // Karpenter's: one node per pool (the first with a pod that blocks eviction, if asked), and one it lost track of.
        const karpenterTags = (pool: string): Tags => ({ [`kubernetes.io/cluster/${this.cluster}`]: "owned", "karpenter.sh/nodepool": pool, "karpenter.k8s.aws/ec2nodeclass": pool });
        this.config.nodePools.forEach((pool, i) => {
            const id = `i-karpenter-${pool.name}`;
            node(id, karpenterTags(pool.name), i % 2 === 0 ? s1 : s2, i === 0);
            this.nodeClaims.set(pool.name, [{ instance: id, blocked: i === 0 && scenario.blockingPod === true }]);
            a.launchTemplates.set(`lt-${pool.name}`, { id: `lt-${pool.name}`, name: `karpenter.k8s.aws/${pool.name}`, tags: karpenterTags(pool.name) });
            a.instanceProfiles.set(`${this.cluster}_${i}`, {
                name: `${this.cluster}_${i}`,
                roles: [`${this.cluster}-karpenter-node`],
                tags: { [`kubernetes.io/cluster/${this.cluster}`]: "owned", "topology.kubernetes.io/region": this.config.region, "karpenter.k8s.aws/ec2nodeclass": pool.name },
            });
        });
        node("i-karpenter-orphan", karpenterTags(this.config.nodePools[0].name), s2);
        // Someone else's, which must survive: another cluster's Karpenter node, template and profile.
        const theirs = { [`kubernetes.io/cluster/${OTHER}`]: "owned", "karpenter.sh/nodepool": "default", cluster: OTHER };
        if (shared) node("i-other", theirs, s1);
        a.instances.set("i-other-elsewhere", { id: "i-other-elsewhere", state: "running", tags: theirs });
        a.launchTemplates.set("lt-other", { id: "lt-other", name: "karpenter.k8s.aws/other", tags: theirs });
        a.instanceProfiles.set(`${OTHER}_0`, { name: `${OTHER}_0`, roles: [`${OTHER}-karpenter-node`], tags: { [`kubernetes.io/cluster/${OTHER}`]: "owned", "topology.kubernetes.io/region": this.config.region, "karpenter.k8s.aws/ec2nodeclass": "default" } });
    }

    ofType(type: string): RecordedResource[] {
        return this.run.resources.filter((r) => r.type === type);
    }

    /** The README's fallback for a dead controller: remove the Karpenter finalizers (kubectl patch ... finalizers null). */
    removeFinalizers(): void {
        this.finalizersRemoved = true;
    }

    /**
     * Deletes what is left, wave after wave (everything in a wave could run in parallel); stops at the first wave
     * with a failure, as the engine does not delete what a failed resource depends on.
     */
    async destroy(): Promise<DestroyResult> {
        this.aws.install();
        const start = this.now;
        const left = this.run.resources.filter((r) => !this.deleted.has(r.urn));
        const blockers = new Map<string, Set<string>>(left.map((r) => [r.urn, new Set<string>()]));
        for (const r of left) {
            const needs = [...r.dependencies, ...(r.parent ? [r.parent] : []), ...(r.provider ? [r.provider.split("::").slice(0, -1).join("::")] : [])];
            for (const urn of needs) blockers.get(urn)?.add(r.urn);
        }
        while (blockers.size > 0) {
            const wave = [...blockers].filter(([, by]) => [...by].every((urn) => this.deleted.has(urn))).map(([urn]) => urn);
            if (wave.length === 0) throw new Error(`dependency cycle among ${[...blockers.keys()].join(", ")}`);
            if (this.order === "reverse") wave.reverse();
            let waveSeconds = 0;
            for (const urn of wave) {
                const r = left.find((x) => x.urn === urn)!;
                const outcome = await this.delete(r);
                if (typeof outcome === "string") {
                    this.log.push(`FAILED ${r.type} ${r.name}: ${outcome}`);
                    return { failure: `${r.type} ${r.name}: ${outcome}`, minutes: (this.now - start) / 60, log: this.log };
                }
                waveSeconds = Math.max(waveSeconds, outcome);
                this.deleted.add(urn);
                blockers.delete(urn);
            }
            this.now += waveSeconds;
        }
        return { minutes: (this.now - start) / 60, log: this.log };
    }

    /** Seconds the delete took, or the engine's error. */
    private async delete(r: RecordedResource): Promise<number | string> {
        const a = this.aws;
        const timeout = r.deleteTimeout ? durationSeconds(r.deleteTimeout) : PROVIDER_DEFAULT_DELETE_SECONDS;
        const name = (r.inputs.metadata as { name?: string } | undefined)?.name ?? "";
        const waitedOut = `timed out waiting for the deletion to complete (${timeout / 60} minutes): finalizers or a drain still hold it`;
        switch (r.type) {
            case "kubernetes:karpenter.sh/v1:NodePool": {
                if (this.finalizersRemoved) return 0; // nodes, NodeClaims and the pool go at once; the instances stay
                if (!this.controllerRunning) return waitedOut;
                const claims = this.nodeClaims.get(name) ?? [];
                const tgp = (r.inputs.spec as { template: { spec: { terminationGracePeriod?: string } } }).template.spec.terminationGracePeriod;
                const drain = Math.max(0, ...claims.map((c) => (c.blocked ? (tgp ? durationSeconds(tgp) : Infinity) : 60)));
                if (drain + TERMINATION_SECONDS > timeout) return waitedOut;
                for (const c of claims) a.terminate(c.instance);
                this.nodeClaims.delete(name);
                return drain + TERMINATION_SECONDS;
            }
            case "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass": {
                if (this.finalizersRemoved) return 0;
                if (!this.controllerRunning) return waitedOut;
                // Its finalizer: Karpenter deletes the instance profiles it made from spec.role for this class.
                for (const p of [...a.instanceProfiles.values()].filter((p) => p.tags["karpenter.k8s.aws/ec2nodeclass"] === name && p.name.startsWith(`${this.cluster}_`))) {
                    a.instanceProfiles.delete(p.name);
                }
                return 5;
            }
            case "kubernetes:helm.sh/v3:Release":
                if ((r.inputs as { name?: string }).name === "karpenter") this.controllerRunning = false;
                return 30;
            case "pulumi-nodejs:dynamic:Resource":
                return this.runSerialized(r);
            case "aws:eks/nodeGroup:NodeGroup":
                for (const i of a.instances.values()) if (i.tags["eks:nodegroup-name"] === `${this.cluster}-system`) a.terminate(i.id);
                this.nodeGroupExists = false;
                return 600;
            case "eks:index:Cluster":
                return this.nodeGroupExists ? "ResourceInUseException: Cluster has nodegroups attached" : 600;
            case "awsx:ec2:Vpc": {
                const subnets = [...(this.run.outputs.privateSubnetIds as string[]), ...(this.run.outputs.publicSubnetIds as string[])];
                const blocking = [...a.networkInterfaces.values()].filter((e) => subnets.includes(e.subnetId));
                if (blocking.length > 0) return `DependencyViolation: The subnet '${blocking[0].subnetId}' has dependencies and cannot be deleted (${blocking.map((e) => e.id).join(", ")}).`;
                this.vpcDeleted = true;
                return 120;
            }
            case "aws:ec2/tag:Tag": {
                const t = r.inputs as { resourceId: string; key: string };
                const tags = { ...(a.resourceTags.get(t.resourceId) ?? {}) };
                delete tags[t.key];
                a.resourceTags.set(t.resourceId, tags);
                return 1;
            }
            case "aws:iam/role:Role": {
                const role = String(r.inputs.name ?? r.state.name);
                const holding = [...a.instanceProfiles.values()].filter((p) => p.roles.includes(role));
                return holding.length > 0 ? `DeleteConflict: Cannot delete entity, must remove roles from instance profile first (${holding.map((p) => p.name).join(", ")}).` : 1;
            }
            default:
                return 1;
        }
    }

    /** The cleanup resource's delete, as the dynamic-provider host runs it, on a fake clock (its waits take no time). */
    private async runSerialized(r: RecordedResource): Promise<number | string> {
        const provider = loadAsHost(String(r.inputs.__provider));
        const clock = FakeTimers.install({ toFake: ["setTimeout", "clearTimeout", "Date"], now: 0 });
        const print = console.log;
        console.log = (...args: unknown[]) => void this.log.push(args.join(" "));
        try {
            let done = false;
            let failure: string | undefined;
            void deleteAsHost(provider, r.id, { ...r.state, __provider: r.inputs.__provider }).then((f) => {
                done = true;
                failure = f ? f.message ?? f.logged : undefined;
            });
            while (!done) {
                if (clock.countTimers() > 0) await clock.nextAsync();
                else await new Promise((resolve) => setImmediate(resolve));
                if (clock.now > 48 * 3600_000) return "the sweep never finished (48 simulated hours)";
            }
            return failure ?? Math.round(clock.now / 1000);
        } finally {
            console.log = print;
            clock.uninstall();
        }
    }

    /** What the destroy left that belonged to this stack or its cluster's Karpenter, and what it took from others. */
    leftovers(): { ours: string[]; othersLost: string[] } {
        const a = this.aws;
        const ours: string[] = [];
        const othersLost: string[] = [];
        const existing = this.config.existingCluster !== undefined;
        for (const i of a.instances.values()) {
            const mine = i.tags[`kubernetes.io/cluster/${this.cluster}`] === "owned" || i.tags["eks:nodegroup-name"] === `${this.cluster}-system`;
            if (mine && i.state !== "terminated") ours.push(`instance ${i.id} (${i.state})`);
            if (!mine && i.state === "terminated") othersLost.push(`instance ${i.id}`);
        }
        for (const lt of a.launchTemplates.values()) if (lt.tags[`kubernetes.io/cluster/${this.cluster}`]) ours.push(`launch template ${lt.id}`);
        for (const p of a.instanceProfiles.values()) if (p.name.startsWith(`${this.cluster}_`)) ours.push(`instance profile ${p.name}`);
        for (const eni of a.networkInterfaces.values()) {
            const attachedToMine = eni.attachedTo && (eni.attachedTo.startsWith("i-karpenter") || eni.attachedTo.startsWith("i-system"));
            const cniOfMine = eni.tags["cluster.k8s.amazonaws.com/name"] === this.cluster && !(existing && eni.tags["node.k8s.amazonaws.com/instance_id"]?.startsWith("i-existing"));
            if (attachedToMine || cniOfMine) ours.push(`network interface ${eni.id} (${eni.status})`);
        }
        if (!existing && this.config.network.existingVpc === undefined && !this.vpcDeleted) ours.push("VPC");
        for (const [id, before] of this.tagsBefore) {
            const now = a.resourceTags.get(id) ?? {};
            for (const [k, v] of Object.entries(now)) if (before[k] !== v) ours.push(`tag ${k} on ${id}`);
            for (const [k, v] of Object.entries(before)) if (now[k] !== v) othersLost.push(`tag ${k}=${v} on ${id}`);
        }
        for (const id of ["lt-other"]) if (!a.launchTemplates.has(id)) othersLost.push(`launch template ${id}`);
        if (!a.instanceProfiles.has(`${OTHER}_0`)) othersLost.push(`instance profile ${OTHER}_0`);
        if (existing) for (const id of ["eni-i-existing-1-primary", "eni-i-existing-1-cni", "eni-i-existing-1-leaked"]) if (!a.networkInterfaces.has(id)) othersLost.push(`network interface ${id}`);
        return { ours: ours.sort(), othersLost: othersLost.sort() };
    }
}
