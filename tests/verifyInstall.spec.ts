import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { DescribeAccessEntryCommand, DescribePodIdentityAssociationCommand, ListPodIdentityAssociationsCommand, ResourceNotFoundException as EksNotFound } from "@aws-sdk/client-eks";
import { DescribeRuleCommand, ResourceNotFoundException as RuleNotFound } from "@aws-sdk/client-eventbridge";
import { GetQueueAttributesCommand, GetQueueUrlCommand } from "@aws-sdk/client-sqs";
import { expect } from "chai";
import { queueArn } from "../components/karpenter/interruption";
import { Kube } from "../verify/kube";
import { FakeCluster, VirtualClock } from "./helpers/fakeKube";
import { ACCOUNT, KARPENTER_LOG, TUESDAY_EVENING, closeServers, dev, prod, run, scenario, servers } from "./helpers/verifyRun";

describe("the fake API server is no more lenient than the real one", () => {
    afterEach(closeServers);

    it("serves Karpenter's and Kubernetes' objects in their API shape (validated against the published schemas)", async () => {
        const config = prod();
        const s = scenario(config);
        s.karpenter = { ...s.karpenter, launchAfterMs: "never", failedLaunch: { reason: "InsufficientCapacityError", message: "no capacity" } };
        const clock = new VirtualClock(Date.parse(TUESDAY_EVENING));
        const fake = await new FakeCluster({ ...s, demoReplicas: 3 }, clock).start();
        servers.push(fake);
        const kube = new Kube(fake.kubeconfig(), 5_000);
        const validate = async (module: string, kind: string, objects: unknown[]) => {
            const Model = (await import(module))[kind] as new (o: unknown) => { validate(): void };
            expect(objects.length, kind).to.be.greaterThan(0);
            for (const o of objects) new Model(o).validate();
        };
        await validate("@kubernetes-models/karpenter/karpenter.sh/v1/NodePool", "NodePool", await kube.listNodePools());
        await validate("@kubernetes-models/karpenter/karpenter.k8s.aws/v1/EC2NodeClass", "EC2NodeClass", await kube.listEC2NodeClasses());
        await validate("@kubernetes-models/karpenter/karpenter.sh/v1/NodeClaim", "NodeClaim", await kube.listNodeClaims());
        // The client library deserialises core objects into its classes; the raw JSON is what the models validate.
        const raw = async (p: string) => ((await (await fetch(`${fake.url}${p}`, { headers: { authorization: "Bearer verify-test-token" } })).json()) as { items: unknown[] }).items;
        await validate("kubernetes-models/v1/Node", "Node", await raw("/api/v1/nodes"));
        await validate("kubernetes-models/v1/Pod", "Pod", [...(await raw("/api/v1/namespaces/kube-system/pods")), ...(await raw("/api/v1/namespaces/inflate/pods"))]);
    });

    it("refuses what the API server refuses: no token, a patch that is not a merge patch, a selector it cannot parse", async () => {
        const config = dev();
        const fake = await new FakeCluster(scenario(config), new VirtualClock(0)).start();
        servers.push(fake);
        expect((await fetch(`${fake.url}/api/v1/nodes`)).status).to.equal(401);
        const auth = { authorization: "Bearer verify-test-token" };
        const patch = await fetch(`${fake.url}/apis/apps/v1/namespaces/inflate/deployments/inflate/scale`, { method: "PATCH", headers: { ...auth, "content-type": "application/json" }, body: '{"spec":{"replicas":3}}' });
        expect(patch.status).to.equal(415);
        expect((await fetch(`${fake.url}/api/v1/nodes?labelSelector=${encodeURIComponent("a in (b")}`, { headers: auth })).status).to.equal(400);
        expect((await fetch(`${fake.url}/api/v1/namespaces/default/configmaps`, { headers: auth })).status).to.equal(404);
        expect(fake.unexpected).to.deep.equal(["GET /api/v1/namespaces/default/configmaps"]);
    });
});

