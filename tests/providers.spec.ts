import { expect } from "chai";
import * as aws from "@pulumi/aws";
import { ProgramRun, findResource, runProgram } from "../offline/engine";
import { stackConfig, stackNames } from "../offline/stackFiles";
import { failure, runStack } from "./helpers/run";
import { rawConfig } from "./helpers/scenario";
import { shared } from "./helpers/lazy";

describe("explicit providers and protection", () => {
    describe("pulumi:disable-default-providers", () => {
        it("is set for aws and kubernetes in Pulumi.yaml, so every stack refuses a resource that forgot its provider", () => {
            for (const stack of stackNames()) expect(JSON.parse(stackConfig(stack).values["pulumi:disable-default-providers"]), stack).to.deep.equal(["aws", "kubernetes"]);
        });

        it("makes the offline engine refuse a resource or an invoke without an explicit provider, with the engine's message", async () => {
            const resource = await failure(
                runProgram(rawConfig("dev"), {
                    program: () => {
                        new aws.iam.Role("orphan", { assumeRolePolicy: "{}" });
                        return {};
                    },
                }),
            );
            expect(resource).to.include("Default provider for 'aws' disabled. 'aws:iam/role:Role' must use an explicit provider.");
            const invoke = await failure(
                runProgram(rawConfig("dev"), {
                    program: () => ({ partition: aws.getPartitionOutput().partition }),
                }),
            );
            expect(invoke).to.include("Default provider for 'aws' disabled. 'aws:index/getPartition:getPartition' must use an explicit provider.");
        });
    });

    describe("protect", () => {
        let prod: ProgramRun;
        let dev: ProgramRun;
        const build = shared(async () => ({ prod: await runStack("prod"), dev: await runStack("dev") }));
        beforeEach(async () => {
            ({ prod, dev } = await build());
        });

        it("protects prod's cluster (and the children pulumi-eks creates) and the KMS key of its secrets, from stack config", () => {
            expect(stackConfig("prod").values["eks-karpenter:protect"]).to.equal("true");
            expect(findResource(prod, "eks:index:Cluster", "eks-karpenter-prod-eks").options.protect).to.equal(true);
            expect(findResource(prod, "aws:eks/cluster:Cluster", "eks-karpenter-prod-eks-eksCluster").options.protect).to.equal(true);
            expect(findResource(prod, "aws:kms/key:Key", "eks-karpenter-prod-secrets").options.protect).to.equal(true);
            expect(prod.resources.filter((r) => r.options.protect).map((r) => r.type)).to.have.members(["eks:index:Cluster", "aws:kms/key:Key", ...prod.resources.filter((r) => r.modelled && r.urn.includes("eks:index:Cluster$")).map((r) => r.type)]);
        });

        it("leaves dev unprotected: review and dev stacks are destroyed routinely", () => {
            expect(dev.resources.filter((r) => r.options.protect)).to.deep.equal([]);
        });
    });
});
