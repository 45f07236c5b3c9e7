import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseStackConfig } from "../components/config";
import { planStack } from "../offline/plan";
import { PROJECT_DIR, ProjectConfigError, stackConfig, stackNames } from "../offline/stackFiles";

/**
 * The offline loader applies the Pulumi CLI's checks of Pulumi.yaml and Pulumi.<stack>.yaml. Cases and messages
 * from pulumi/pulumi pkg/workspace/config_project_test.go and sdk/go/common/workspace/project.go.
 */

/** A throw-away project: Pulumi.yaml plus stack files, in a temp folder. */
function project(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-files-"));
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
}

/** The CLI's error for this project and stack, or a failure if it accepts them. */
function refusal(dir: string, stack = "dev"): string {
    try {
        stackConfig(stack, { dir });
    } catch (e) {
        if (e instanceof ProjectConfigError) return e.message;
        throw e;
    }
    throw new Error("expected the CLI to refuse the stack");
}

describe("stack files as the Pulumi CLI reads them", () => {
    describe("this project", () => {
        // On a Pulumi.yaml that declares a key without a default (environment, clusterName) that no stack sets,
        // the CLI refuses every stack before the program runs; so must the loader.
        for (const stack of stackNames()) {
            it(`accepts Pulumi.${stack}.yaml, and the program accepts the result`, () => {
                expect(() => parseStackConfig(stackConfig(stack))).to.not.throw();
            });
        }

        it("accepts the example stack file", () => {
            expect(() => parseStackConfig(stackConfig("existing-cluster", { stackFile: path.join(PROJECT_DIR, "examples", "existing-cluster.yaml") }))).to.not.throw();
        });

        it("declares no project key without a default: its default would depend on the stack, which Pulumi.yaml cannot say", () => {
            const dir = project({ "Pulumi.yaml": fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8"), "Pulumi.dev.yaml": "config:\n  aws:region: us-west-2\n" });
            // owner is required on purpose (no sensible default): the CLI names it first.
            expect(refusal(dir)).to.equal("Stack 'dev' is missing configuration value 'owner'");
        });
    });

    describe("missing values", () => {
        const yaml = "name: test\nruntime: nodejs\nconfig:\n  hello:\n    type: integer\n  values:\n    type: array\n    items:\n      type: string\n  world:\n    type: string\n";

        it("refuses a stack that lacks declared keys without a default, all named in one sorted message", () => {
            expect(refusal(project({ "Pulumi.yaml": yaml, "Pulumi.dev.yaml": "" }))).to.equal("Stack 'dev' is missing configuration values 'hello', 'values' and 'world'");
            expect(refusal(project({ "Pulumi.yaml": yaml, "Pulumi.dev.yaml": "config:\n  test:hello: 1\n" }))).to.equal("Stack 'dev' is missing configuration values 'values' and 'world'");
            expect(refusal(project({ "Pulumi.yaml": yaml, "Pulumi.dev.yaml": "config:\n  hello: 1\n  test:values: [a]\n" }))).to.equal("Stack 'dev' is missing configuration value 'world'");
        });

        it("requires an untyped declaration without a default too", () => {
            const dir = project({ "Pulumi.yaml": "name: test\nruntime: nodejs\nconfig:\n  region:\n    description: where\n", "Pulumi.dev.yaml": "" });
            expect(refusal(dir)).to.equal("Stack 'dev' is missing configuration value 'region'");
        });

        it("applies defaults (shorthand and long form) and values of other namespaces; stack values win", () => {
            const dir = project({
                "Pulumi.yaml": "name: test\nruntime: nodejs\nconfig:\n  size: t3.micro\n  count:\n    type: integer\n    default: 20\n  aws:region:\n    value: us-east-1\n  tags:\n    type: array\n    items:\n      type: string\n    default: [a, b]\n",
                "Pulumi.dev.yaml": "config:\n  test:size: t4.large\n",
            });
            expect(stackConfig("dev", { dir }).values).to.deep.equal({ "test:size": "t4.large", "test:count": "20", "aws:region": "us-east-1", "test:tags": '["a","b"]' });
        });
    });

    describe("types", () => {
        const yaml =
            "name: test\nruntime: nodejs\nconfig:\n  count:\n    type: integer\n    default: 3\n  on:\n    type: boolean\n    default: true\n" +
            "  cidrs:\n    type: array\n    items:\n      type: string\n    default: []\n  version:\n    type: string\n    default: '1.36'\n  token:\n    type: string\n    secret: true\n    default: x\n";
        const refused = (stackYaml: string) => refusal(project({ "Pulumi.yaml": yaml, "Pulumi.dev.yaml": `config:\n  test:token:\n    secure: AAABAJ\n${stackYaml}` }));

        it("refuses a value of the wrong type with the CLI's message", () => {
            expect(refused("  test:count: three\n")).to.equal("Stack 'dev' with configuration key 'count' must be of type 'integer'");
            expect(refused("  test:on: yes\n")).to.equal("Stack 'dev' with configuration key 'on' must be of type 'boolean'");
            expect(refused("  test:cidrs: 10.0.0.0/8\n")).to.equal("Stack 'dev' with configuration key 'cidrs' must be of type 'array<string>'");
            expect(refused("  test:cidrs: [10.0.0.0/8, 8]\n")).to.equal("Stack 'dev' with configuration key 'cidrs' must be of type 'array<string>'");
            expect(refused("  test:version: [1]\n")).to.equal("Stack 'dev' with configuration key 'version' must be of type 'string'");
        });

        it("accepts what the CLI accepts: numbers and booleans written as text, scalars for strings", () => {
            const dir = project({ "Pulumi.yaml": yaml, "Pulumi.dev.yaml": "config:\n  test:token:\n    secure: AAABAJ\n  test:count: '4'\n  test:on: 'false'\n  test:version: 1.35\n" });
            expect(stackConfig("dev", { dir }).values).to.include({ "test:count": "4", "test:on": "false", "test:version": "1.35" });
        });

        it("refuses a secret key given in plain text", () => {
            const dir = project({ "Pulumi.yaml": yaml, "Pulumi.dev.yaml": "config:\n  test:token: plain\n" });
            expect(refusal(dir)).to.equal("Stack 'dev' with configuration key 'token' must be encrypted as it's secret");
        });
    });

    describe("Pulumi.yaml itself", () => {
        const refusedProject = (config: string) => refusal(project({ "Pulumi.yaml": `name: test\nruntime: nodejs\nconfig:\n${config}`, "Pulumi.dev.yaml": "" })).replace(/'[^']*Pulumi\.yaml'/, "'Pulumi.yaml'");

        it("refuses the declarations the CLI refuses", () => {
            expect(refusedProject("  aws:region:\n    type: string\n")).to.equal("could not unmarshal 'Pulumi.yaml': Configuration key 'aws:region' is not namespaced by the project and should not define a type");
            expect(refusedProject("  aws:region:\n    default: us-west-2\n")).to.equal(
                "could not unmarshal 'Pulumi.yaml': Configuration key 'aws:region' is not namespaced by the project and should not define a default value. Did you mean to use the 'value' attribute instead of 'default'?",
            );
            expect(refusedProject("  list:\n    type: array\n    default: []\n")).to.equal(
                "could not unmarshal 'Pulumi.yaml': The configuration key 'list' declares an array but does not specify the underlying type via the 'items' attribute",
            );
            expect(refusedProject("  count:\n    type: integer\n    default: many\n")).to.equal("could not unmarshal 'Pulumi.yaml': The default value specified for configuration key 'count' is not of the expected type 'integer'");
            expect(refusedProject("  x:\n    default: 1\n    value: 2\n")).to.equal("could not unmarshal 'Pulumi.yaml': project config 'x' cannot have both a 'default' and 'value' attribute");
        });
    });

    describe("YAML syntax errors", () => {
        it("names the stack file, line and column", () => {
            const dir = project({ "Pulumi.yaml": "name: test\nruntime: nodejs\n", "Pulumi.dev.yaml": "config:\n  test:a: 1\n  test:b: [1, 2\n  test:c: 3\n" });
            expect(refusal(dir)).to.match(/Pulumi\.dev\.yaml:\d+:\d+: invalid YAML: /);
            expect(refusal(dir)).to.match(/Pulumi\.dev\.yaml:[34]:/);
        });

        it("makes npm run plan exit 2 with the file and line, before the program runs", async () => {
            const dir = project({ "Pulumi.broken.yaml": "config:\n  eks-karpenter:owner: platform-team\n  eks-karpenter:nodePools:\n    - name: spot\n   capacityTypes: [spot]\n" });
            const lines: string[] = [];
            const result = await planStack({ stack: "broken", stackFile: path.join(dir, "Pulumi.broken.yaml"), outDir: dir, log: (line) => lines.push(line) });
            expect(result.exitCode).to.equal(2);
            expect(result.run).to.equal(undefined);
            expect(lines).to.have.length(1);
            expect(lines[0]).to.match(/^error: .*Pulumi\.broken\.yaml:5:\d+: invalid YAML: /);
        });
    });
});
