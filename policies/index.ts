import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "./all";

// Only the pack lives here: constructing it starts the policy server, so tests import ./all instead.
new PolicyPack("eks-karpenter", {
    description: "eks-karpenter guardrails: IAM least privilege, required tags, Karpenter and EKS hardening",
    enforcementLevel: "mandatory",
    policies: allPolicies,
});
