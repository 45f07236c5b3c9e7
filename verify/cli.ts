import { EKSClient } from "@aws-sdk/client-eks";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { IAMClient } from "@aws-sdk/client-iam";
import { SQSClient } from "@aws-sdk/client-sqs";
import { KubeConfig } from "@kubernetes/client-node";
import * as fs from "node:fs";
import * as path from "node:path";
import { StackConfigError, parseStackConfig } from "../components/config";
import { PROJECT_DIR, stackConfig, stackNames } from "../offline/stackFiles";
import { parseKubeDuration, systemClock } from "./clock";
import { VerifyUsageError, expectationsFor, readOutputsFile, readPulumiOutputs } from "./outputs";
import { DEFAULT_OPTIONS, VerifyOptions, verify } from "./run";

/**
 * `npm run verify -- <stack>`: proves a deployed stack works. Exit 0 every check passed, 1 a check failed or the
 * run was interrupted, 2 bad usage or a stack that cannot be verified.
 */

export const USAGE = `usage: npm run verify -- <stack> [--outputs FILE] [--kubeconfig FILE] [--no-scale] [--replicas N] [--json FILE]
                                [--node-timeout D] [--pods-timeout D] [--scale-down-margin D] [--poll D]

Proves a deployed stack works, against the live cluster and AWS account (read-only, except the demo's replica count):
  install checks  Karpenter controller pods Running and Ready, the configured replica count, on system nodes only,
                  spread across zones when there are several replicas; the CRDs and the controller at the chart
                  version; every NodePool and EC2NodeClass Ready (with the conditions' messages when not); the
                  controller's credentials (Pod Identity association or IRSA annotation) and no AWS auth errors in
                  its last 10 minutes of log; the interruption queue (retention, encryption, policy) and the five
                  EventBridge rules targeting it; the node role's EC2_LINUX access entry.
  scaling test    scales the inflate demo up (default: half the pools' CPU headroom, at most 5 pods), measures the
                  time to the first new node Ready and to all pods Ready, lists the nodes launched, scales down to
                  half and to zero, and measures how long Karpenter takes to remove the nodes, against each pool's
                  consolidateAfter and disruption budgets. It LAUNCHES EC2 INSTANCES (by default up to 5 vCPU of
                  demo pods, for the minutes the test runs). The demo's replica count is always restored, also on
                  failure and Ctrl-C; nodes still there after a failure are Karpenter's to remove.

  <stack>               the stack (${stackNames().join(", ")}); Pulumi.<stack>.yaml gives the expected settings
  --outputs FILE        the stack outputs as JSON ("pulumi stack output --json --show-secrets > FILE");
                        default: asks the pulumi CLI
  --kubeconfig FILE     connect with this kubeconfig instead of the stack's "kubeconfig" output
  --no-scale            install checks only; launches nothing
  --replicas N          pods the scaling test adds
  --json FILE           also write the report as JSON
  --node-timeout D      limit from the scale-up to the first new node Ready (default 5m)
  --pods-timeout D      limit from the scale-up to every pod Ready (default 8m)
  --scale-down-margin D added to the longest consolidateAfter to bound each scale-down wait (default 5m)
  --poll D              time between two looks at the cluster (default 5s)
  --help                this text
Durations: 30s, 5m, 1h30m. Exit 0 all passed, 1 a check failed or interrupted, 2 bad usage.
Credentials: AWS from the usual chain (AWS_PROFILE, environment, SSO); Kubernetes from the kubeconfig.`;

export interface CliArgs {
    help: boolean;
    stack?: string;
    outputsFile?: string;
    kubeconfigFile?: string;
    scale: boolean;
    replicas?: number;
    jsonFile?: string;
    limits: VerifyOptions["limits"];
    pollMs: number;
}

