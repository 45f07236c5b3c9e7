import { expect } from "chai";
import { AWS_TAG_KEY, AWS_TAG_VALUE, Problems, RawReader, closest, nonPublicRange, parseCidr, readBool, readCidr, readEnum, readInt, readList, readString, readStringMap, show, unknownKeys } from "../components/validate";

/** Runs a reader on a fresh Problems; returns what it read and what it reported. */
function read<T>(reader: (p: Problems) => T): { value: T; problems: string[] } {
    const p = new Problems();
    const value = reader(p);
    return { value, problems: p.list };
}

describe("validate: IPv4 CIDR blocks (RFC 4632: four octets 0-255, a prefix length 0-32)", () => {
    it("accepts canonical blocks and reports their base and prefix", () => {
        expect(parseCidr("10.0.0.0/16")).to.deep.equal({ base: 0x0a000000, mask: 16, canonical: "10.0.0.0/16", hostBitsSet: false });
        expect(parseCidr("0.0.0.0/0")).to.deep.equal({ base: 0, mask: 0, canonical: "0.0.0.0/0", hostBitsSet: false });
        expect(parseCidr("255.255.255.255/32")).to.deep.equal({ base: 0xffffffff, mask: 32, canonical: "255.255.255.255/32", hostBitsSet: false });
        expect(parseCidr("192.168.100.128/25")?.canonical).to.equal("192.168.100.128/25");
    });

    it("finds host bits and names the block that was meant", () => {
        expect(parseCidr("10.0.1.0/16")).to.deep.include({ canonical: "10.0.0.0/16", hostBitsSet: true });
        expect(parseCidr("203.0.113.77/24")).to.deep.include({ canonical: "203.0.113.0/24", hostBitsSet: true });
        expect(parseCidr("10.0.0.1/31")).to.deep.include({ canonical: "10.0.0.0/31", hostBitsSet: true });
        // A /0 has no network bits: every address bit is a host bit.
        expect(parseCidr("10.0.0.0/0")).to.deep.include({ base: 0, canonical: "0.0.0.0/0", hostBitsSet: true });
        expect(parseCidr("10.0.0.1/32")).to.deep.include({ canonical: "10.0.0.1/32", hostBitsSet: false });
    });

    // IANA IPv4 Special-Purpose Address Registry (RFC 6890) and RFC 1918 / 5737 / 6598 / 3927 / 5771 / 1112 / 919.
    it("names the special-purpose block a CIDR lies in, and none for public or straddling blocks", () => {
        const cases: Array<[string, string | undefined]> = [
            ["10.0.0.0/8", "private (RFC 1918)"],
            ["172.16.0.0/12", "private (RFC 1918)"],
            ["192.168.1.0/24", "private (RFC 1918)"],
            ["127.0.0.0/8", "loopback"],
            ["100.64.0.0/10", "carrierGradeNat"],
            ["169.254.0.0/16", "linkLocal"],
            ["224.0.0.0/4", "multicast"],
            ["240.0.0.0/4", "reserved"],
            // The limited broadcast address (RFC 919) is the last of 240.0.0.0/4: never a client.
            ["255.255.255.255/32", "reserved"],
            ["255.255.255.0/24", "reserved"],
            ["0.0.0.0/8", "unspecified"],
            ["192.0.2.0/24", "reserved (documentation, RFC 5737)"],
            ["203.0.113.0/25", "reserved (documentation, RFC 5737)"],
            ["198.51.100.7/32", "reserved (documentation, RFC 5737)"],
            ["198.18.0.0/15", "reserved"],
            ["0.0.0.0/0", undefined],
            ["8.8.8.0/24", undefined],
            ["52.94.0.0/16", undefined],
            // 10.0.0.0/7 also holds 11.0.0.0/8 (public); 172.16.0.0/11 holds 172.0.0.0/12 (public).
            ["10.0.0.0/7", undefined],
            ["172.16.0.0/11", undefined],
            ["192.0.0.0/16", undefined],
            // Starts in a documentation block, ends outside it.
            ["192.0.2.0/23", undefined],
        ];
        for (const [cidr, kind] of cases) expect(nonPublicRange(cidr), cidr).to.equal(kind);
    });

    it("refuses prefixes above 32, octets above 255 and anything that is not a.b.c.d/n", () => {
        for (const bad of ["10.0.0.0/1600", "10.0.0.0/33", "10.0.0.0/99", "256.0.0.0/8", "10.256.0.0/16", "10.0.256.0/24", "10.0.0.256/32", "1000.0.0.0/8", "10.0.0/16", "10.0.0.0", "10.0.0.0/", " 10.0.0.0/16", "10.0.0.0/16 ", "a.b.c.d/8", "10.0.0.0.0/8", "10.0.0.0/-1"]) {
            expect(parseCidr(bad), bad).to.equal(undefined);
        }
    });

    it("reads a CIDR within the allowed prefixes, one problem otherwise", () => {
        const describe = 'an IPv4 CIDR block such as "10.0.0.0/16" with a prefix from /16 to /22';
        expect(read((p) => readCidr(p, "k", "10.0.0.0/16", 16, 22))).to.deep.equal({ value: "10.0.0.0/16", problems: [] });
        expect(read((p) => readCidr(p, "k", "10.0.0.0/22", 16, 22))).to.deep.equal({ value: "10.0.0.0/22", problems: [] });
        expect(read((p) => readCidr(p, "k", "10.0.0.0/15", 16, 22)).problems).to.deep.equal([`k: got "10.0.0.0/15"; expected ${describe}.`]);
        expect(read((p) => readCidr(p, "k", "10.0.0.0/23", 16, 22)).problems).to.deep.equal([`k: got "10.0.0.0/23"; expected ${describe}.`]);
        expect(read((p) => readCidr(p, "k", 10, 16, 22)).problems).to.deep.equal([`k: got 10; expected ${describe}.`]);
        expect(read((p) => readCidr(p, "k", "10.0.0.0/1600", 16, 22)).value).to.equal(undefined);
        expect(read((p) => readCidr(p, "k", "10.1.0.0/8")).problems).to.deep.equal([
            'k: got "10.1.0.0/8"; expected an IPv4 CIDR block such as "10.0.0.0/16" with a prefix from /0 to /32 with no host bits set (did you mean "10.0.0.0/8"?).',
        ]);
        expect(read((p) => readCidr(p, "k", "0.0.0.0/0")).value).to.equal("0.0.0.0/0");
        expect(read((p) => readCidr(p, "k", "1.2.3.4/32")).value).to.equal("1.2.3.4/32");
    });
});

