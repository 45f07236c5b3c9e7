import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { ec2Policies } from "./ec2";
import { eksPolicies } from "./eks";
import { iamPolicies } from "./iam";
import { karpenterPolicies } from "./karpenter";
import { controllerScoping } from "./karpenterScoping";
import { nodeClassPrivateSubnets } from "./karpenterSubnets";
import { kmsPolicies } from "./kms";
import { logPolicies } from "./logs";
import { s3Policies } from "./s3";
import { sqsPolicies } from "./sqs";
import { taggingPolicies } from "./tagging";
import { crossAccountTrust } from "./trust";

/** Every policy of the pack, for the PolicyPack (index.ts) and for offline runs. */
export const allPolicies: Array<ResourceValidationPolicy | StackValidationPolicy> = [
    ...iamPolicies,
    crossAccountTrust,
    ...taggingPolicies,
    ...karpenterPolicies,
    controllerScoping,
    nodeClassPrivateSubnets,
    ...sqsPolicies,
    ...eksPolicies,
    ...kmsPolicies,
    ...ec2Policies,
    ...s3Policies,
    ...logPolicies,
];
