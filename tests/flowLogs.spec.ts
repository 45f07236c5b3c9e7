import { expect } from "chai";
import { flowLogDeliveryPolicy, flowLogTrustPolicy } from "../components/flowLogs";
import { Network } from "../components/network";
import { findResource, resourcesOfType, runProgram } from "../offline/engine";
import { jsonInput, runStack, withAwsProvider } from "./helpers/run";
import { parsed, problemsOf, rawConfig } from "./helpers/scenario";

describe("VPC flow logs", () => {
    it("trust only the VPC Flow Logs service on behalf of this account, and write only to their log group (pure)", () => {
        expect(flowLogTrustPolicy("amazonaws.com", "123456789012").Statement).to.deep.equal([
            { Effect: "Allow", Principal: { Service: "vpc-flow-logs.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } } },
        ]);
        const arn = "arn:aws:logs:us-west-2:123456789012:log-group:/aws/vpc/demo/flow-logs";
        expect(flowLogDeliveryPolicy(arn).Statement[0].Resource).to.deep.equal([arn, `${arn}:*`]);
    });

    it("the Network records all traffic of a new VPC to a log group with the given retention, children of the Network", async () => {
        const program = () => {
            const network = new Network("net", { clusterName: "demo", vpcCidr: "10.20.0.0/16", availabilityZoneCount: 2, natGateways: "single", flowLogs: { retentionInDays: 90, iam: { path: "/" } } }, withAwsProvider());
            return { vpcId: network.vpcId };
        };
        const run = await runProgram(rawConfig("dev"), { program });
        const vpc = findResource(run, "awsx:ec2:Vpc", "net-vpc");
        const group = findResource(run, "aws:cloudwatch/logGroup:LogGroup", "net-flow-logs");
        const flowLog = findResource(run, "aws:ec2/flowLog:FlowLog", "net-flow-logs");
        const role = findResource(run, "aws:iam/role:Role", "net-flow-logs");
        expect(group.inputs).to.deep.include({ name: "/aws/vpc/demo/flow-logs", retentionInDays: 90 });
        expect(flowLog.inputs).to.deep.include({ vpcId: vpc.state.vpcId, trafficType: "ALL", logDestinationType: "cloud-watch-logs", logDestination: group.state.arn, iamRoleArn: role.state.arn });
        expect(jsonInput(findResource(run, "aws:iam/rolePolicy:RolePolicy", "net-flow-logs"), "policy")).to.deep.equal(flowLogDeliveryPolicy(String(group.state.arn)));
        for (const r of [group, flowLog, role]) expect(r.parent, r.name).to.equal(resourcesOfType(run, "eks-karpenter:network:Network")[0].urn);
    });

    it("are on by default in every stack (vpcFlowLogs, vpcFlowLogRetentionDays) and off with vpcFlowLogs: false", async () => {
        // The stacks' own programs register them: the policy mutation suite's clean runs pass vpc-flow-logs.
        expect([parsed("dev").network, parsed("prod").network].map((n) => [n.vpcFlowLogs, n.vpcFlowLogRetentionDays])).to.deep.equal([
            [true, 30],
            [true, 90],
        ]);
        expect(resourcesOfType(await runStack("dev", { vpcFlowLogs: "false" }), "aws:ec2/flowLog:FlowLog")).to.deep.equal([]);
    });

    it("refuses a retention CloudWatch Logs does not accept, before any resource is created", () => {
        expect(problemsOf("dev", { vpcFlowLogRetentionDays: "10" })).to.deep.equal([
            "eks-karpenter:vpcFlowLogRetentionDays: got 10; expected one of the retention periods CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653.",
        ]);
    });
});