describe("validate: scalar readers", () => {
    it("reads integers, from numbers or the strings Pulumi config holds, within bounds", () => {
        expect(read((p) => readInt(p, "n", "3", 1, 5))).to.deep.equal({ value: 3, problems: [] });
        expect(read((p) => readInt(p, "n", " 5 ", 1, 5)).value).to.equal(5);
        expect(read((p) => readInt(p, "n", 1, 1, 5)).value).to.equal(1);
        expect(read((p) => readInt(p, "n", "-2", -3, 5)).value).to.equal(-2);
        for (const bad of [0, 6, "6", 2.5, "2.5", "x", "", true, null, undefined]) {
            expect(read((p) => readInt(p, "n", bad, 1, 5)).problems, String(bad)).to.deep.equal([`n: got ${show(bad)}; expected an integer from 1 to 5.`]);
        }
    });

    it("reads booleans as YAML and the CLI write them", () => {
        expect(read((p) => readBool(p, "b", true)).value).to.equal(true);
        expect(read((p) => readBool(p, "b", "true")).value).to.equal(true);
        expect(read((p) => readBool(p, "b", false)).value).to.equal(false);
        expect(read((p) => readBool(p, "b", "false")).value).to.equal(false);
        expect(read((p) => readBool(p, "b", "yes")).problems).to.deep.equal(['b: got "yes"; expected true or false.']);
    });

    it("reads strings and enums, naming what is allowed", () => {
        const rule = { pattern: /^[a-z]+$/, describe: "lowercase letters" };
        expect(read((p) => readString(p, "s", "abc", rule))).to.deep.equal({ value: "abc", problems: [] });
        expect(read((p) => readString(p, "s", "aBc", rule)).problems).to.deep.equal(['s: got "aBc"; expected lowercase letters.']);
        expect(read((p) => readString(p, "s", 1, rule)).problems).to.deep.equal(["s: got 1; expected lowercase letters."]);
        expect(read((p) => readString(p, "s", 1)).problems).to.deep.equal(["s: got 1; expected a string."]);
        expect(read((p) => readString(p, "s", "any")).value).to.equal("any");
        expect(read((p) => readEnum(p, "e", "b", ["a", "b"])).value).to.equal("b");
        expect(read((p) => readEnum(p, "e", "c", ["a", "b"])).problems).to.deep.equal(['e: got "c"; expected one of "a", "b".']);
    });

    it("shows values as typed, long ones cut at 120 characters", () => {
        expect(show(undefined)).to.equal("nothing");
        expect(show("x")).to.equal('"x"');
        expect(show({ a: [1] })).to.equal('{"a":[1]}');
        const long = show("y".repeat(200));
        expect(long).to.have.length(120);
        expect(long.endsWith("...")).to.equal(true);
        expect(show("y".repeat(118)), "120 characters are shown whole").to.equal(`"${"y".repeat(118)}"`);
        expect(show("y".repeat(119))).to.equal(`"${"y".repeat(116)}...`);
    });
});

