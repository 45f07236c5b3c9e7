/** Time as the command sees it: injectable, so tests run minutes of waiting in milliseconds. */
export interface Clock {
    /** Milliseconds since the epoch. */
    now(): number;
    /** Resolves after `ms`, or rejects with an Interrupted error as soon as `signal` aborts. */
    sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Thrown by waits and requests once the run was interrupted (Ctrl-C). */
export class Interrupted extends Error {
    constructor() {
        super("interrupted");
        this.name = "Interrupted";
    }
}

export function throwIfAborted(signal?: AbortSignal): void {
    if (signal?.aborted) throw new Interrupted();
}

export const systemClock: Clock = {
    now: () => Date.now(),
    sleep: (ms, signal) =>
        new Promise<void>((resolve, reject) => {
            if (signal?.aborted) return reject(new Interrupted());
            const onAbort = () => {
                clearTimeout(timer);
                reject(new Interrupted());
            };
            const timer = setTimeout(() => {
                signal?.removeEventListener("abort", onAbort);
                resolve();
            }, ms);
            signal?.addEventListener("abort", onAbort, { once: true });
        }),
};

/** "1m05s", "45s", "2h00m": elapsed times and limits the way the progress line and the table show them. */
export function formatDuration(ms: number): string {
    const s = Math.round(ms / 1000);
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
    return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/**
 * A Kubernetes duration ("30s", "5m", "1h30m", as NodePool's consolidateAfter) in milliseconds; undefined for
 * "Never" or anything else.
 */
export function parseKubeDuration(text: string): number | undefined {
    const parts = [...text.matchAll(/([0-9]+)(h|m|s)/g)];
    if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) return undefined;
    return parts.reduce((ms, [, n, unit]) => ms + Number(n) * { h: 3_600_000, m: 60_000, s: 1000 }[unit as "h" | "m" | "s"], 0);
}
