import { expect } from "chai";
import { Network, subnetLayout, subnetTags } from "../components/network";
import { withAwsProvider } from "./helpers/run";
import { findResource, resourcesOfType, runProgram } from "../offline/engine";
import { rawConfig } from "./helpers/scenario";

describe("Network", () => {
    describe("subnetLayout (pure)", () => {
        it("fits every AZ's subnets in the VPC, with subnets AWS accepts (/16 to /28), for every allowed VPC size and AZ count", () => {
            for (let vpcMask = 16; vpcMask <= 22; vpcMask++) {
                for (let azs = 2; azs <= 4; azs++) {
                    const layout = subnetLayout(vpcMask, azs);
                    const vpcSize = 2 ** (32 - vpcMask);
                    const perAz = 2 ** (32 - layout.privateMask) + 2 ** (32 - layout.publicMask);
                    expect(perAz * azs, `/${vpcMask} × ${azs} AZs`).to.be.at.most(vpcSize);
                    expect(perAz, "private and public fit in one AZ block").to.be.at.most(2 ** (32 - layout.availabilityZoneMask));
                    for (const mask of [layout.privateMask, layout.publicMask]) expect(mask).to.be.within(16, 28);
                    expect(layout.privateMask, "private subnets are the large ones (pods take VPC addresses)").to.be.below(layout.publicMask);
                }
            }
        });

        it("gives a /16 over three AZs 8,192-address private subnets", () => {
            expect(subnetLayout(16, 3)).to.deep.equal({ availabilityZoneMask: 18, privateMask: 19, publicMask: 21 });
        });
    });

    describe("new VPC", () => {
        const program = (natGateways: "single" | "onePerAz") => () => {
            const network = new Network("net", { clusterName: "demo", vpcCidr: "10.20.0.0/16", availabilityZoneCount: 3, natGateways }, withAwsProvider());
            return { vpcId: network.vpcId, privateSubnetIds: network.privateSubnetIds };
        };

        it("asks awsx for public and private subnets across the AZs, tagged for Karpenter and load balancers", async () => {
            const run = await runProgram(rawConfig("dev"), { program: program("single") });
            const vpc = findResource(run, "awsx:ec2:Vpc", "net-vpc");
            expect(vpc.remote).to.equal(true);
            expect(vpc.inputs).to.deep.include({ cidrBlock: "10.20.0.0/16", numberOfAvailabilityZones: 3, natGateways: { strategy: "Single" } });
            expect(vpc.inputs.subnetSpecs).to.deep.equal([
                { type: "Private", cidrMask: 19, tags: { "karpenter.sh/discovery": "demo", "kubernetes.io/role/internal-elb": "1" } },
                { type: "Public", cidrMask: 21, tags: { "kubernetes.io/role/elb": "1" } },
            ]);
            expect(run.outputs.privateSubnetIds).to.have.length(3);
            expect(resourcesOfType(run, "aws:ec2/tag:Tag")).to.have.length(0);
        });

        it("creates one NAT gateway per AZ when asked", async () => {
            const run = await runProgram(rawConfig("dev"), { program: program("onePerAz") });
            expect(findResource(run, "awsx:ec2:Vpc", "net-vpc").inputs.natGateways).to.deep.equal({ strategy: "OnePerAz" });
        });
    });

    describe("existing VPC", () => {
        const existingVpc = { vpcId: "vpc-0123456789abcdef0", privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"], publicSubnetIds: ["subnet-0cccccccccccccccc"] };
        const run = (addLoadBalancerTags: boolean) =>
            runProgram(rawConfig("dev"), {
                program: () => {
                    const network = new Network("net", { clusterName: "demo", vpcCidr: "10.0.0.0/16", availabilityZoneCount: 2, natGateways: "single", existingVpc: { ...existingVpc, addLoadBalancerTags } }, withAwsProvider());
                    return { vpcId: network.vpcId, privateSubnetIds: network.privateSubnetIds, publicSubnetIds: network.publicSubnetIds };
                },
            });

        it("creates no VPC and, by default, adds only the discovery tag: shared subnets keep their load balancer tags on destroy", async () => {
            const r = await run(false);
            expect(resourcesOfType(r, "awsx:ec2:Vpc")).to.have.length(0);
            expect(r.outputs).to.deep.equal({ vpcId: existingVpc.vpcId, privateSubnetIds: existingVpc.privateSubnetIds, publicSubnetIds: existingVpc.publicSubnetIds });
            // A tag resource deletes its key on destroy whether or not the key was there before (aws_ec2_tag).
            expect(resourcesOfType(r, "aws:ec2/tag:Tag").map((t) => t.inputs)).to.have.deep.members(
                existingVpc.privateSubnetIds.map((resourceId) => ({ resourceId, key: "karpenter.sh/discovery", value: "demo" })),
            );
        });

        it("adds the load balancer tags too when the config says the subnets lack them", async () => {
            const tags = resourcesOfType(await run(true), "aws:ec2/tag:Tag").map((t) => t.inputs);
            const expected = [
                ...existingVpc.privateSubnetIds.flatMap((resourceId) => Object.entries(subnetTags("demo").private).map(([key, value]) => ({ resourceId, key, value }))),
                { resourceId: "subnet-0cccccccccccccccc", key: "kubernetes.io/role/elb", value: "1" },
            ];
            expect(tags).to.have.deep.members(expected);
        });
    });
});
