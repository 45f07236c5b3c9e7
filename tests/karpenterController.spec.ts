import { expect } from "chai";
import { KarpenterChartValues } from "../components/karpenter/helmValues";
import { ProgramRun, RecordedResource, findResource, resourcesOfType } from "../offline/engine";
import { UPSTREAM_CHARTS, UPSTREAM_NODE_POLICIES, UPSTREAM_POLICIES, UPSTREAM_POLICY_NAME, UPSTREAM_QUEUE, UPSTREAM_RULES, UPSTREAM_TARGET_ID } from "./fixtures/upstreamKarpenter";
import { jsonInput, runStack } from "./helpers/run";
import { shared } from "./helpers/lazy";

const C = "eks-karpenter-dev";
const K = `${C}-karpenter`;

describe("KarpenterController (through the whole dev and prod stacks)", () => {
    let dev: ProgramRun;
    let prod: ProgramRun;
    const build = shared(async () => ({ dev: await runStack("dev"), prod: await runStack("prod") }));
    beforeEach(async () => {
        ({ dev, prod } = await build());
    });
    const values = (run: ProgramRun, name: string) => findResource(run, "kubernetes:helm.sh/v3:Release", name).inputs.values as KarpenterChartValues;

    describe("node role", () => {
        it("is trusted by EC2, carries upstream's four managed policies and is admitted by an EC2_LINUX access entry", () => {
            const role = findResource(dev, "aws:iam/role:Role", `${K}-node`);
            expect(role.inputs.name).to.equal(`${C}-karpenter-node`);
            expect(jsonInput(role, "assumeRolePolicy")).to.deep.equal({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
            });
            const attached = resourcesOfType(dev, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => a.inputs.role === role.state.name);
            expect(attached.map((a) => a.inputs.policyArn)).to.have.members(UPSTREAM_NODE_POLICIES.map((p) => `arn:aws:iam::aws:policy/${p}`));
            const entry = findResource(dev, "aws:eks/accessEntry:AccessEntry", `${K}-node`);
            expect(entry.inputs).to.deep.equal({ clusterName: C, principalArn: role.state.arn, type: "EC2_LINUX" });
        });
    });

    describe("controller role", () => {
        it("holds upstream's six managed policies, each attached, and is used through a Pod Identity association for kube-system/karpenter", () => {
            const role = findResource(dev, "aws:iam/role:Role", `${K}-controller`);
            expect(jsonInput<{ Statement: Array<{ Principal: unknown }> }>(role, "assumeRolePolicy").Statement[0].Principal).to.deep.equal({ Service: "pods.eks.amazonaws.com" });
            const policies = resourcesOfType(dev, "aws:iam/policy:Policy");
            expect(policies.map((p) => p.inputs.name)).to.have.members(Object.keys(UPSTREAM_POLICIES).map((p) => UPSTREAM_POLICY_NAME(p, C)));
            const attachedArns = resourcesOfType(dev, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                .filter((a) => a.inputs.role === role.state.name)
                .map((a) => a.inputs.policyArn);
            expect(attachedArns).to.have.members(policies.map((p) => p.state.arn));
            const association = findResource(dev, "aws:eks/podIdentityAssociation:PodIdentityAssociation", `${K}-controller`);
            expect(association.inputs).to.deep.equal({ clusterName: C, namespace: "kube-system", serviceAccount: "karpenter", roleArn: role.state.arn });
        });

        it("scopes its policies to the real node role and queue ARNs of the stack", () => {
            const byName = (policy: string) => jsonInput<{ Statement: Array<{ Sid: string; Resource: unknown }> }>(
                resourcesOfType(dev, "aws:iam/policy:Policy").find((p) => p.inputs.name === UPSTREAM_POLICY_NAME(policy, C))!,
                "policy",
            );
            const queue = findResource(dev, "aws:sqs/queue:Queue", `${K}-interruption`);
            expect(byName("Interruption").Statement[0].Resource).to.equal(queue.state.arn);
            expect(byName("IAMIntegration").Statement[0].Resource).to.equal(findResource(dev, "aws:iam/role:Role", `${K}-node`).state.arn);
        });
    });

    describe("interruption handling", () => {
        it("creates the queue as upstream does: named after the cluster, 300 s retention, SQS-managed encryption", () => {
            const queue = findResource(dev, "aws:sqs/queue:Queue", `${K}-interruption`);
            expect(queue.inputs).to.deep.include({ name: C, messageRetentionSeconds: UPSTREAM_QUEUE.retentionSeconds, sqsManagedSseEnabled: UPSTREAM_QUEUE.sqsManagedSse });
        });

        it("lets EventBridge send and denies any request without TLS", () => {
            const queue = findResource(dev, "aws:sqs/queue:Queue", `${K}-interruption`);
            const policy = findResource(dev, "aws:sqs/queuePolicy:QueuePolicy", `${K}-interruption`);
            expect(policy.inputs.queueUrl).to.equal(queue.state.url);
            const doc = jsonInput<{ Statement: Array<Record<string, unknown>> }>(policy, "policy");
            expect(doc.Statement).to.deep.include.members([
                { Sid: "AllowEventBridgeToSend", Effect: "Allow", Principal: { Service: ["events.amazonaws.com", "sqs.amazonaws.com"] }, Action: "sqs:SendMessage", Resource: queue.state.arn },
                { Sid: "DenyHTTP", Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: queue.state.arn, Condition: { Bool: { "aws:SecureTransport": "false" } } },
            ]);
        });

        it("names the delivering services literally, as upstream's v1.14.1 CloudFormation does, also in aws-cn", async () => {
            // getting-started-with-karpenter/cloudformation.yaml: Principal.Service [events.amazonaws.com,
            // sqs.amazonaws.com], with no partition DNS suffix (events.amazonaws.com.cn is not a service principal).
            const china = await runStack("dev", { "aws:region": "cn-north-1" });
            const doc = jsonInput<{ Statement: Array<{ Principal?: unknown }> }>(findResource(china, "aws:sqs/queuePolicy:QueuePolicy", `${K}-interruption`), "policy");
            expect(doc.Statement[0].Principal).to.deep.equal({ Service: ["events.amazonaws.com", "sqs.amazonaws.com"] });
        });

        it("routes exactly upstream's five EventBridge rules to the queue", () => {
            const queue = findResource(dev, "aws:sqs/queue:Queue", `${K}-interruption`);
            const rules = resourcesOfType(dev, "aws:cloudwatch/eventRule:EventRule");
            expect(rules.map((r) => JSON.parse(r.inputs.eventPattern as string))).to.have.deep.members(UPSTREAM_RULES);
            const targets = resourcesOfType(dev, "aws:cloudwatch/eventTarget:EventTarget");
            expect(targets).to.have.length(UPSTREAM_RULES.length);
            for (const rule of rules) {
                const target = targets.find((t) => t.inputs.rule === rule.state.name);
                expect(target?.inputs, rule.name).to.deep.equal({ rule: rule.state.name, arn: queue.state.arn, targetId: UPSTREAM_TARGET_ID });
            }
        });
    });

    describe("Helm", () => {
        it("installs the CRD chart, then the controller chart without CRDs, both from the public OCI registry at the configured version", () => {
            const crds = findResource(dev, "kubernetes:helm.sh/v3:Release", `${K}-crd`);
            const controller = findResource(dev, "kubernetes:helm.sh/v3:Release", `${K}-controller`);
            expect(crds.inputs).to.deep.include({ chart: UPSTREAM_CHARTS.crds, version: "1.14.1", namespace: "kube-system", name: "karpenter-crd" });
            expect(controller.inputs).to.deep.include({ chart: UPSTREAM_CHARTS.controller, version: "1.14.1", namespace: "kube-system", name: UPSTREAM_CHARTS.release, skipCrds: true });
            expect(controller.dependencies).to.include(crds.urn);
            const association = findResource(dev, "aws:eks/podIdentityAssociation:PodIdentityAssociation", `${K}-controller`);
            expect(controller.dependencies, "the controller starts with its credentials in place").to.include(association.urn);
            const systemNodes = findResource(dev, "aws:eks/nodeGroup:NodeGroup", `${C}-system`);
            expect(crds.dependencies).to.include(systemNodes.urn);
            const addons = resourcesOfType(dev, "aws:eks/addon:Addon").filter((a) => !a.modelled).map((a) => a.urn);
            expect(controller.dependencies, "CoreDNS and the Pod Identity agent outlive the controller on destroy").to.include.members(addons);
        });

        it("hands the chart the cluster name and the queue's name (not its ARN)", () => {
            const v = values(dev, `${K}-controller`);
            expect(v.settings).to.deep.equal({ clusterName: C, interruptionQueue: findResource(dev, "aws:sqs/queue:Queue", `${K}-interruption`).state.name, featureGates: { spotToSpotConsolidation: true } });
            expect(v.serviceAccount).to.deep.equal({ create: true, name: "karpenter" });
        });

        it("pins the controller to the system node group and keeps it off nodes Karpenter launched", () => {
            const v = values(dev, `${K}-controller`);
            expect(v.nodeSelector).to.deep.equal({ "kubernetes.io/os": "linux", "eks-karpenter/node-group": "system" });
            const terms = v.affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms;
            expect(terms).to.have.length(1);
            expect(terms[0].matchExpressions).to.deep.include({ key: "karpenter.sh/nodepool", operator: "DoesNotExist" });
            // Kubernetes semantics: a toleration with operator Exists and no effect tolerates every taint of its key.
            const taints = findResource(dev, "aws:eks/nodeGroup:NodeGroup", `${C}-system`).inputs.taints as Array<{ key: string; effect: string }>;
            for (const taint of taints) {
                const tolerated = v.tolerations!.some((t) => t.key === taint.key && t.operator === "Exists" && (t.effect === undefined || t.effect.toUpperCase().replace("NOSCHEDULE", "NO_SCHEDULE") === taint.effect));
                expect(tolerated, `taint ${taint.key}:${taint.effect} is tolerated`).to.equal(true);
            }
        });

        it("gives dev one replica and prod two spread across zones, with equal requests and limits", () => {
            expect(values(dev, `${K}-controller`).replicas).to.equal(1);
            const p = values(prod, "eks-karpenter-prod-karpenter-controller");
            expect(p.replicas).to.equal(2);
            expect(p.topologySpreadConstraints).to.deep.equal([{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule" }]);
            expect(p.podDisruptionBudget).to.deep.equal({ name: "karpenter", maxUnavailable: 1 });
            expect(p.controller!.resources).to.deep.equal({ requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } });
            expect(p.settings!.featureGates).to.deep.equal({ spotToSpotConsolidation: false });
        });
    });

    it("parents all its resources to the component", () => {
        const component = dev.resources.find((r: RecordedResource) => r.type === "eks-karpenter:karpenter:KarpenterController")!;
        const children = dev.resources.filter((r) => r.parent === component.urn);
        expect(children.length).to.be.at.least(30);
        for (const child of children) expect(child.name.startsWith(`${K}-`), child.name).to.equal(true);
    });
});
