import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { eksPolicies } from "./eks";
import { iamPolicies } from "./iam";
import { karpenterPolicies } from "./karpenter";
import { controllerScoping } from "./karpenterScoping";
import { taggingPolicies } from "./tagging";

/** Every policy of the pack, for the PolicyPack (index.ts) and for offline runs. */
export const allPolicies: Array<ResourceValidationPolicy | StackValidationPolicy> = [...iamPolicies, ...taggingPolicies, ...karpenterPolicies, controllerScoping, ...eksPolicies];
