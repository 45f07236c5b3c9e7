import { expect } from "chai";
import { shared } from "./helpers/lazy";

/** tests/helpers/lazy.ts: built once under npm test; under StrykerJS per current test or per active mutant. */
describe("shared values for specs (tests/helpers/lazy.ts)", () => {
    const g = globalThis as { __stryker__?: { activeMutant?: string; currentTestId?: string } };
    let saved: typeof g.__stryker__;
    let hadStryker: boolean;
    beforeEach(() => {
        hadStryker = "__stryker__" in g;
        saved = g.__stryker__;
    });
    afterEach(() => {
        if (hadStryker) g.__stryker__ = saved;
        else delete g.__stryker__;
    });

    it("builds once outside Stryker", async () => {
        delete g.__stryker__;
        let builds = 0;
        const get = shared(async () => ++builds);
        expect([await get(), await get(), await get()]).to.deep.equal([1, 1, 1]);
    });

    it("under Stryker, builds again when the current test (no mutant active) or the active mutant changes", async () => {
        let builds = 0;
        const get = shared(async () => ++builds);
        g.__stryker__ = { currentTestId: "a" };
        expect([await get(), await get()]).to.deep.equal([1, 1]);
        g.__stryker__ = { currentTestId: "b" };
        expect(await get()).to.equal(2);
        g.__stryker__ = { currentTestId: "b", activeMutant: "7" };
        expect(await get()).to.equal(3);
        g.__stryker__ = { currentTestId: "c", activeMutant: "7" };
        expect(await get(), "same mutant, another test: still valid").to.equal(3);
        g.__stryker__ = { currentTestId: "c", activeMutant: "8" };
        expect(await get()).to.equal(4);
    });
});
