import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { refersTo } from "./graph";
import { knownProp } from "./util";

/**
 * Hop limit of the system node group's launch template. 2, not 1: the Karpenter controller runs there without
 * host networking (one hop further than the node) and, with no AWS_REGION in its environment, reads its region
 * from instance metadata (upstream v1.14.1 pkg/operator/operator.go: `if cfg.Region == "" { imds ... GetRegion }`;
 * the v1.14.1 chart's Deployment sets no AWS_REGION).
 * Karpenter's own nodes keep 1 (karpenter-ec2nodeclass-hardening). 3 or more only widens who reaches IMDS.
 */
export const SYSTEM_NODE_MAX_HOP_LIMIT = 2;

export const launchTemplateHardening: ResourceValidationPolicy = {
    name: "ec2-launch-template-hardening",
    description: `Launch templates (the system node group's) require IMDSv2, keep the IMDS hop limit at most ${SYSTEM_NODE_MAX_HOP_LIMIT}, and encrypt every EBS volume.`,
    configSchema: { properties: { maxHopLimit: { type: "integer", default: SYSTEM_NODE_MAX_HOP_LIMIT, minimum: 1 } } },
    validateResource: (args, report) => {
        if (args.type !== "aws:ec2/launchTemplate:LaunchTemplate") return;
        const { maxHopLimit } = args.getConfig<{ maxHopLimit: number }>();
        const name = args.props.name ?? args.name;
        const md = args.props.metadataOptions ?? {};
        if (md.httpTokens !== "required") report(`launch template ${name} does not require IMDSv2 (metadataOptions.httpTokens is ${md.httpTokens ?? "unset"}); IMDSv1 hands the node role's credentials to any SSRF.`);
        const hops = md.httpPutResponseHopLimit;
        if (hops === undefined || hops > maxHopLimit) report(`launch template ${name} has IMDS hop limit ${hops ?? "unset"}; at most ${maxHopLimit}, so pods beyond the controller cannot reach the node role's credentials.`);
        for (const d of (args.props.blockDeviceMappings ?? []) as Array<{ deviceName?: string; ebs?: { encrypted?: string | boolean } }>) {
            if (d.ebs && String(d.ebs.encrypted) !== "true") report(`launch template ${name} does not encrypt ${d.deviceName ?? "a volume"} (ebs.encrypted is ${d.ebs.encrypted ?? "unset"}).`);
        }
    },
};

const OPEN = ["0.0.0.0/0", "::/0"];

/** Ingress rules of a security group resource, in one shape: CIDRs and ports. */
function ingressRules(type: string, props: Record<string, any>): Array<{ cidrs: string[]; from?: number; to?: number }> {
    switch (type) {
        case "aws:ec2/securityGroup:SecurityGroup":
            return ((props.ingress ?? []) as Array<Record<string, any>>).map((r) => ({ cidrs: [...(r.cidrBlocks ?? []), ...(r.ipv6CidrBlocks ?? [])], from: r.fromPort, to: r.toPort }));
        case "aws:ec2/securityGroupRule:SecurityGroupRule":
            return props.type === "ingress" ? [{ cidrs: [...(props.cidrBlocks ?? []), ...(props.ipv6CidrBlocks ?? [])], from: props.fromPort, to: props.toPort }] : [];
        case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
            return [{ cidrs: [props.cidrIpv4, props.cidrIpv6].filter(Boolean), from: props.fromPort, to: props.toPort }];
        default:
            return [];
    }
}

export const noOpenIngress: ResourceValidationPolicy = {
    name: "ec2-no-open-ingress",
    description: "No security group or ingress rule admits 0.0.0.0/0 or ::/0 (except on ports listed in allowedPublicPorts).",
    configSchema: { properties: { allowedPublicPorts: { type: "array", items: { type: "integer" }, default: [] } } },
    validateResource: (args, report) => {
        const { allowedPublicPorts } = args.getConfig<{ allowedPublicPorts: number[] }>();
        for (const rule of ingressRules(args.type, args.props)) {
            const open = rule.cidrs.filter((c) => OPEN.includes(c));
            if (open.length === 0 || (rule.from !== undefined && rule.from === rule.to && allowedPublicPorts.includes(rule.from))) continue;
            report(`${args.name} admits ${open.join(" and ")} on ports ${rule.from ?? "all"}-${rule.to ?? "all"}; the whole internet could reach the nodes. Allow the CIDRs or security groups that need it.`);
        }
    },
};

export const vpcFlowLogs: StackValidationPolicy = {
    name: "vpc-flow-logs",
    description: "Every VPC the stack creates has a flow log recording all traffic.",
    validateStack: (args, report) => {
        const flowLogs = args.resources.filter((r) => r.type === "aws:ec2/flowLog:FlowLog");
        // A real preview also shows the awsx component's own aws:ec2/vpc:Vpc child: the component stands for it.
        const vpcs = args.resources.filter((r) => r.type === "awsx:ec2:Vpc" || (r.type === "aws:ec2/vpc:Vpc" && r.parent?.type !== "awsx:ec2:Vpc"));
        for (const vpc of vpcs) {
            // At a first preview the VPC's id is unknown: the flow log's vpcId is followed to the VPC by its dependency.
            const logs = flowLogs.filter((f) => refersTo(f, "vpcId", vpc, [knownProp(vpc.props, "vpcId"), knownProp(vpc.props, "id")]));
            if (logs.length === 0) report(`VPC ${vpc.name} has no flow log; rejected and accepted connections would leave no trace for an investigation.`, vpc.urn);
            else if (!logs.some((f) => f.props.trafficType === "ALL")) report(`VPC ${vpc.name} logs only ${logs.map((f) => f.props.trafficType).join(", ")} traffic; record ALL.`, vpc.urn);
        }
    },
};

export const ec2Policies = [launchTemplateHardening, noOpenIngress, vpcFlowLogs];