export function parseArgs(argv: string[]): CliArgs {
    const a: CliArgs = { help: false, scale: true, limits: { ...DEFAULT_OPTIONS.limits }, pollMs: DEFAULT_OPTIONS.pollMs };
    const problems: string[] = [];
    const value = (i: number, flag: string): string => {
        const v = argv[i + 1];
        if (v === undefined || v.startsWith("--")) problems.push(`${flag} needs a value`);
        return v ?? "";
    };
    const duration = (i: number, flag: string): number => {
        const v = value(i, flag);
        const ms = parseKubeDuration(v);
        if (ms === undefined || ms === 0) problems.push(`${flag} ${v}: expected a duration such as 30s, 5m or 1h30m`);
        return ms ?? 0;
    };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        switch (arg) {
            case "--help":
            case "-h":
                a.help = true;
                break;
            case "--outputs":
                a.outputsFile = value(i++, arg);
                break;
            case "--kubeconfig":
                a.kubeconfigFile = value(i++, arg);
                break;
            case "--no-scale":
                a.scale = false;
                break;
            case "--replicas": {
                const v = value(i++, arg);
                if (!/^[1-9][0-9]{0,2}$/.test(v)) problems.push(`--replicas ${v}: expected a whole number from 1 to 999`);
                a.replicas = Number(v);
                break;
            }
            case "--json":
                a.jsonFile = value(i++, arg);
                break;
            case "--node-timeout":
                a.limits.firstNodeReadyMs = duration(i++, arg);
                break;
            case "--pods-timeout":
                a.limits.allPodsReadyMs = duration(i++, arg);
                break;
            case "--scale-down-margin":
                a.limits.scaleDownMarginMs = duration(i++, arg);
                break;
            case "--poll":
                a.pollMs = duration(i++, arg);
                break;
            default:
                if (arg.startsWith("-")) problems.push(`unknown option ${arg}`);
                else if (a.stack) problems.push(`one stack at a time (got ${a.stack} and ${arg})`);
                else a.stack = arg;
        }
    }
    if (!a.help && !a.stack) problems.push("name the stack to verify");
    if (a.stack && !a.help && !stackNames().includes(a.stack)) problems.push(`no Pulumi.${a.stack}.yaml in ${PROJECT_DIR} (stacks: ${stackNames().join(", ")})`);
    if (problems.length > 0) throw new VerifyUsageError(problems.join("\n"));
    // npm runs scripts in the project folder; file names are meant relative to where the command was typed.
    const from = process.env.INIT_CWD ?? process.cwd();
    for (const key of ["outputsFile", "kubeconfigFile", "jsonFile"] as const) if (a[key]) a[key] = path.resolve(from, a[key]);
    return a;
}

/**
 * Ctrl-C (or SIGTERM): the first stops the waits and lets the run restore the demo's replica count and report;
 * a second quits at once, saying what to check.
 */
export function interruptHandler(controller: AbortController, demo: { namespace: string; name: string }, write: (text: string) => void, exit: (code: number) => void): () => void {
    let interrupts = 0;
    return () => {
        interrupts++;
        if (interrupts === 1) {
            write("\nInterrupted: stopping and restoring the demo's replica count (press Ctrl-C again to quit at once).\n");
            controller.abort();
        } else {
            write(`\nQuit without restoring: check "kubectl get deployment -n ${demo.namespace} ${demo.name}".\n`);
            exit(130);
        }
    };
}

async function main(argv: string[]): Promise<number> {
    let args: CliArgs;
    try {
        args = parseArgs(argv);
    } catch (e) {
        if (!(e instanceof VerifyUsageError)) throw e;
        console.error(`${e.message}\n\n${USAGE}`);
        return 2;
    }
    if (args.help) {
        console.log(USAGE);
        return 0;
    }
    const stack = args.stack!;
    let options: VerifyOptions;
    let region: string;
    try {
        const config = parseStackConfig(stackConfig(stack));
        region = config.region;
        const outputs = args.outputsFile ? readOutputsFile(args.outputsFile) : await readPulumiOutputs(stack, PROJECT_DIR);
        const kubeconfig = args.kubeconfigFile ? fs.readFileSync(args.kubeconfigFile, "utf8") : outputs.kubeconfig;
        const kc = new KubeConfig();
        try {
            kc.loadFromString(kubeconfig);
        } catch (e) {
            throw new VerifyUsageError(`${args.kubeconfigFile ?? "the kubeconfig output"} is not a kubeconfig: ${(e as Error).message}`);
        }
        if (!kc.getCurrentCluster()) throw new VerifyUsageError(`${args.kubeconfigFile ?? "the kubeconfig output"} names no current cluster.`);
        options = { ...DEFAULT_OPTIONS, expectations: expectationsFor(config, outputs), kubeconfig, scale: args.scale, replicas: args.replicas, limits: args.limits, pollMs: args.pollMs, jsonFile: args.jsonFile };
    } catch (e) {
        if (e instanceof StackConfigError || e instanceof VerifyUsageError) {
            console.error(e.message);
            return 2;
        }
        if ((e as NodeJS.ErrnoException).code === "ENOENT") {
            console.error((e as Error).message);
            return 2;
        }
        throw e;
    }
    const clientConfig = { region, maxAttempts: 3, requestHandler: { connectionTimeout: 10_000, requestTimeout: 30_000 } };
    const aws = { sqs: new SQSClient(clientConfig), eventBridge: new EventBridgeClient(clientConfig), eks: new EKSClient(clientConfig), iam: new IAMClient(clientConfig) };
    const controller = new AbortController();
    const onSignal = interruptHandler(controller, options.expectations.demo, (t) => process.stdout.write(t), (code) => process.exit(code));
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    try {
        const report = await verify(options, { aws, clock: systemClock, out: process.stdout, signal: controller.signal });
        return report.exitCode;
    } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        for (const client of Object.values(aws)) client.destroy();
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => {
            process.exitCode = code;
        },
        (e: unknown) => {
            // Unexpected: the message, and the stack only when asked for (VERIFY_DEBUG=1).
            console.error(`verify failed: ${process.env.VERIFY_DEBUG ? ((e as Error).stack ?? String(e)) : ((e as Error).message ?? String(e))}`);
            process.exitCode = 1;
        },
    );
}