describe("npm run verify: install checks that fail say why (--no-scale)", () => {
    afterEach(closeServers);

    it("AWS: queue retention, encryption and policy, a missing rule, a wrong Pod Identity role, no node access entry", async () => {
        const config = dev();
        const { report, check } = await run(config, scenario(config), {
            options: { scale: false },
            aws: ({ sqs, events, eks }) => {
                const arn = queueArn("aws", "us-west-2", ACCOUNT, "eks-karpenter-dev");
                sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { QueueArn: arn, MessageRetentionPeriod: "345600", SqsManagedSseEnabled: "false", Policy: JSON.stringify({ Version: "2012-10-17", Statement: [] }) } });
                events.on(DescribeRuleCommand, { Name: "eks-karpenter-dev-rebalance" }).rejects(new RuleNotFound({ message: "Rule eks-karpenter-dev-rebalance does not exist on EventBus default.", $metadata: {} }));
                eks.on(DescribePodIdentityAssociationCommand).resolves({ association: { roleArn: `arn:aws:iam::${ACCOUNT}:role/someone-else` } });
                eks.on(DescribeAccessEntryCommand).rejects(new EksNotFound({ message: "The specified access entry resource is not found.", $metadata: {} }));
            },
        });
        expect(check("aws", "interruption queue")?.detail).to.equal(
            "eks-karpenter-dev: retention 345600 s, expected 300 s; not encrypted; the policy does not let EventBridge send messages; the policy does not deny requests without TLS",
        );
        expect(check("aws", "interruption rules")?.detail).to.equal("eks-karpenter-dev-rebalance does not exist");
        expect(check("aws", "controller credentials")?.detail).to.equal(
            `Pod Identity association a-0123456789abcdef0 gives role arn:aws:iam::${ACCOUNT}:role/someone-else, expected arn:aws:iam::${ACCOUNT}:role/eks-karpenter-dev-karpenter`,
        );
        expect(check("aws", "node access entry")?.detail).to.equal(`no access entry for arn:aws:iam::${ACCOUNT}:role/eks-karpenter-dev-karpenter-node: nodes Karpenter launches cannot join the cluster`);
        expect(report.exitCode).to.equal(1);
    });

    it("an AWS error the checks did not expect fails that check with the error's name and message", async () => {
        const config = dev();
        const denied = Object.assign(new Error("User: arn:aws:sts::123456789012:assumed-role/ci/x is not authorized to perform: sqs:getqueueurl"), { name: "AccessDenied" });
        const { check } = await run(config, scenario(config), { options: { scale: false }, aws: ({ sqs }) => sqs.on(GetQueueUrlCommand).rejects(denied) });
        expect(check("aws", "interruption queue")).to.deep.include({ status: "fail", detail: "AccessDenied: User: arn:aws:sts::123456789012:assumed-role/ci/x is not authorized to perform: sqs:getqueueurl" });
        // The rules cannot target a queue that was not found.
        expect(check("aws", "interruption rules")?.detail).to.include("eks-karpenter-dev-scheduled-change does not target the queue (queue not found)");
    });

    it("the controller: auth errors in its log, a pod not Ready, CRDs from another chart version", async () => {
        const config = dev();
        const s = scenario(config, { releases: { "karpenter-crd": "1.13.0", karpenter: "1.14.1" } });
        const denied =
            '{"level":"ERROR","time":"2026-11-24T19:58:00.000Z","logger":"controller","message":"Reconciler error","controller":"nodeclass","error":"getting amis, operation error SSM: GetParameter, https response error StatusCode: 400, RequestID: 1f0c, api error AccessDeniedException: User is not authorized to perform: ssm:GetParameter"}';
        s.controllerPods = [{ node: s.systemNodes[0].name, ready: false, log: `${KARPENTER_LOG}\n${denied}` }];
        const { check } = await run(config, s, { options: { scale: false } });
        expect(check("install", "controller log")?.detail).to.equal(`karpenter-6f8d7c9b4d-x2kfn: 1 auth error line(s), e.g. ${denied.slice(0, 240)}`);
        expect(check("install", "controller pods")).to.deep.include({ status: "fail", detail: "0 of 1 Running and Ready; karpenter-6f8d7c9b4d-x2kfn is Running, not Ready (ContainersNotReady: containers with unready status: [controller])" });
        expect(check("install", "controller replicas")).to.deep.include({ status: "fail", detail: "0 of 1 replicas ready" });
        expect(check("install", "CRDs")?.detail).to.equal("release karpenter-crd has chart karpenter-crd 1.13.0, the stack says 1.14.1");
        expect(check("install", "controller version")?.status).to.equal("pass");
    });

    it("a NodePool changed since Karpenter last looked: its Ready condition is stale, which fails", async () => {
        const config = prod();
        const { check } = await run(config, scenario(config, { unreconciledNodePools: ["spot"] }), { options: { scale: false } });
        expect(check("install", "nodepool on-demand")?.status).to.equal("pass");
        expect(check("install", "nodepool spot")).to.deep.include({
            status: "fail",
            detail: "Ready is stale (observed generation 1, current 2): the controller has not reconciled the last change",
        });
    });

    it("IRSA: the service account's role annotation is checked instead of a Pod Identity association", async () => {
        const config = dev();
        config.karpenter.auth = "irsa";
        let eksCalls = 0;
        const { check } = await run(config, scenario(config, { serviceAccountRoleArn: `arn:aws:iam::${ACCOUNT}:role/other` }), {
            options: { scale: false },
            aws: ({ eks }) => {
                eks.on(ListPodIdentityAssociationsCommand).callsFake(() => {
                    eksCalls++;
                    return { associations: [] };
                });
            },
        });
        expect(check("install", "controller credentials")?.detail).to.equal(`IRSA: eks.amazonaws.com/role-arn is arn:aws:iam::${ACCOUNT}:role/other, expected arn:aws:iam::${ACCOUNT}:role/eks-karpenter-dev-karpenter`);
        expect(check("aws", "controller credentials")).to.equal(undefined);
        expect(eksCalls).to.equal(0);
    });
});

