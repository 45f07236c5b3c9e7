import { RawReader, readBool, readInt } from "./validate";

/** The demo "inflate" Deployment (`demoWorkload`, an object; every field optional). */
export interface DemoWorkloadConfig {
    /** Pods of 1 CPU each; scale with kubectl to watch Karpenter add and remove nodes. @default 0 */
    replicas: number;
    /** Select on-demand capacity (karpenter.sh/capacity-type: on-demand). @default false */
    onDemandOnly: boolean;
    /** Spread the pods evenly across zones. @default false */
    spreadAcrossZones: boolean;
}

export const DEMO_DEFAULTS: DemoWorkloadConfig = { replicas: 0, onDemandOnly: false, spreadAcrossZones: false };

export function parseDemoWorkload(r: RawReader): DemoWorkloadConfig | undefined {
    const p = r.p;
    const d = DEMO_DEFAULTS;
    const read = r.object("demoWorkload", Object.keys(d));
    if (!read) return undefined;
    const { path, value } = read;
    const replicas = readInt(p, `${path}.replicas`, value.replicas ?? d.replicas, 0, 100);
    const onDemandOnly = readBool(p, `${path}.onDemandOnly`, value.onDemandOnly ?? d.onDemandOnly);
    const spreadAcrossZones = readBool(p, `${path}.spreadAcrossZones`, value.spreadAcrossZones ?? d.spreadAcrossZones);
    if (replicas === undefined || onDemandOnly === undefined || spreadAcrossZones === undefined) return undefined;
    return { replicas, onDemandOnly, spreadAcrossZones };
}
