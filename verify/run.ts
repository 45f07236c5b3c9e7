import * as fs from "node:fs";
import { AwsClients, awsChecks } from "./aws";
import { Clock, Interrupted } from "./clock";
import { kubernetesChecks } from "./install";
import { Kube } from "./kube";
import type { Expectations } from "./outputs";
import { Output, Progress } from "./progress";
import { CheckResult, Report, exitCodeOf, renderTable } from "./report";
import { DEFAULT_LIMITS, ScalingLimits, scalingTest } from "./scaling";

export interface VerifyOptions {
    expectations: Expectations;
    /** Kubeconfig text (JSON or YAML). */
    kubeconfig: string;
    /** Run the scaling test (it launches instances). @default true */
    scale: boolean;
    /** Pods the scaling test adds. @default from the pools' limits */
    replicas?: number;
    limits: ScalingLimits;
    /** Time between two looks at the cluster while waiting. @default 5 s */
    pollMs: number;
    /** Bound of every single API request. @default 30 s */
    requestTimeoutMs: number;
    /** Where to write the JSON report. */
    jsonFile?: string;
}

export const DEFAULT_OPTIONS = { scale: true, limits: DEFAULT_LIMITS, pollMs: 5_000, requestTimeoutMs: 30_000 };

export interface VerifyDeps {
    aws: AwsClients;
    clock: Clock;
    out: Output;
    /** Aborted by Ctrl-C: waits stop, the demo is restored, the report says "interrupted". */
    signal?: AbortSignal;
}

/** Verifies a live stack: install checks, then (unless opted out) the scaling test. Prints the table, returns the report. */
export async function verify(o: VerifyOptions, d: VerifyDeps): Promise<Report> {
    const x = o.expectations;
    const started = d.clock.now();
    const progress = new Progress(d.out, d.clock);
    const kube = new Kube(o.kubeconfig, o.requestTimeoutMs, d.signal);
    const checks: CheckResult[] = [];
    let interrupted = false;
    let scaling: Report["scaling"];
    progress.line(`Verifying stack "${x.stack}": cluster ${x.clusterName} (${kube.server}), region ${x.region}`);
    try {
        progress.line("Install checks: Karpenter controller, CRDs, NodePools and EC2NodeClasses ...");
        const credentials = await kube.authenticate().then(
            () => undefined,
            (e: Error) => (e instanceof Interrupted ? Promise.reject(e) : e.message),
        );
        if (credentials) checks.push({ group: "install", name: "kubernetes credentials", status: "fail", detail: credentials });
        else checks.push(...(await kubernetesChecks(kube, x)));
        progress.line("Install checks: credentials, interruption queue and rules, node access entry (AWS) ...");
        checks.push(...(await awsChecks(d.aws, x, d.signal)));
        const failedInstall = checks.filter((c) => c.status === "fail");
        if (!o.scale) {
            checks.push({ group: "scaling", name: "scale test", status: "skip", detail: "--no-scale: no instance launched" });
        } else if (failedInstall.length > 0) {
            checks.push({ group: "scaling", name: "scale test", status: "skip", detail: `not run: ${failedInstall.length} install check(s) failed; fix them first` });
        } else {
            try {
                const result = await scalingTest(kube, x, { clock: d.clock, progress, pollMs: o.pollMs, signal: d.signal }, { replicas: o.replicas, limits: o.limits });
                checks.push(...result.checks);
                scaling = result.report;
                interrupted = result.interrupted;
            } catch (e) {
                // A request that failed outright (after the demo was restored, if it had been scaled).
                if (e instanceof Interrupted) throw e;
                checks.push({ group: "scaling", name: "scale test", status: "fail", detail: (e as Error).message });
            }
        }
    } catch (e) {
        if (!(e instanceof Interrupted)) throw e;
        interrupted = true;
        checks.push({ group: "run", name: "interrupted", status: "fail", detail: "stopped by Ctrl-C" });
    }
    const report: Report = {
        stack: x.stack,
        cluster: x.clusterName,
        server: kube.server,
        startedAt: new Date(started).toISOString(),
        durationSeconds: Math.round((d.clock.now() - started) / 1000),
        interrupted,
        checks,
        ...(scaling ? { scaling } : {}),
        exitCode: exitCodeOf(checks, interrupted),
    };
    progress.line("");
    for (const line of renderTable(report)) progress.line(line);
    if (o.jsonFile) {
        fs.writeFileSync(o.jsonFile, `${JSON.stringify(report, null, 2)}\n`);
        progress.line(`Report written to ${o.jsonFile}`);
    }
    return report;
}
