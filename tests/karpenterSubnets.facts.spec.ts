import { expect } from "chai";
import { nodeClassPrivateSubnets } from "../policies/karpenterSubnets";
import { FakeResource, stackViolations } from "./helpers/policy";

// How Karpenter v1 turns an EC2NodeClass's subnetSelectorTerms into subnets (aws/karpenter-provider-aws v1.14.1,
// pkg/providers/subnet getFilterSets, and the EC2NodeClass CRD):
// - the terms are ORed; a term's tags are ANDed (one EC2 filter per tag);
// - a tag value "*" becomes a `tag-key` filter (any value); any other value a `tag:<key>` filter with that value;
// - a term whose tags are empty adds no filter set, so it selects nothing;
// - `id` is a `subnet-id` filter.
// EC2 filter values (EC2 API reference, `Filter`) are case-sensitive and take wildcards: `*` matches zero or more
// characters, `?` exactly one, and a backslash escapes the next character.

const POLICY_TAG = "kubernetes.io/role/elb";
const nodeClass = (terms: unknown[], name = "c"): FakeResource => ({ type: "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", props: { metadata: { name }, spec: { subnetSelectorTerms: terms } } });
const awsxVpc = (props: Record<string, unknown>): FakeResource => ({ type: "awsx:ec2:Vpc", props });
const publicSpec = (tags?: Record<string, string>) => awsxVpc({ subnetSpecs: [{ type: "Private", tags: { "karpenter.sh/discovery": "demo" } }, { type: "Public", ...(tags ? { tags } : {}) }], publicSubnetIds: ["subnet-pub1"] });
const tagsMessage = (tags: Record<string, string>, name = "c") => `EC2NodeClass ${name} selects subnets tagged ${JSON.stringify(tags)}, which public subnets carry; select the private subnets only.`;
const idMessage = (id: string, name = "c") => `EC2NodeClass ${name} selects public subnet ${id}; nodes there would get public addresses next to the load balancers.`;

/** Whether the policy refuses a NodeClass selecting `{ Name: value }` next to a public subnet tagged `Name: tag`. */
async function selects(value: string, tag: string): Promise<boolean> {
    const violations = await stackViolations(nodeClassPrivateSubnets, [publicSpec({ Name: tag }), nodeClass([{ tags: { Name: value } }])]);
    return violations.length > 0;
}

describe("karpenter-nodeclass-private-subnets: a selector term matches subnets as EC2's filters do", () => {
    it("'*' matches any run of characters, including none", async () => {
        expect(await selects("*", "public-a")).to.equal(true);
        expect(await selects("*", "")).to.equal(true);
        expect(await selects("pub*", "pub")).to.equal(true);
        expect(await selects("pub*", "public-a")).to.equal(true);
        expect(await selects("*-a", "public-a")).to.equal(true);
        expect(await selects("p*c-*", "public-a")).to.equal(true);
        expect(await selects("pub*", "xpublic")).to.equal(false);
    });

    it("'?' matches exactly one character", async () => {
        expect(await selects("?", "1")).to.equal(true);
        expect(await selects("public-?", "public-a")).to.equal(true);
        expect(await selects("??", "1")).to.equal(false);
        expect(await selects("?", "")).to.equal(false);
        expect(await selects("public-?", "public-ab")).to.equal(false);
    });

    it("a backslash makes the next character literal", async () => {
        expect(await selects("pub\\*", "pub*")).to.equal(true);
        expect(await selects("pub\\*", "public")).to.equal(false);
        expect(await selects("a\\?", "a?")).to.equal(true);
        expect(await selects("a\\?", "ab")).to.equal(false);
        expect(await selects("a\\\\", "a\\")).to.equal(true);
        expect(await selects("a\\.b", "a.b")).to.equal(true);
        expect(await selects("a\\.b", "axb")).to.equal(false);
        expect(await selects("a\\b", "ab")).to.equal(true);
        // A backslash at the end escapes nothing: it stands for itself.
        expect(await selects("a\\", "a\\")).to.equal(true);
    });

    it("compares whole values, case-sensitively, with every other character literal", async () => {
        expect(await selects("public", "public")).to.equal(true);
        expect(await selects("pub", "public")).to.equal(false);
        expect(await selects("lic", "public")).to.equal(false);
        expect(await selects("PUBLIC", "public")).to.equal(false);
        for (const special of [".", "+", "(", ")", "[", "]", "{", "}", "^", "$", "|"]) {
            expect(await selects(`a${special}b`, `a${special}b`), special).to.equal(true);
        }
        expect(await selects("a.b", "axb")).to.equal(false);
        expect(await selects("a+", "aa")).to.equal(false);
        expect(await selects("[ab]", "a")).to.equal(false);
        expect(await selects("a|b", "a")).to.equal(false);
        expect(await selects("a{2}", "aa")).to.equal(false);
    });

    it("a term matches only when every one of its tags matches (the tags are ANDed); a term with no tags selects nothing", async () => {
        const vpc = publicSpec({ [POLICY_TAG]: "1", Name: "public" });
        expect(await stackViolations(nodeClassPrivateSubnets, [vpc, nodeClass([{ tags: { [POLICY_TAG]: "1", Name: "public" } }])])).to.deep.equal([tagsMessage({ [POLICY_TAG]: "1", Name: "public" })]);
        expect(await stackViolations(nodeClassPrivateSubnets, [vpc, nodeClass([{ tags: { [POLICY_TAG]: "1", Name: "private" } }])])).to.deep.equal([]);
        expect(await stackViolations(nodeClassPrivateSubnets, [vpc, nodeClass([{ tags: { [POLICY_TAG]: "1", Tier: "*" } }])])).to.deep.equal([]);
        expect(await stackViolations(nodeClassPrivateSubnets, [vpc, nodeClass([{ tags: {} }])])).to.deep.equal([]);
    });

    it("the terms are ORed: each term that reaches a public subnet is named, in order, across NodeClasses", async () => {
        const vpc = publicSpec({ [POLICY_TAG]: "1" });
        const violations = await stackViolations(nodeClassPrivateSubnets, [
            vpc,
            nodeClass([{ tags: { "karpenter.sh/discovery": "demo" } }, { tags: { [POLICY_TAG]: "*" } }, { id: "subnet-priv" }, { id: "subnet-pub1" }], "default"),
            nodeClass([{ tags: { [POLICY_TAG]: "1" } }], "gpu"),
        ]);
        expect(violations).to.deep.equal([tagsMessage({ [POLICY_TAG]: "*" }, "default"), idMessage("subnet-pub1", "default"), tagsMessage({ [POLICY_TAG]: "1" }, "gpu")]);
    });
});

