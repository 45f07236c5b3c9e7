import { expect } from "chai";
import type { ProgramRun } from "../offline/engine";
import { packConfigFor, runPolicies } from "../offline/policies";
import { EDITS, R } from "./helpers/insecureEdits";
import { copyRun } from "./helpers/mutate";
import { runStack } from "./helpers/run";

/**
 * The policy mutation suite: every edit of helpers/insecureEdits.ts applied to the recorded dev and prod stacks
 * (the resources the real program registers under the offline engine), each asserting exactly which mandatory
 * policies block it. Prints the catch rate.
 */
describe("policy mutation suite: insecure edits of the recorded dev and prod stacks", function () {
    this.timeout(120_000);
    const caught: Record<string, { blocked: number; total: number }> = {};

    for (const stackName of ["dev", "prod"]) {
        describe(stackName, () => {
            const recorded = new Map<string, Promise<ProgramRun>>();
            const recordedWith = (config: Record<string, unknown> = {}) => {
                const key = JSON.stringify(config);
                if (!recorded.has(key)) recorded.set(key, runStack(stackName, config));
                return recorded.get(key)!;
            };
            const packConfig = packConfigFor(stackName);
            caught[stackName] = { blocked: 0, total: 0 };

            it("is clean before any edit (0 mandatory violations), with and without a configured boundary", async () => {
                for (const config of [undefined, EDITS.find((e) => e.config)!.config]) {
                    const violations = await runPolicies(await recordedWith(config), packConfig);
                    expect(violations.filter((v) => v.enforcementLevel === "mandatory")).to.deep.equal([]);
                }
            });

            for (const e of EDITS) {
                it(`${e.family}: ${e.edit} → ${e.blockedBy.join(", ")}`, async () => {
                    const run = copyRun(await recordedWith(e.config));
                    const clusterName = String(run.resources.find((r) => r.type === R.cluster)!.inputs.name);
                    e.apply(run, { clusterName, prefix: clusterName });
                    const mandatory = (await runPolicies(run, packConfig)).filter((v) => v.enforcementLevel === "mandatory");
                    caught[stackName].total++;
                    expect([...new Set(mandatory.map((v) => v.policy))].sort()).to.deep.equal([...e.blockedBy].sort());
                    caught[stackName].blocked++;
                });
            }
        });
    }

    after(() => {
        const blocked = Object.values(caught).reduce((n, c) => n + c.blocked, 0);
        const total = Object.values(caught).reduce((n, c) => n + c.total, 0);
        const per = Object.entries(caught).map(([stack, c]) => `${stack} ${c.blocked}/${c.total}`).join(", ");
        console.log(`      policy mutation suite: ${blocked}/${total} insecure edits blocked by the expected mandatory policies (${per}), ${new Set(EDITS.map((e) => e.family)).size} families`);
    });
});
