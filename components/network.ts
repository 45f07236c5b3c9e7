import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import { ExistingVpcConfig, IamConfig, NatGatewayStrategy } from "./config";
import { createFlowLogs } from "./flowLogs";
import { remoteChildOptions } from "./remote";

export interface NetworkArgs {
    /** The EKS cluster name; private subnets carry `karpenter.sh/discovery: <clusterName>`. */
    clusterName: string;
    /** IPv4 CIDR of a new VPC. @default "10.0.0.0/16" (set in stack config) */
    vpcCidr: string;
    /** How many AZs a new VPC spans, 2 to 4. */
    availabilityZoneCount: number;
    /** "single" (one NAT gateway, cheaper) or "onePerAz" (no cross-AZ dependency). */
    natGateways: NatGatewayStrategy;
    /**
     * Install into this VPC instead of creating one. Its private subnets get `karpenter.sh/discovery` as separate tag
     * resources; the load balancer role tags only with `existingVpc.addLoadBalancerTags` (the subnets lack them).
     */
    existingVpc?: Omit<ExistingVpcConfig, "addLoadBalancerTags"> & { addLoadBalancerTags?: boolean };
    /** Flow logs of a new VPC (all traffic, to CloudWatch Logs); an existing VPC's are its owner's. @default undefined (none) */
    flowLogs?: { retentionInDays: number; iam: IamConfig };
}

/** Prefix lengths of one AZ's private and public subnets for a VPC of the given prefix and AZ count. */
export interface SubnetLayout {
    availabilityZoneMask: number;
    privateMask: number;
    publicMask: number;
}

/**
 * Splits the VPC evenly across AZs (rounded up to a power of two), then gives each AZ a private subnet of half
 * its block, for pods (the VPC CNI gives every pod a VPC address, so private subnets must be large), and a
 * public subnet of an eighth, for load balancers and NAT gateways.
 */
export function subnetLayout(vpcMask: number, availabilityZoneCount: number): SubnetLayout {
    const availabilityZoneMask = vpcMask + Math.ceil(Math.log2(availabilityZoneCount));
    return { availabilityZoneMask, privateMask: availabilityZoneMask + 1, publicMask: availabilityZoneMask + 3 };
}

/** Tags that let the AWS Load Balancer Controller and Karpenter find subnets. */
export function subnetTags(clusterName: string): { private: Record<string, string>; public: Record<string, string> } {
    return {
        private: { "karpenter.sh/discovery": clusterName, "kubernetes.io/role/internal-elb": "1" },
        public: { "kubernetes.io/role/elb": "1" },
    };
}

/** The VPC the cluster runs in: a new awsx VPC, or an existing one whose subnets are tagged for discovery. */
export class Network extends pulumi.ComponentResource {
    readonly vpcId: pulumi.Output<string>;
    readonly privateSubnetIds: pulumi.Output<string[]>;
    readonly publicSubnetIds: pulumi.Output<string[]>;
    /** What deleting the network deletes (the VPC, or the tags on existing subnets): the cleanup sweep runs first. */
    readonly resources: pulumi.Resource[] = [];

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-karpenter:network:Network", name, {}, opts);
        const tags = subnetTags(args.clusterName);

        if (args.existingVpc) {
            const existing = args.existingVpc;
            // Separate tag resources: destroying this stack removes only these tags, never the subnets. A tag
            // resource deletes its key even if it was there before: a shared subnet's load balancer tags, which other
            // clusters' load balancers rely on, are only added when the config says they are absent.
            const tagAll = (subnetIds: string[], subnetTags: Record<string, string>) => {
                for (const subnetId of subnetIds) {
                    for (const [key, value] of Object.entries(subnetTags)) {
                        this.resources.push(new aws.ec2.Tag(`${name}-${subnetId}-${key.replace(/[^a-z0-9]+/gi, "-")}`, { resourceId: subnetId, key, value }, { parent: this }));
                    }
                }
            };
            if (existing.addLoadBalancerTags === true) {
                tagAll(existing.privateSubnetIds, tags.private);
                tagAll(existing.publicSubnetIds, tags.public);
            } else {
                tagAll(existing.privateSubnetIds, { "karpenter.sh/discovery": args.clusterName });
            }
            this.vpcId = pulumi.output(existing.vpcId);
            this.privateSubnetIds = pulumi.output(existing.privateSubnetIds);
            this.publicSubnetIds = pulumi.output(existing.publicSubnetIds);
        } else {
            const layout = subnetLayout(Number(args.vpcCidr.split("/")[1]), args.availabilityZoneCount);
            const vpc = new awsx.ec2.Vpc(
                `${name}-vpc`,
                {
                    cidrBlock: args.vpcCidr,
                    numberOfAvailabilityZones: args.availabilityZoneCount,
                    availabilityZoneCidrMask: layout.availabilityZoneMask,
                    enableDnsHostnames: true,
                    enableDnsSupport: true,
                    natGateways: { strategy: args.natGateways === "single" ? "Single" : "OnePerAz" },
                    subnetStrategy: "Auto",
                    subnetSpecs: [
                        { type: "Private", cidrMask: layout.privateMask, tags: tags.private },
                        { type: "Public", cidrMask: layout.publicMask, tags: tags.public },
                    ],
                },
                remoteChildOptions(this),
            );
            this.resources.push(vpc);
            if (args.flowLogs) {
                const logGroupName = `/aws/vpc/${args.clusterName}/flow-logs`;
                createFlowLogs(name, { vpcId: vpc.vpcId, logGroupName, ...args.flowLogs }, this);
            }
            this.vpcId = vpc.vpcId;
            this.privateSubnetIds = vpc.privateSubnetIds;
            this.publicSubnetIds = vpc.publicSubnetIds;
        }

        this.registerOutputs({ vpcId: this.vpcId, privateSubnetIds: this.privateSubnetIds, publicSubnetIds: this.publicSubnetIds });
    }
}