describe("karpenter-nodeclass-private-subnets: which subnets are public", () => {
    it("an awsx VPC's Public subnet specs (tags) and the public subnet ids it reports; never its Private specs", async () => {
        const vpc = awsxVpc({ subnetSpecs: [{ type: "Private", tags: { Tier: "private" } }, { type: "Public", tags: { Tier: "public" } }], publicSubnetIds: ["subnet-pub1", "subnet-pub2"] });
        expect(await stackViolations(nodeClassPrivateSubnets, [vpc, nodeClass([{ id: "subnet-pub2" }, { tags: { Tier: "public" } }])])).to.deep.equal([idMessage("subnet-pub2"), tagsMessage({ Tier: "public" })]);
        expect(await stackViolations(nodeClassPrivateSubnets, [vpc, nodeClass([{ tags: { Tier: "private" } }, { tags: { Tier: "*" } }])])).to.deep.equal([tagsMessage({ Tier: "*" })]);
    });

    it("awsx's DefaultVpc reports the default VPC's public subnets", async () => {
        const defaultVpc: FakeResource = { type: "awsx:ec2:DefaultVpc", props: { publicSubnetIds: ["subnet-d1"], privateSubnetIds: ["subnet-d2"] } };
        expect(await stackViolations(nodeClassPrivateSubnets, [defaultVpc, nodeClass([{ id: "subnet-d1" }, { id: "subnet-d2" }])])).to.deep.equal([idMessage("subnet-d1")]);
    });

    it("an awsx VPC with its default layout (no subnet specs) or ids not reported yet, and a Public spec without tags", async () => {
        expect(await stackViolations(nodeClassPrivateSubnets, [awsxVpc({}), nodeClass([{ tags: { Tier: "*" } }, { id: "subnet-pub1" }])])).to.deep.equal([]);
        expect(await stackViolations(nodeClassPrivateSubnets, [awsxVpc({ publicSubnetIds: ["subnet-pub1"] }), nodeClass([{ id: "subnet-pub1" }])])).to.deep.equal([idMessage("subnet-pub1")]);
        // A Public spec without tags carries none a term could match (the discovery tag is on the Private spec).
        expect(await stackViolations(nodeClassPrivateSubnets, [publicSpec(), nodeClass([{ tags: { Tier: "*" } }, { tags: { "karpenter.sh/discovery": "*" } }])])).to.deep.equal([]);
    });

    it("a plain subnet is public when it assigns public IPs on launch (mapPublicIpOnLaunch), by its tags and its id", async () => {
        const subnet = (mapPublicIpOnLaunch: unknown, extra: Record<string, unknown> = {}): FakeResource => ({ type: "aws:ec2/subnet:Subnet", props: { mapPublicIpOnLaunch, tags: { Tier: "web" }, id: "subnet-web", ...extra } });
        const terms = [{ tags: { Tier: "web" } }, { id: "subnet-web" }];
        expect(await stackViolations(nodeClassPrivateSubnets, [subnet(true), nodeClass(terms)])).to.deep.equal([tagsMessage({ Tier: "web" }), idMessage("subnet-web")]);
        expect(await stackViolations(nodeClassPrivateSubnets, [subnet(false), nodeClass(terms)])).to.deep.equal([]);
        expect(await stackViolations(nodeClassPrivateSubnets, [subnet(undefined), nodeClass(terms)])).to.deep.equal([]);
        // At a first preview the id is not known yet; the tags still tell. A subnet without tags matches no tag term.
        expect(await stackViolations(nodeClassPrivateSubnets, [subnet(true, { id: undefined }), nodeClass(terms)])).to.deep.equal([tagsMessage({ Tier: "web" })]);
        expect(await stackViolations(nodeClassPrivateSubnets, [subnet(true, { tags: undefined }), nodeClass(terms)])).to.deep.equal([idMessage("subnet-web")]);
    });

    it("an existing subnet the stack tags kubernetes.io/role/elb (aws:ec2/tag:Tag) is public, with all the tags the stack gives it", async () => {
        const tag = (resourceId: string, key: string, value: string): FakeResource => ({ type: "aws:ec2/tag:Tag", props: { resourceId, key, value } });
        const tags = [tag("subnet-a", POLICY_TAG, "1"), tag("subnet-a", "Tier", "edge"), tag("subnet-b", "kubernetes.io/role/internal-elb", "1"), tag("subnet-b", "Tier", "app"), tag("vpc-1", POLICY_TAG, "1"), tag("vpc-1", "Tier", "vpc")];
        expect(await stackViolations(nodeClassPrivateSubnets, [...tags, nodeClass([{ tags: { Tier: "edge" } }, { id: "subnet-a" }])])).to.deep.equal([tagsMessage({ Tier: "edge" }), idMessage("subnet-a")]);
        // A subnet tagged for internal load balancers is private; tags on other resources (the VPC) say nothing of subnets.
        expect(await stackViolations(nodeClassPrivateSubnets, [...tags, nodeClass([{ tags: { Tier: "app" } }, { id: "subnet-b" }, { tags: { Tier: "vpc" } }, { id: "vpc-1" }])])).to.deep.equal([]);
        // The role tag with an empty value still marks the subnet public (Kubernetes reads the key).
        expect(await stackViolations(nodeClassPrivateSubnets, [tag("subnet-c", POLICY_TAG, ""), nodeClass([{ id: "subnet-c" }])])).to.deep.equal([idMessage("subnet-c")]);
    });

    it("passes a stack without NodeClasses, and NodeClasses without subnet selector terms", async () => {
        expect(await stackViolations(nodeClassPrivateSubnets, [publicSpec({ Tier: "public" })])).to.deep.equal([]);
        const bare: FakeResource = { type: "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", props: { metadata: { name: "c" }, spec: {} } };
        expect(await stackViolations(nodeClassPrivateSubnets, [publicSpec({ Tier: "public" }), bare])).to.deep.equal([]);
    });
});

