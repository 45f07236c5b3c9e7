import { Clock, formatDuration, throwIfAborted } from "./clock";

/** Where the command talks to the person running it: a terminal (one live status line) or a log (CI). */
export interface Output {
    write(text: string): unknown;
    isTTY?: boolean;
}

/**
 * Progress on the terminal. On a TTY the status of the current wait is one line rewritten in place; in a log
 * (CI, a file) a status line is printed when what it says changes, and at least every 30 s of waiting.
 */
export class Progress {
    private lastStatus = "";
    private lastPrintedAt = -Infinity;
    private live = false;

    constructor(
        private readonly out: Output,
        private readonly clock: Clock,
    ) {}

    /** A permanent line. */
    line(text: string): void {
        this.clearLive();
        this.out.write(`${text}\n`);
    }

    /** The status of a wait: what it waits for, what it sees, elapsed/limit. */
    status(what: string, seen: string, elapsedMs: number, limitMs: number): void {
        const text = `  … ${what}: ${seen} [${formatDuration(elapsedMs)}/${formatDuration(limitMs)}]`;
        if (this.out.isTTY) {
            this.out.write(`\r\x1b[2K${text}`);
            this.live = true;
            return;
        }
        const key = `${what}: ${seen}`;
        const now = this.clock.now();
        if (key !== this.lastStatus || now - this.lastPrintedAt >= 30_000) {
            this.out.write(`${text}\n`);
            this.lastStatus = key;
            this.lastPrintedAt = now;
        }
    }

    private clearLive(): void {
        if (this.live) this.out.write("\r\x1b[2K");
        this.live = false;
        this.lastStatus = "";
    }
}

export interface WaitContext {
    clock: Clock;
    progress: Progress;
    /** Time between two looks at the cluster. */
    pollMs: number;
    signal?: AbortSignal;
}

export interface Probe<T> {
    done: boolean;
    value: T;
    /** What the cluster shows now, e.g. "1 of 3 nodes Ready". */
    seen: string;
}

export interface WaitResult<T> {
    done: boolean;
    value: T;
    /** What the last look showed. */
    seen: string;
    elapsedMs: number;
}

/** Looks at the cluster until `probe` says done or `limitMs` has passed; never waits longer than the limit. */
export async function waitUntil<T>(ctx: WaitContext, what: string, limitMs: number, probe: () => Promise<Probe<T>>, startedAt = ctx.clock.now()): Promise<WaitResult<T>> {
    for (;;) {
        throwIfAborted(ctx.signal);
        const p = await probe();
        const elapsedMs = ctx.clock.now() - startedAt;
        ctx.progress.status(what, p.seen, elapsedMs, limitMs);
        if (p.done || elapsedMs >= limitMs) return { done: p.done, value: p.value, seen: p.seen, elapsedMs };
        await ctx.clock.sleep(Math.min(ctx.pollMs, limitMs - elapsedMs), ctx.signal);
    }
}
