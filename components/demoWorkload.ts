import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DemoWorkloadConfig } from "./demoConfig";

export const DEMO_NAMESPACE = "inflate";
/** The pause image Karpenter's getting-started uses: does nothing, needs nothing. */
export const PAUSE_IMAGE = "public.ecr.aws/eks-distro/kubernetes/pause:3.7";

export interface DemoWorkloadArgs extends DemoWorkloadConfig {
    /** NodePools must exist first; on destroy the demo pods go before the pools. */
    dependsOn: pulumi.Resource[];
}

/** The Deployment manifest of `inflate`: 1 CPU per pod, non-root, nothing to escalate, no grace period. */
export function inflateDeployment(a: Omit<DemoWorkloadConfig, "enabled">): k8s.types.input.apps.v1.Deployment & { metadata: { name: string; namespace: string } } {
    const labels = { app: "inflate" };
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "inflate", namespace: DEMO_NAMESPACE, labels },
        spec: {
            replicas: a.replicas,
            selector: { matchLabels: labels },
            template: {
                metadata: { labels },
                spec: {
                    terminationGracePeriodSeconds: 0,
                    securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } },
                    ...(a.onDemandOnly ? { nodeSelector: { "karpenter.sh/capacity-type": "on-demand" } } : {}),
                    ...(a.spreadAcrossZones
                        ? { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: labels } }] }
                        : {}),
                    containers: [
                        {
                            name: "inflate",
                            image: PAUSE_IMAGE,
                            resources: { requests: { cpu: "1" } },
                            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                        },
                    ],
                },
            },
        },
    };
}

/** A namespace with the `inflate` Deployment, scaled by hand to watch Karpenter add and remove nodes. */
export class DemoWorkload extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;
    readonly deploymentName: pulumi.Output<string>;

    constructor(name: string, args: DemoWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-karpenter:demo:DemoWorkload", name, {}, opts);
        const namespace = new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: { name: DEMO_NAMESPACE } }, { parent: this, dependsOn: args.dependsOn });
        const deployment = new k8s.apps.v1.Deployment(
            `${name}-inflate`,
            inflateDeployment(args),
            // `replicas` is the count the Deployment is created with; afterwards it belongs to `kubectl scale` and
            // `npm run verify` (scale subresource). Such an update makes its client own spec.replicas, and the provider
            // applies without force (unless annotated pulumi.com/patchForce), so applying another count would be a
            // field-manager conflict. With ignoreChanges the engine keeps the old input (a config change of replicas
            // is no change), and the provider drops the field from its apply while another manager owns it, else
            // sends the live value (pulumi-kubernetes await.go handleSSAIgnoreFields). tests/demoWorkload.spec.ts
            // models this; README "Watch Karpenter scale" says the same.
            { parent: this, dependsOn: [namespace, ...args.dependsOn], ignoreChanges: ["spec.replicas"] },
        );
        this.namespace = namespace.metadata.name;
        this.deploymentName = deployment.metadata.name;
        this.registerOutputs({ namespace: this.namespace, deploymentName: this.deploymentName });
    }
}
