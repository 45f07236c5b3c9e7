import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "./all";
import { PACK_NAME } from "./pack";

// Only the pack lives here: constructing it starts the policy server, so tests import ./all instead.
new PolicyPack(PACK_NAME, {
    description: "eks-karpenter guardrails: IAM least privilege, required tags, Karpenter and EKS hardening",
    enforcementLevel: "mandatory",
    policies: allPolicies,
});
