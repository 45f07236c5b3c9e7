import * as pulumi from "@pulumi/pulumi";

/**
 * Options for a multi-language component (awsx VPC, EKS cluster) created inside one of ours. The SDK sends a
 * remote component only the providers given on it, not those it inherits from its parent, so the AWS provider
 * with the stack's defaultTags is handed on explicitly; otherwise its children would use the default provider
 * and miss the required tags.
 */
export function remoteChildOptions(parent: pulumi.Resource, extra: pulumi.ComponentResourceOptions = {}): pulumi.ComponentResourceOptions {
    const aws = parent.getProvider("aws::");
    return { parent, ...(aws ? { providers: { aws } } : {}), ...extra };
}
