import Mocha from "mocha";

/** Mocha's spec reporter plus one closing line in the plain "N passed, N failed" form that CI reads. */
class SpecWithSummary extends Mocha.reporters.Spec {
    constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
        super(runner, options);
        runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
            const { passes, failures, pending } = this.stats;
            console.log(`mocha: ${passes} passed, ${failures} failed, ${pending} skipped`);
        });
    }
}

export = SpecWithSummary;