describe("validate: lists, maps and keys", () => {
    const item = (p: Problems) => (ip: string, v: unknown) => readString(p, ip, v);

    it("reads lists within their bounds, items checked one by one", () => {
        expect(read((p) => readList(p, "l", ["a", "b"], item(p), { min: 1, max: 2 }))).to.deep.equal({ value: ["a", "b"], problems: [] });
        expect(read((p) => readList(p, "l", [], item(p))).value).to.deep.equal([]);
        expect(read((p) => readList(p, "l", "a", item(p))).problems).to.deep.equal(['l: got "a"; expected a list.']);
        expect(read((p) => readList(p, "l", "a", item(p), { min: 1 })).problems).to.deep.equal(['l: got "a"; expected a list of at least 1 item.']);
        expect(read((p) => readList(p, "l", "a", item(p), { min: 2 })).problems).to.deep.equal(['l: got "a"; expected a list of at least 2 items.']);
        expect(read((p) => readList(p, "l", [], item(p), { min: 1 })).problems).to.deep.equal(["l: got []; expected a list of at least 1 item."]);
        expect(read((p) => readList(p, "l", ["a", "b", "c"], item(p), { max: 2 })).problems).to.deep.equal(['l: got ["a","b","c"]; expected a list of 0 to 2 items.']);
        expect(read((p) => readList(p, "l", ["a", 1, 2], item(p)))).to.deep.equal({ value: undefined, problems: ["l[1]: got 1; expected a string.", "l[2]: got 2; expected a string."] });
    });

    it("refuses duplicates only where asked", () => {
        expect(read((p) => readList(p, "l", ["a", "b", "a"], item(p), { unique: true })).problems).to.deep.equal(['l: got ["a","b","a"]; expected a list without duplicates ("a" appears twice).']);
        expect(read((p) => readList(p, "l", ["a", "a"], item(p))).value).to.deep.equal(["a", "a"]);
        expect(read((p) => readList(p, "l", [{ x: 1 }, { x: 2 }], (_ip, v) => v, { unique: true })).problems).to.deep.equal([]);
    });

    it("reads string maps, checking every key and value", () => {
        const rules = { key: { pattern: /^[a-z]+$/, describe: "a lowercase key" }, value: { pattern: /^[0-9]+$/, describe: "digits" } };
        expect(read((p) => readStringMap(p, "m", { a: "1", b: "2" }, rules))).to.deep.equal({ value: { a: "1", b: "2" }, problems: [] });
        expect(read((p) => readStringMap(p, "m", { A: "1", b: "x" }, rules))).to.deep.equal({ value: undefined, problems: ['m key: got "A"; expected a lowercase key.', 'm.b: got "x"; expected digits.'] });
        expect(read((p) => readStringMap(p, "m", { A: "1" }, rules)).value).to.equal(undefined);
        expect(read((p) => readStringMap(p, "m", ["a"], rules)).problems).to.deep.equal(['m: got ["a"]; expected a map of string keys to string values.']);
        expect(read((p) => readStringMap(p, "m", null, rules)).problems).to.deep.equal(["m: got null; expected a map of string keys to string values."]);
    });

    it("suggests the closest known key: a small typo, else a long shared prefix", () => {
        const known = ["availabilityZoneCount", "vpcCidr", "natGateways"];
        expect(closest("vpcCIDR", known)).to.equal("vpcCidr");
        expect(closest("natGateway", known)).to.equal("natGateways");
        expect(closest("availabilityZones", known)).to.equal("availabilityZoneCount");
        expect(closest("avail", known), "5 shared characters are not enough").to.equal(undefined);
        expect(closest("availa", known), "6 are").to.equal("availabilityZoneCount");
        expect(closest("zzzz", known)).to.equal(undefined);
        expect(closest("zzzzzzzzzz", known), "nothing shared").to.equal(undefined);
        expect(closest("abcd", ["abxy", "abcx"]), "the nearer of two").to.equal("abcx");
        expect(closest("kitten", ["sitting"]), "distance 3").to.equal("sitting");
        expect(closest("kitten", ["sittinga"]), "distance 4").to.equal(undefined);
        expect(closest("abcdefgh", ["abcdefgX", "abcdefghijkl"]), "a near typo beats a longer shared prefix").to.equal("abcdefgX");
        expect(closest("availabilityzonecountx", ["availabilityZoneCount"]), "the whole key shared").to.equal("availabilityZoneCount");
        expect(closest("availabilityZ", ["availabilityZoneCountAndMore"]), "the key is a prefix of the candidate").to.equal("availabilityZoneCountAndMore");
        expect(closest("prefix-long-aaaa", ["prefix-long-bbbbbbbb", "prefix-lo-cccc"]), "the longest prefix wins").to.equal("prefix-long-bbbbbbbb");
    });

    it("reports unknown keys with the known ones", () => {
        const p = new Problems();
        unknownKeys(p, "x.", { vpcCIDR: 1, vpcCidr: 2, qqqq: 3 }, ["vpcCidr", "natGateways"]);
        expect(p.list).to.deep.equal([
            'x.vpcCIDR: unknown key; did you mean "vpcCidr"? Known keys: vpcCidr, natGateways.',
            "x.qqqq: unknown key Known keys: vpcCidr, natGateways.",
        ]);
        expect(p.empty).to.equal(false);
        const legacy = new Problems();
        unknownKeys(legacy, "pool.", { consolidateAfter: "30s", ttlSecondsAfterEmpty: 30 }, ["consolidateAfter"], { ttlSecondsAfterEmpty: "replaced by consolidateAfter in Karpenter v1" });
        expect(legacy.list).to.deep.equal(["pool.ttlSecondsAfterEmpty: replaced by consolidateAfter in Karpenter v1."]);
        expect(new Problems().empty).to.equal(true);
    });

    it("adds the fix after what is expected", () => {
        const p = new Problems();
        p.add("k", 1, "two", "Use 2.");
        p.add("k", 1, "two");
        expect(p.list).to.deep.equal(["k: got 1; expected two. Use 2.", "k: got 1; expected two."]);
    });
});