describe("npm run verify with the stack's kubeconfig as pulumi-eks v4.3.0 writes it: an exec plugin (aws eks get-token)", () => {
    afterEach(closeServers);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-exec-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    /**
     * pulumi-eks v4.3.0 nodejs/eks/cluster/cluster.ts generateKubeconfig: user "aws" runs `aws --region <region> eks
     * get-token --cluster-name <name> --output json` with KUBERNETES_EXEC_INFO set, apiVersion v1beta1. Here the command
     * is a stub standing for the AWS CLI: it prints an ExecCredential only when called that way, and logs each call.
     */
    function execUser(config: ReturnType<typeof dev>, script: string): Record<string, unknown> {
        const command = path.join(dir, `aws-${fs.readdirSync(dir).length}`);
        fs.writeFileSync(command, `#!/bin/sh\necho "$*" >> "${command}.calls"\n${script}\n`, { mode: 0o755 });
        return {
            exec: {
                apiVersion: "client.authentication.k8s.io/v1beta1",
                command,
                args: ["--region", config.region, "eks", "get-token", "--cluster-name", config.clusterName, "--output", "json"],
                env: [{ name: "KUBERNETES_EXEC_INFO", value: `{"apiVersion": "client.authentication.k8s.io/v1beta1"}` }],
            },
        };
    }
    const calls = (user: Record<string, unknown>) => fs.readFileSync(`${(user.exec as { command: string }).command}.calls`, "utf8").trim().split("\n");

    it("over HTTPS with the kubeconfig's certificate-authority-data, gets its token from the plugin once (cached until it expires) and passes the install checks", async function () {
        // A certificate for 127.0.0.1 that is its own CA, made here so that no key is kept in the repository.
        const tls = { key: path.join(dir, "tls.key"), cert: path.join(dir, "tls.crt") };
        const openssl = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", tls.key, "-out", tls.cert, "-days", "2", "-subj", "/CN=kube-apiserver", "-addext", "subjectAltName=IP:127.0.0.1", "-addext", "basicConstraints=critical,CA:TRUE"], { encoding: "utf8" });
        if (openssl.error || openssl.status !== 0) {
            console.log(`    skipped: openssl could not make a test certificate (${openssl.error?.message ?? openssl.stderr.trim()})`);
            this.skip();
        }
        const config = dev();
        const expires = new Date(Date.now() + 14 * 60_000).toISOString();
        const user = execUser(
            config,
            `[ "$KUBERNETES_EXEC_INFO" = '{"apiVersion": "client.authentication.k8s.io/v1beta1"}' ] || { echo "no KUBERNETES_EXEC_INFO" >&2; exit 1; }\n` +
                `echo '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{},"status":{"expirationTimestamp":"${expires}","token":"k8s-aws-v1.stub-token"}}'`,
        );
        const { report, fake } = await run(config, scenario(config), {
            options: { scale: false },
            tls: { key: fs.readFileSync(tls.key, "utf8"), cert: fs.readFileSync(tls.cert, "utf8") },
            kubeconfig: (f) => {
                f.token = "k8s-aws-v1.stub-token";
                return f.kubeconfig(user);
            },
        });
        expect(report.checks.filter((c) => c.status === "fail")).to.deep.equal([]);
        expect(report.exitCode).to.equal(0);
        expect(fake.url).to.match(/^https:/);
        expect(JSON.parse(fake.kubeconfig(user)).clusters[0].cluster).to.not.have.property("insecure-skip-tls-verify");
        expect(fake.requests.length).to.be.greaterThan(5);
        expect(calls(user)).to.deep.equal([`--region ${config.region} eks get-token --cluster-name ${config.clusterName} --output json`]);
    });

    it("a plugin that fails: one check says so with the plugin's message, the plugin runs once, no request is sent", async () => {
        const config = dev();
        const user = execUser(config, `echo 'Unable to locate credentials. You can configure credentials by running "aws configure".' >&2\nexit 253`);
        const { report, fake, check } = await run(config, scenario(config), { options: { scale: false }, kubeconfig: (f) => f.kubeconfig(user) });
        expect(report.exitCode).to.equal(1);
        expect(fake.requests).to.deep.equal([]);
        expect(check("install", "kubernetes credentials")).to.deep.include({
            status: "fail",
            detail: `the kubeconfig's exec plugin "${(user.exec as { command: string }).command} --region us-west-2 eks get-token --cluster-name eks-karpenter-dev --output json" failed: Unable to locate credentials. You can configure credentials by running "aws configure".`,
        });
        expect(calls(user)).to.have.length(1);
        // The AWS checks still run: they do not need the cluster.
        expect(check("aws", "interruption queue")?.status).to.equal("pass");
    });

    it("the AWS CLI not installed: says so instead of spawn ENOENT", async () => {
        const config = dev();
        const user = { exec: { ...(execUser(config, "exit 0").exec as object), command: path.join(dir, "no-such-aws") } };
        const { check } = await run(config, scenario(config), { options: { scale: false }, kubeconfig: (f) => f.kubeconfig(user) });
        expect(check("install", "kubernetes credentials")?.detail).to.match(/^the kubeconfig's exec plugin ".*no-such-aws --region us-west-2 eks get-token .*" could not be started: ".*no-such-aws" is not on PATH \(the AWS CLI is needed for an EKS kubeconfig\)$/);
    });
});
