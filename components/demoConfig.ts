import { RawReader, readBool, readInt } from "./validate";

/** The demo "inflate" Deployment (`demoWorkload`, an object; every field optional). */
export interface DemoWorkloadConfig {
    /**
     * Create the demo namespace and Deployment at all. Off by default when installing into an existing cluster
     * (a shared cluster should not get a demo namespace unasked). @default true; false with existingCluster
     */
    enabled: boolean;
    /**
     * Pods of 1 CPU each when the Deployment is created; then scale with kubectl to watch Karpenter add and remove
     * nodes (a later change of this key changes nothing: `ignoreChanges`, see README "Watch Karpenter scale"). @default 0
     */
    replicas: number;
    /** Select on-demand capacity (karpenter.sh/capacity-type: on-demand). @default false */
    onDemandOnly: boolean;
    /** Spread the pods evenly across zones. @default false */
    spreadAcrossZones: boolean;
}

export const DEMO_DEFAULTS: DemoWorkloadConfig = { enabled: true, replicas: 0, onDemandOnly: false, spreadAcrossZones: false };

export function parseDemoWorkload(r: RawReader, existingCluster = false): DemoWorkloadConfig | undefined {
    const p = r.p;
    const d = DEMO_DEFAULTS;
    const read = r.object("demoWorkload", Object.keys(d));
    if (!read) return undefined;
    const { path, value } = read;
    const enabled = readBool(p, `${path}.enabled`, value.enabled ?? !existingCluster);
    const replicas = readInt(p, `${path}.replicas`, value.replicas ?? d.replicas, 0, 100);
    const onDemandOnly = readBool(p, `${path}.onDemandOnly`, value.onDemandOnly ?? d.onDemandOnly);
    const spreadAcrossZones = readBool(p, `${path}.spreadAcrossZones`, value.spreadAcrossZones ?? d.spreadAcrossZones);
    if (enabled === undefined || replicas === undefined || onDemandOnly === undefined || spreadAcrossZones === undefined) return undefined;
    return { enabled, replicas, onDemandOnly, spreadAcrossZones };
}
