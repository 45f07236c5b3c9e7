/**
 * A value several tests share (typically a program run), built inside the tests that read it:
 *
 *     let dev: ProgramRun;
 *     const build = shared(() => runStack("dev"));
 *     beforeEach(async () => {
 *         dev = await build();
 *     });
 *
 * Under `npm test` the first test builds it and the others reuse it: the same cost as a `before()` hook.
 *
 * Under StrykerJS (`npm run mutate`) the spec files are loaded once and mocha runs many times in the same process:
 * once to measure which test reaches which mutant (the root beforeEach names the current test), then once per
 * mutant with only the tests that reached it. A `before()` hook or a build at load time would be credited to
 * whichever test ran before it (or to none), and a value kept across runs would hold the first mutant's result.
 * So the value is kept only as long as Stryker's current test (while measuring) or active mutant stays the same.
 */
export function shared<T>(build: () => Promise<T>): () => Promise<T> {
    let memo: { key: string; value: Promise<T> } | undefined;
    return () => {
        const key = strykerKey();
        if (memo?.key !== key) memo = { key, value: build() };
        return memo.value;
    };
}

interface StrykerContext {
    activeMutant?: string;
    currentTestId?: string;
}

/**
 * How long a shared value stays valid: "" (always) outside Stryker; under it, while the active mutant stays the
 * same, or while no mutant is active (Stryker measuring coverage), while the current test stays the same.
 */
export function strykerKey(): string {
    const stryker = (globalThis as { __stryker__?: StrykerContext }).__stryker__;
    if (!stryker) return "";
    return stryker.activeMutant !== undefined ? `mutant ${stryker.activeMutant}` : `test ${stryker.currentTestId}`;
}
