import { expect } from "chai";
import { KNOWN_KEYS, SCALAR_DEFAULTS, StackConfigError, parseStackConfig } from "../components/config";
import { AWS_TAG_KEY, AWS_TAG_VALUE, show } from "../components/validate";
import { readProjectFile } from "../offline/stackFiles";
import { parsed, problemsOf, rawConfig } from "./helpers/scenario";

const K = "eks-karpenter";

describe("parseStackConfig", () => {
    describe("defaults", () => {
        it("derives the cluster name from project and stack and the environment from the stack", () => {
            const config = parsed("dev", { clusterName: undefined, environment: undefined });
            expect(config.clusterName).to.equal("eks-karpenter-dev");
            expect(config.environment).to.equal("dev");
        });

        it("sets the four required tags and keeps extra tags", () => {
            const config = parsed("dev", { extraTags: { "cost-center": "1234" } });
            expect(config.tags).to.deep.equal({
                "cost-center": "1234",
                environment: "dev",
                project: "eks-karpenter",
                owner: "platform-team",
                "managed-by": "pulumi",
            });
        });

        it("fills every system node group field that the stack leaves out", () => {
            const config = parsed("dev", { systemNodeGroup: { instanceTypes: ["t3.large"] } });
            expect(config.cluster.systemNodeGroup).to.deep.equal({
                instanceTypes: ["t3.large"],
                capacityType: "ON_DEMAND",
                minSize: 1,
                desiredSize: 1,
                maxSize: 2,
                diskSizeGiB: 20,
                amiType: "AL2023_x86_64_STANDARD",
            });
        });

        it("declares in Pulumi.yaml every scalar key with the default the code uses", () => {
            const declared = readProjectFile().config ?? {};
            for (const [key, value] of Object.entries(SCALAR_DEFAULTS)) {
                expect(declared[key]?.default, `Pulumi.yaml config.${key}.default`).to.deep.equal(value);
                expect(declared[key]?.description, `Pulumi.yaml config.${key}.description`).to.be.a("string");
            }
            for (const key of Object.keys(declared).filter((k) => !k.includes(":"))) expect(KNOWN_KEYS as readonly string[], `Pulumi.yaml declares ${key}`).to.include(key);
        });

        it("reads an existing VPC and accepts the Pulumi.yaml defaults beside it", () => {
            const config = parsed("dev", {
                availabilityZoneCount: undefined,
                natGateways: undefined,
                existingVpc: { vpcId: "vpc-0123456789abcdef0", privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"] },
            });
            expect(config.network.existingVpc).to.deep.equal({
                vpcId: "vpc-0123456789abcdef0",
                privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"],
                publicSubnetIds: [],
                addLoadBalancerTags: false,
            });
        });
    });

    describe("bad input: one exact message per problem", () => {
        const cases: Array<[string, Record<string, unknown>, string]> = [
            ["AZ count above 4", { availabilityZoneCount: "5" }, `${K}:availabilityZoneCount: got "5"; expected an integer from 2 to 4.`],
            ["AZ count not a number", { availabilityZoneCount: "three" }, `${K}:availabilityZoneCount: got "three"; expected an integer from 2 to 4.`],
            ["NAT strategy", { natGateways: "perAz" }, `${K}:natGateways: got "perAz"; expected one of "single", "onePerAz".`],
            ["VPC CIDR too small", { vpcCidr: "10.0.0.0/24" }, `${K}:vpcCidr: got "10.0.0.0/24"; expected an IPv4 CIDR block such as "10.0.0.0/16" with a prefix from /16 to /22.`],
            [
                "VPC CIDR with host bits",
                { vpcCidr: "10.0.1.0/16" },
                `${K}:vpcCidr: got "10.0.1.0/16"; expected an IPv4 CIDR block such as "10.0.0.0/16" with a prefix from /16 to /22 with no host bits set (did you mean "10.0.0.0/16"?).`,
            ],
            ["Kubernetes version with patch", { kubernetesVersion: "1.36.2" }, `${K}:kubernetesVersion: got "1.36.2"; expected a Kubernetes minor version such as "1.36".`],
            ["boolean", { endpointPrivateAccess: "yes" }, `${K}:endpointPrivateAccess: got "yes"; expected true or false.`],
            [
                "log type",
                { controlPlaneLogTypes: ["api", "audits"] },
                `${K}:controlPlaneLogTypes[1]: got "audits"; expected one of "api", "audit", "authenticator", "controllerManager", "scheduler".`,
            ],
            [
                "log retention CloudWatch rejects",
                { controlPlaneLogRetentionDays: "10" },
                `${K}:controlPlaneLogRetentionDays: got 10; expected one of the retention periods CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653.`,
            ],
            [
                "admin principal that is not an IAM ARN",
                { adminPrincipalArns: ["alice"] },
                `${K}:adminPrincipalArns[0]: got "alice"; expected an IAM role or user ARN such as "arn:aws:iam::123456789012:role/platform-admin".`,
            ],
            ["public CIDR", { endpointPublicAccessCidrs: ["203.0.113.0/33"] }, `${K}:endpointPublicAccessCidrs[0]: got "203.0.113.0/33"; expected an IPv4 CIDR block such as "10.0.0.0/16" with a prefix from /0 to /32.`],
            [
                "unreachable API server",
                { endpointPrivateAccess: "false", endpointPublicAccessCidrs: [] },
                `${K}:endpointPublicAccessCidrs: is empty while endpointPrivateAccess is false: the API server would be unreachable. Enable one of them.`,
            ],
            [
                "node group sizes out of order",
                { systemNodeGroup: { minSize: 3, desiredSize: 2, maxSize: 4 } },
                `${K}:systemNodeGroup: got {"minSize":3,"desiredSize":2,"maxSize":4}; expected minSize ≤ desiredSize ≤ maxSize.`,
            ],
            ["node group capacity type", { systemNodeGroup: { capacityType: "spot" } }, `${K}:systemNodeGroup.capacityType: got "spot"; expected one of "ON_DEMAND", "SPOT".`],
            ["node group instance type", { systemNodeGroup: { instanceTypes: ["t3medium"] } }, `${K}:systemNodeGroup.instanceTypes[0]: got "t3medium"; expected an EC2 instance type such as "t3.medium".`],
            ["node group with no instance type", { systemNodeGroup: { instanceTypes: [] } }, `${K}:systemNodeGroup.instanceTypes: got []; expected a list of 1 to 20 items.`],
            [
                "typo in a node group field",
                { systemNodeGroup: { instanceType: "t3.large" } },
                `${K}:systemNodeGroup.instanceType: unknown key; did you mean "instanceTypes"? Known keys: instanceTypes, capacityType, minSize, desiredSize, maxSize, diskSizeGiB, amiType.`,
            ],
            ["duplicate admin", { adminPrincipalArns: ["arn:aws:iam::123456789012:role/a", "arn:aws:iam::123456789012:role/a"] }, `${K}:adminPrincipalArns: got ["arn:aws:iam::123456789012:role/a","arn:aws:iam::123456789012:role/a"]; expected a list without duplicates ("arn:aws:iam::123456789012:role/a" appears twice).`],
            ["cluster name", { clusterName: "-bad" }, `${K}:clusterName: got "-bad"; expected an EKS cluster name: letters, digits, hyphens and underscores, starting with a letter or digit, at most 40 characters (names of IAM roles derive from it).`],
            ["environment name", { environment: "Prod" }, `${K}:environment: got "Prod"; expected lowercase letters, digits and hyphens, starting with a letter, at most 32 characters.`],
            ["missing owner", { owner: undefined }, `${K}:owner: is required: who owns this stack (a team or an email); run "pulumi config set owner platform-team".`],
            ["missing region", { "aws:region": undefined }, `aws:region: is not set; run "pulumi config set aws:region us-west-2" (or your region).`],
            ["region", { "aws:region": "us-west" }, `aws:region: got "us-west"; expected an AWS region such as "us-west-2".`],
            ["extra tag overriding a required one", { extraTags: { owner: "someone-else" } }, `${K}:extraTags.owner: is set by the stack itself; set it with the "owner" key instead.`],
            ["extra tag with an aws: key", { extraTags: { "aws:foo": "x" } }, `${K}:extraTags key: got "aws:foo"; expected a tag key of 1 to 127 letters, digits, spaces or _.:/=+-@, not starting with "aws:" in any letter case.`],
            // AWS reserves the prefix in any letter case; EC2 takes keys of at most 127 characters (EC2 API Tag).
            ["extra tag with an AWS: key", { extraTags: { "AWS:foo": "x" } }, `${K}:extraTags key: got "AWS:foo"; expected ${AWS_TAG_KEY.describe}.`],
            ["extra tag with an Aws: key", { extraTags: { "Aws:foo": "x" } }, `${K}:extraTags key: got "Aws:foo"; expected ${AWS_TAG_KEY.describe}.`],
            ["extra tag key of 128 characters", { extraTags: { ["k".repeat(128)]: "x" } }, `${K}:extraTags key: got ${show("k".repeat(128))}; expected ${AWS_TAG_KEY.describe}.`],
            ["extra tag value of 257 characters", { extraTags: { team: "v".repeat(257) } }, `${K}:extraTags.team: got ${show("v".repeat(257))}; expected ${AWS_TAG_VALUE.describe}.`],
            ["extra tag value with a *", { extraTags: { team: "a*b" } }, `${K}:extraTags.team: got "a*b"; expected a tag value of at most 256 letters, digits, spaces or _.:/=+-@.`],
            ["secrets key deletion window", { secretsKeyDeletionWindowDays: "3" }, `${K}:secretsKeyDeletionWindowDays: got "3"; expected an integer from 7 to 30.`],
            [
                "existing VPC together with a VPC layout",
                { natGateways: undefined, existingVpc: { vpcId: "vpc-0123456789abcdef0", privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"] } },
                `${K}:availabilityZoneCount: cannot be set together with ${K}:existingVpc: the existing VPC already has its layout. Remove one of them.`,
            ],
            [
                "existing VPC together with a NAT strategy",
                { availabilityZoneCount: undefined, existingVpc: { vpcId: "vpc-0123456789abcdef0", privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"] } },
                `${K}:natGateways: cannot be set together with ${K}:existingVpc: the existing VPC already has its layout. Remove one of them.`,
            ],
            ["existing VPC with one subnet", { availabilityZoneCount: undefined, natGateways: undefined, existingVpc: { vpcId: "vpc-0123456789abcdef0", privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaaa"] } }, `${K}:existingVpc.privateSubnetIds: got ["subnet-0aaaaaaaaaaaaaaaa"]; expected a list of at least 2 items.`],
        ];
        for (const [title, overrides, message] of cases) {
            it(title, () => expect(problemsOf("dev", overrides)).to.deep.equal([message]));
        }

        describe("public endpoint CIDRs no deployer can come from", () => {
            // Documentation ranges (RFC 5737), private (RFC 1918), shared address space (RFC 6598), loopback, link-local,
            // benchmarking (RFC 2544), multicast and the reserved 240/4: the public endpoint sees public source addresses.
            const unreachable: Array<[string, string]> = [
                ["203.0.113.0/24", "reserved (documentation, RFC 5737)"],
                ["192.0.2.0/24", "reserved (documentation, RFC 5737)"],
                ["198.51.100.128/25", "reserved (documentation, RFC 5737)"],
                ["10.0.0.0/8", "private (RFC 1918)"],
                ["192.168.1.0/24", "private (RFC 1918)"],
                ["100.64.0.0/16", "carrierGradeNat"],
                ["127.0.0.0/8", "loopback"],
                ["169.254.0.0/16", "linkLocal"],
                ["198.18.0.0/15", "reserved"],
                ["224.0.0.0/4", "multicast"],
                ["240.0.0.0/4", "reserved"],
            ];
            for (const [cidr, kind] of unreachable) {
                it(`refuses ${cidr}`, () => {
                    expect(problemsOf("prod", { endpointPublicAccessCidrs: ["198.51.99.0/24", cidr] })).to.deep.equal([
                        `${K}:endpointPublicAccessCidrs[1]: got "${cidr}"; expected public addresses the deployer and the operators connect from: ${cidr} is ${kind}, so nothing reaches the public endpoint from it. Put your egress CIDRs here (see Pulumi.prod.yaml), or [] with the deployer inside the VPC.`,
                    ]);
                });
            }

            it("accepts public unicast blocks and 0.0.0.0/0", () => {
                expect(parsed("prod", { endpointPublicAccessCidrs: ["198.51.99.0/24", "8.8.8.8/32", "0.0.0.0/0", "11.0.0.0/8"] }).cluster.endpointPublicAccessCidrs).to.have.length(4);
            });

            it("ships no stack file with such a CIDR", () => {
                for (const stack of ["dev", "pr", "prod"]) expect(() => parsed(stack), stack).to.not.throw();
                expect(parsed("prod").cluster.endpointPublicAccessCidrs).to.not.include("203.0.113.0/24");
            });
        });

        it("reports a misspelled top-level key instead of falling back to its default", () => {
            expect(problemsOf("dev", { availabilityZones: "2" })).to.deep.equal([
                `${K}:availabilityZones: unknown key; did you mean "availabilityZoneCount"? Known keys: ${KNOWN_KEYS.join(", ")}.`,
            ]);
        });

        it("reports every problem at once, numbered, with the fix, and no stack trace in the message", () => {
            let error: unknown;
            try {
                parseStackConfig(rawConfig("prod", { availabilityZoneCount: "9", natGateways: "none", owner: undefined }));
            } catch (e) {
                error = e;
            }
            expect(error).to.be.instanceOf(StackConfigError);
            expect((error as Error).message).to.equal(
                [
                    `Stack "prod" has 3 configuration problems:`,
                    `  1. ${K}:owner: is required: who owns this stack (a team or an email); run "pulumi config set owner platform-team".`,
                    `  2. ${K}:availabilityZoneCount: got "9"; expected an integer from 2 to 4.`,
                    `  3. ${K}:natGateways: got "none"; expected one of "single", "onePerAz".`,
                    `Fix them with "pulumi config set <key> <value>" (or edit Pulumi.prod.yaml); see README "Configuration reference".`,
                ].join("\n"),
            );
        });
    });
});