describe("validate: raw config reader", () => {
    const reader = (values: Record<string, string>) => new RawReader({ project: "proj", values }, new Problems());

    it("reads keys of its project, decoding JSON and passing plain strings through", () => {
        const r = reader({ "proj:a": '{"x":1}', "proj:s": "plain", "other:a": "1" });
        expect(r.path("a")).to.equal("proj:a");
        expect(r.has("a")).to.equal(true);
        expect(r.has("b")).to.equal(false);
        expect(r.text("s")).to.equal("plain");
        expect(r.json("a")).to.deep.equal({ x: 1 });
        expect(r.json("s")).to.equal("plain");
        expect(r.json("b")).to.equal(undefined);
    });

    it("reads objects: {} when unset unless required, unknown keys reported, non-objects refused", () => {
        expect(reader({}).object("o", ["x"])).to.deep.equal({ path: "proj:o", value: {} });
        const required = reader({});
        expect(required.object("o", ["x"], true)).to.equal(undefined);
        expect(required.p.list).to.deep.equal(["proj:o: got nothing; expected an object with x."]);
        const r = reader({ "proj:o": '{"x":1,"qqqqq":2}' });
        expect(r.object("o", ["x"])).to.deep.equal({ path: "proj:o", value: { x: 1, qqqqq: 2 } });
        expect(r.p.list).to.deep.equal(["proj:o.qqqqq: unknown key Known keys: x."]);
        const list = reader({ "proj:o": "[1]" });
        expect(list.object("o", ["x", "z"])).to.equal(undefined);
        expect(list.p.list).to.deep.equal(["proj:o: got [1]; expected an object with x, z."]);
    });
});

describe("validate: AWS tags as EC2 takes them (EC2 API Tag; AWS tagging rules)", () => {
    it("keys: 1 to 127 letters, digits, spaces or _.:/=+-@, never the aws: prefix in any letter case", () => {
        for (const key of ["k", "k".repeat(127), "team name", "kubernetes.io/role/elb", "a_b.c:d/e=f+g-h@i", "équipe", "aws", "awsx:foo", "x-aws:foo", "aws-foo"]) expect(AWS_TAG_KEY.pattern.test(key), key).to.equal(true);
        for (const key of ["", "k".repeat(128), "aws:foo", "AWS:foo", "Aws:foo", "aWs:x", "aws:", "a*b", "a#b", "a,b", "a\nb"]) expect(AWS_TAG_KEY.pattern.test(key), key).to.equal(false);
    });

    it("values: at most 256 of the same characters, empty allowed", () => {
        for (const value of ["", "v".repeat(256), "owned", "1", "a b", "aws:ok-in-values"]) expect(AWS_TAG_VALUE.pattern.test(value), value).to.equal(true);
        for (const value of ["v".repeat(257), "a*b", "a,b", "a\tb"]) expect(AWS_TAG_VALUE.pattern.test(value), value).to.equal(false);
    });
});
