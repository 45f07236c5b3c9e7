import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import type { RawStackConfig } from "../../components/config";
import { ProgramRun, runProgram } from "../../offline/engine";
import { stackConfig } from "../../offline/stackFiles";
import { strykerKey } from "./lazy";
import { runStack } from "./run";

/** An existing VPC with two private subnets and one public one (ids of the shape AWS uses). */
export const EXISTING_VPC = { vpcId: "vpc-0123456789abcdef0", privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"], publicSubnetIds: ["subnet-0cccccccccccccccc"] };

/** The overrides of the "existingVpc" run: dev in EXISTING_VPC. */
export const EXISTING_VPC_OVERRIDES = { availabilityZoneCount: undefined, natGateways: undefined, existingVpc: EXISTING_VPC };

/** The config of the "existingCluster" run: examples/existing-cluster.yaml. */
export function existingClusterConfig(): RawStackConfig {
    const example = parse(fs.readFileSync(path.resolve(__dirname, "..", "..", "examples", "existing-cluster.yaml"), "utf8")) as { config: Record<string, unknown> };
    return stackConfig("existing-cluster", { override: example.config });
}

export type SharedRun = "dev" | "prod" | "existingVpc" | "existingCluster";
const runs = new Map<SharedRun, Promise<ProgramRun>>();
let runsKey = "";

/**
 * One run of the real program per kind, shared by the specs that only read it (each run costs most of a second):
 * the dev and prod stacks, dev in an existing VPC, and examples/existing-cluster.yaml. Read it in `beforeEach` or in
 * the test, not in `before()`: under StrykerJS the runs are rebuilt per test or per mutant (see ./lazy.ts).
 */
export function sharedRun(kind: SharedRun): Promise<ProgramRun> {
    if (strykerKey() !== runsKey) {
        runs.clear();
        runsKey = strykerKey();
    }
    let run = runs.get(kind);
    if (!run) {
        if (kind === "existingVpc") run = runStack("dev", EXISTING_VPC_OVERRIDES);
        else if (kind === "existingCluster") run = runProgram(existingClusterConfig());
        else run = runStack(kind);
        runs.set(kind, run);
    }
    return run;
}
