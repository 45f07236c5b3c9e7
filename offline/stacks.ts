import { DeliveryError, ciPreviewMatrix, deliveryPlan } from "../deployments/stacks";

/**
 * `npm run --silent stacks [-- --ci-matrix] [--project DIR]`: the stacks of the project and how each is delivered,
 * derived from the Pulumi.<stack>.yaml files and deployments/delivery.yaml, as deployments/ and CI use them.
 * `--ci-matrix` prints the CI preview matrix as JSON (one line), which the workflow's preview job reads. Exit 2 on a
 * delivery problem.
 */
export function stacksCommand(argv: string[], out: (line: string) => void = console.log, err: (line: string) => void = console.error): number {
    const at = argv.indexOf("--project");
    let plan;
    try {
        plan = at >= 0 ? deliveryPlan(argv[at + 1]) : deliveryPlan();
    } catch (e) {
        if (!(e instanceof DeliveryError)) throw e;
        err(e.message);
        return 2;
    }
    if (argv.includes("--ci-matrix")) {
        out(JSON.stringify(ciPreviewMatrix(plan)));
        return 0;
    }
    const rows = plan.stacks.map((s) => [
        s.stack,
        s.account,
        s.reviewStackTemplate ? `template (pull requests to ${s.branch})` : `push to ${s.branch}`,
        s.protected ? "no (protected)" : s.reviewStackTemplate ? "no (template)" : "yes",
        s.driftSchedule ?? "-",
        s.policyConfig.description,
    ]);
    const header = ["stack", "account", "deploys on", "CI preview", "drift", "policy config"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    for (const r of [header, ...rows]) out(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  "));
    if (plan.localOnly.length > 0) out(`\nLocal-only (no environment: block; not in Pulumi Cloud or CI): ${plan.localOnly.join(", ")}`);
    return 0;
}

if (require.main === module) process.exit(stacksCommand(process.argv.slice(2)));