describe("karpenter-nodeclass-private-subnets: resource types", () => {
    it("a default VPC's subnets (aws:ec2/defaultSubnet) that map public IPs are public; other types with the same props are not subnets or tags", async () => {
        const props = { mapPublicIpOnLaunch: true, tags: { Tier: "web" }, id: "subnet-web" };
        const terms = [{ tags: { Tier: "web" } }, { id: "subnet-web" }];
        expect(await stackViolations(nodeClassPrivateSubnets, [{ type: "aws:ec2/defaultSubnet:DefaultSubnet", props }, nodeClass(terms)])).to.deep.equal([tagsMessage({ Tier: "web" }), idMessage("subnet-web")]);
        expect(await stackViolations(nodeClassPrivateSubnets, [{ type: "aws:ec2/networkInterface:NetworkInterface", props }, nodeClass(terms)])).to.deep.equal([]);
        const tagLike: FakeResource = { type: "aws:ec2/networkAclAssociation:NetworkAclAssociation", props: { resourceId: "subnet-a", key: POLICY_TAG, value: "1" } };
        expect(await stackViolations(nodeClassPrivateSubnets, [tagLike, nodeClass([{ id: "subnet-a" }])])).to.deep.equal([]);
    });

    it("only karpenter.k8s.aws/v1 EC2NodeClasses are checked (Karpenter v1.14.1 serves no v1beta1); a NodeClass without metadata is named (unnamed)", async () => {
        const vpc = publicSpec({ [POLICY_TAG]: "1" });
        const v1beta1: FakeResource = { type: "kubernetes:karpenter.k8s.aws/v1beta1:EC2NodeClass", props: { metadata: { name: "old" }, spec: { subnetSelectorTerms: [{ id: "subnet-pub1" }] } } };
        expect(await stackViolations(nodeClassPrivateSubnets, [vpc, v1beta1])).to.deep.equal([]);
        const unnamed: FakeResource = { type: "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", props: { spec: { subnetSelectorTerms: [{ id: "subnet-pub1" }] } } };
        expect(await stackViolations(nodeClassPrivateSubnets, [vpc, unnamed])).to.deep.equal([idMessage("subnet-pub1", "(unnamed)")]);
    });
});

