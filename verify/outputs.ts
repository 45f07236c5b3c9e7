import { execFile } from "node:child_process";
import * as fs from "node:fs";
import type { StackConfig } from "../components/config";
import { SYSTEM_NODE_LABEL } from "../components/cluster";
import { inflateDeployment } from "../components/demoWorkload";
import { SERVICE_ACCOUNT } from "../components/karpenter/controller";

/** Bad usage or a stack that cannot be verified (no outputs, no kubeconfig): exit 2 with this message. */
export class VerifyUsageError extends Error {}

/** The stack outputs (index.ts) the command reads. */
export interface StackOutputs {
    clusterName: string;
    /** The kubeconfig (JSON or YAML text), a secret output. */
    kubeconfig: string;
    karpenterControllerRoleArn: string;
    karpenterNodeRoleName: string;
    karpenterQueueName: string;
    karpenterChartVersion: string;
    nodePools: string[];
}

const STRING_OUTPUTS = ["clusterName", "karpenterControllerRoleArn", "karpenterNodeRoleName", "karpenterQueueName", "karpenterChartVersion"] as const;

/** Checks the outputs' shape and lists every missing or unusable one at once. */
export function parseOutputs(raw: unknown, source: string): StackOutputs {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new VerifyUsageError(`${source}: expected a JSON object of stack outputs, got ${JSON.stringify(raw)?.slice(0, 80)}.`);
    const o = raw as Record<string, unknown>;
    const problems: string[] = [];
    for (const key of STRING_OUTPUTS) if (typeof o[key] !== "string" || o[key] === "") problems.push(`"${key}" is ${o[key] === undefined ? "missing" : `not a string (${JSON.stringify(o[key])})`}`);
    if (!Array.isArray(o.nodePools) || !o.nodePools.every((n) => typeof n === "string")) problems.push(`"nodePools" is ${o.nodePools === undefined ? "missing" : "not a list of names"}`);
    const kubeconfig = typeof o.kubeconfig === "string" ? o.kubeconfig : typeof o.kubeconfig === "object" && o.kubeconfig !== null ? JSON.stringify(o.kubeconfig) : undefined;
    if (kubeconfig === undefined) problems.push(`"kubeconfig" is missing`);
    else if (kubeconfig === "[secret]") problems.push(`"kubeconfig" is hidden ("[secret]"): read the outputs with --show-secrets`);
    if (problems.length > 0) {
        throw new VerifyUsageError(`${source}: the stack outputs cannot be used:\n${problems.map((p, i) => `  ${i + 1}. ${p}`).join("\n")}\nRun "pulumi up" first (the outputs come from index.ts), or pass the right file with --outputs.`);
    }
    return {
        clusterName: o.clusterName as string,
        kubeconfig: kubeconfig!,
        karpenterControllerRoleArn: o.karpenterControllerRoleArn as string,
        karpenterNodeRoleName: o.karpenterNodeRoleName as string,
        karpenterQueueName: o.karpenterQueueName as string,
        karpenterChartVersion: o.karpenterChartVersion as string,
        nodePools: o.nodePools as string[],
    };
}

export function readOutputsFile(file: string): StackOutputs {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new VerifyUsageError(`--outputs ${file}: ${(e as Error).message}`);
    }
    try {
        return parseOutputs(JSON.parse(text), file);
    } catch (e) {
        if (e instanceof VerifyUsageError) throw e;
        throw new VerifyUsageError(`--outputs ${file}: not JSON (${(e as Error).message}); write it with "pulumi stack output --json --show-secrets > ${file}".`);
    }
}

/** `pulumi stack output --json --show-secrets --stack <stack>`, bounded in time. */
export function readPulumiOutputs(stack: string, cwd: string, timeoutMs = 60_000): Promise<StackOutputs> {
    const args = ["stack", "output", "--json", "--show-secrets", "--stack", stack];
    return new Promise((resolve, reject) => {
        execFile("pulumi", args, { cwd, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
            if (error) {
                const why = (error as NodeJS.ErrnoException).code === "ENOENT" ? "the pulumi CLI is not installed (or not on PATH)" : String(stderr || error.message).trim();
                return reject(new VerifyUsageError(`pulumi ${args.join(" ")} failed: ${why}\nLog in and select the stack, or pass its outputs with --outputs FILE.`));
            }
            try {
                resolve(parseOutputs(JSON.parse(stdout), `pulumi stack output (stack ${stack})`));
            } catch (e) {
                reject(e instanceof VerifyUsageError ? e : new VerifyUsageError(`pulumi stack output printed no JSON: ${(e as Error).message}`));
            }
        });
    });
}

/** What the live cluster must show, from the stack's config (as `pulumi up` applied it) and its outputs. */
export interface Expectations {
    stack: string;
    clusterName: string;
    region: string;
    karpenter: {
        namespace: string;
        /** Deployment and Helm release name of the controller (the chart's fullname for release "karpenter"). */
        release: string;
        crdRelease: string;
        serviceAccount: string;
        replicas: number;
        auth: "podIdentity" | "irsa";
        /** The chart (and controller image) version. */
        version: string;
        roleArn: string;
        /** Labels of the nodes the controller may run on (the system nodes, or the existing cluster's). */
        nodeSelector: Record<string, string>;
    };
    queueName: string;
    nodeRoleName: string;
    nodePools: string[];
    demo: { namespace: string; name: string };
}

export function expectationsFor(config: StackConfig, outputs: StackOutputs): Expectations {
    return {
        stack: config.stack,
        clusterName: outputs.clusterName,
        region: config.region,
        karpenter: {
            namespace: config.karpenter.namespace,
            release: "karpenter",
            crdRelease: "karpenter-crd",
            serviceAccount: SERVICE_ACCOUNT,
            replicas: config.karpenter.replicas,
            auth: config.karpenter.auth,
            version: outputs.karpenterChartVersion,
            roleArn: outputs.karpenterControllerRoleArn,
            nodeSelector: config.existingCluster ? { ...config.existingCluster.controllerNodeSelector } : { [SYSTEM_NODE_LABEL.key]: SYSTEM_NODE_LABEL.value },
        },
        queueName: outputs.karpenterQueueName,
        nodeRoleName: outputs.karpenterNodeRoleName,
        nodePools: [...outputs.nodePools],
        demo: { namespace: inflateDeployment(config.demoWorkload).metadata.namespace, name: inflateDeployment(config.demoWorkload).metadata.name },
    };
}
