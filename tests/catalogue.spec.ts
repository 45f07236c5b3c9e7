import { _InstanceType } from "@aws-sdk/client-ec2";
import { expect } from "chai";
import { CATALOGUE, describeInstanceType, matchingInstanceTypes } from "../components/nodePools/catalogue";
import { parsed, problemsOf } from "./helpers/scenario";

const K = "eks-karpenter";
const P = `${K}:nodePools[0] (p)`;
const base = { name: "p", capacityTypes: ["on-demand"], limits: { cpu: "10", memory: "40Gi" } };
/** Counted from the SDK's enum itself: every non-macOS type of size xlarge. */
const XLARGE = Object.values(_InstanceType).filter((n) => n.endsWith(".xlarge") && !n.startsWith("mac")).length;
const pools = (pool: Record<string, unknown>, stack: Record<string, unknown> = {}) => ({ nodePools: [{ ...base, ...pool }], ...stack });

describe("instance catalogue", () => {
    describe("derived from the AWS SDK's instance-type enum by Karpenter's naming rules", () => {
        it("holds every type the pinned EC2 client names, except macOS (dedicated hosts, which Karpenter does not launch)", () => {
            const sdk = Object.values(_InstanceType);
            expect(CATALOGUE.map((t) => t.name)).to.have.members(sdk.filter((n) => !n.startsWith("mac")));
        });

        it("reads family and size around the dot, category and generation with Karpenter's expression", () => {
            // Expected values follow pkg/providers/instancetype/types.go at v1.14.1: `(^[a-z]+)(\-[0-9]+tb)?([0-9]+).*\.`
            expect(describeInstanceType("m7i-flex.large")).to.deep.include({ family: "m7i-flex", category: "m", generation: 7, size: "large" });
            expect(describeInstanceType("u-12tb1.112xlarge")).to.deep.include({ family: "u-12tb1", category: "u", generation: 1 });
            expect(describeInstanceType("u7i-12tb.224xlarge")).to.deep.include({ category: "u", generation: 7 });
            expect(describeInstanceType("hpc7g.16xlarge")).to.deep.include({ category: "hpc", generation: 7 });
            expect(describeInstanceType("m7i")).to.equal(undefined);
        });

        it("marks Graviton (a g after the generation, a1) and Grace (-gb) families arm64, the rest amd64", () => {
            const arch = (n: string) => describeInstanceType(n)!.architecture;
            for (const n of ["m7g.large", "c7gn.large", "r8gd.large", "x2gd.large", "im4gn.large", "is4gen.large", "g5g.xlarge", "t4g.small", "a1.large", "p6e-gb200.36xlarge"]) expect(arch(n), n).to.equal("arm64");
            for (const n of ["m7i.large", "c7a.large", "g4dn.xlarge", "gr6.4xlarge", "t3.medium", "p5.48xlarge", "m7i-flex.large"]) expect(arch(n), n).to.equal("amd64");
        });

        it("matches a pool's requirements like Karpenter: prod's spot pool allows only c, m, r of generation 6+ in four sizes", () => {
            const types = matchingInstanceTypes(parsed("prod").nodePools.find((p) => p.name === "spot")!);
            expect(types.length).to.be.above(15);
            for (const t of types) {
                expect(["c", "m", "r"]).to.include(t.category);
                expect(t.generation).to.be.at.least(6);
                expect(["large", "xlarge", "2xlarge", "4xlarge"]).to.include(t.size);
                expect(t.architecture).to.equal("amd64");
            }
        });
    });

    describe("config refuses what can never launch, naming the pool, the field, the value and the nearest names", () => {
        const cases: Array<[string, Record<string, unknown>, string[]]> = [
            ["a typo in an instance type", { instanceTypes: ["m7i.larg"] }, [`${P}.instanceTypes[0]: "m7i.larg" is not an EC2 instance type in the catalogue; did you mean "m7i.large" or "c7i.large" or "i7i.large"?; a type newer than the catalogue (the instance types of the pinned AWS SDK v3 EC2 client (@aws-sdk/client-ec2)) must also be listed in extraInstanceTypes.`]],
            ["a typo in a size", { instanceSizes: ["4xlarg"] }, [`${P}.instanceSizes[0]: "4xlarg" is not an instance size in the catalogue; did you mean "4xlarge" or "24xlarge" or "2xlarge"?.`]],
            ["an unknown family", { instanceFamilies: ["m7x"] }, [`${P}.instanceFamilies[0]: "m7x" is not an instance family in the catalogue; did you mean "m7a" or "m7g" or "m7i"?; a type newer than the catalogue (the instance types of the pinned AWS SDK v3 EC2 client (@aws-sdk/client-ec2)) must also be listed in extraInstanceTypes.`]],
            ["an unknown category", { instanceCategories: ["q"] }, [`${P}.instanceCategories[0]: "q" is not an instance category (the letters before the generation, e.g. "m" of m7i) in the catalogue; did you mean "a" or "c" or "d"?.`]],
            ["a generation nothing has", { instanceGenerationMin: 16 }, [`${P}.instanceGenerationMin: no instance type has generation 16 or newer; the newest generation in the catalogue is 9.`]],
            [
                "a Graviton family with amd64",
                { instanceFamilies: ["m7g"], architectures: ["amd64"] },
                [`${P}: its requirements match no instance type, so the pool can never launch a node: instanceFamilies ["m7g"] allows ${Object.values(_InstanceType).filter((n) => n.startsWith("m7g.")).length} types, none of which passes architectures ["amd64"] (e.g. m7g.12xlarge is arm64).`],
            ],
            [
                "sizes no listed type has",
                { instanceTypes: ["m7i.large", "c7i.large"], instanceSizes: ["xlarge"] },
                [`${P}: its requirements match no instance type, so the pool can never launch a node: instanceSizes ["xlarge"] allows ${XLARGE} types, none of which passes instanceTypes ["m7i.large","c7i.large"] (e.g. c1.xlarge is not in instanceTypes).`],
            ],
            ["a zone of another region", { zones: ["eu-west-1a"] }, [`${P}.zones[0]: "eu-west-1a" is not a zone of the stack's region us-west-2 (aws:region); zones of us-west-2 look like "us-west-2a".`]],
            ["a catalogued type in extraInstanceTypes", { extraInstanceTypes: ["m7i.large"] }, [`${P}.extraInstanceTypes[0]: "m7i.large" is in the catalogue already (the instance types of the pinned AWS SDK v3 EC2 client (@aws-sdk/client-ec2)); remove it from extraInstanceTypes.`]],
        ];
        for (const [title, pool, problems] of cases) it(title, () => expect(problemsOf("dev", pools(pool))).to.deep.equal(problems));

        it("accepts the valid neighbours: the right type, size, family, generation, architecture and zone", () => {
            const pool = parsed("dev", pools({ instanceTypes: ["m7i.large"], zones: ["us-west-2a", "us-west-2-lax-1a"] })).nodePools[0];
            expect(pool.instanceTypes).to.deep.equal(["m7i.large"]);
            parsed("dev", pools({ instanceSizes: ["4xlarge"], instanceGenerationMin: 8 }));
            parsed("dev", pools({ instanceFamilies: ["m7g"], architectures: ["arm64"] }));
        });

        it("lets a type newer than the catalogue through extraInstanceTypes, family and size derived by the same rules", () => {
            const pool = parsed("dev", pools({ instanceTypes: ["m9z.large"], extraInstanceTypes: ["m9z.large"] })).nodePools[0];
            expect(pool.instanceTypes).to.deep.equal(["m9z.large"]);
            parsed("dev", pools({ instanceFamilies: ["m9z"], extraInstanceTypes: ["m9z.large"] }));
            expect(problemsOf("dev", pools({ extraInstanceTypes: ["m9z"] }))).to.deep.equal([
                `${P}.extraInstanceTypes[0]: got "m9z"; expected an instance-type name such as "m9z.large" (family with a generation number, a dot, a size; at most 63 characters).`,
            ]);
        });
    });

    describe("spot-to-spot consolidation needs 15 instance types (Karpenter v1.14 docs, Concepts > Disruption)", () => {
        const fourteen = ["m5.large", "m5a.large", "m6i.large", "m6a.large", "m7i.large", "m7a.large", "c5.large", "c5a.large", "c6i.large", "c6a.large", "c7i.large", "c7a.large", "r5.large", "r6i.large"];
        const spot = (types: string[], gate: boolean) => pools({ capacityTypes: ["spot"], instanceTypes: types }, { karpenter: { spotToSpotConsolidation: gate, replicas: 1 } });

        it("refuses a spot pool of 14 types with the gate on, and says why", () => {
            expect(problemsOf("dev", spot(fourteen, true))).to.deep.equal([
                `${P}: matches 14 instance types, but with karpenter.spotToSpotConsolidation on, Karpenter replaces a single spot node only when at least 15 instance types are eligible (Karpenter docs, Concepts > Disruption, spot-to-spot consolidation): allow at least 15 types (e.g. instanceCategories with instanceGenerationMin instead of a list), or turn the gate off.`,
            ]);
        });

        it("accepts 15 types with the gate on, and 14 with the gate off", () => {
            parsed("dev", spot([...fourteen, "r7i.large"], true));
            parsed("dev", spot(fourteen, false));
        });

        it("dev and pr enable the gate with at least 15 eligible types", () => {
            for (const stack of ["dev", "pr"]) {
                const config = parsed(stack);
                expect(config.karpenter.spotToSpotConsolidation, stack).to.equal(true);
                for (const pool of config.nodePools.filter((p) => p.capacityTypes.includes("spot"))) expect(matchingInstanceTypes(pool).length, stack).to.be.at.least(15);
            }
        });
    });
});

describe("Kubernetes quantities elsewhere", () => {
    it("the controller's resources take any quantity the API accepts, e.g. 1G and 1.5", () => {
        expect(parsed("dev", { karpenter: { spotToSpotConsolidation: true, replicas: 1, resources: { cpu: "1.5", memory: "1G" } } }).karpenter.resources).to.deep.equal({ cpu: "1.5", memory: "1G" });
        expect(problemsOf("dev", { karpenter: { spotToSpotConsolidation: true, replicas: 1, resources: { cpu: "1", memory: "1GB" } } })).to.deep.equal([
            `${K}:karpenter.resources.memory: got "1GB"; expected a Kubernetes quantity such as "100", "500m", "64G" or "400Gi", not negative.`,
        ]);
    });
});

describe("instance problems come with the pool's other problems", () => {
    it("reports a bad limit and a typo in an instance type at once", () => {
        expect(problemsOf("dev", { karpenter: { spotToSpotConsolidation: false }, nodePools: [{ name: "p", capacityTypes: ["spot"], instanceTypes: ["m7i.larg"], limits: { cpu: "10", memory: "40GB" } }] })).to.have.length(2);
    });
});
