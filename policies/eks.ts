import type { ResourceValidationPolicy } from "@pulumi/policy";

const REQUIRED_LOGS = ["api", "audit", "authenticator"];
const isCluster = (type: string) => type === "eks:index:Cluster" || type === "aws:eks/cluster:Cluster";

export const controlPlaneLogging: ResourceValidationPolicy = {
    name: "eks-control-plane-logging",
    description: "EKS control-plane logging includes api, audit and authenticator.",
    configSchema: { properties: {} },
    validateResource: (args, report) => {
        if (!isCluster(args.type)) return;
        const enabled = (args.props.enabledClusterLogTypes ?? []) as string[];
        const missing = REQUIRED_LOGS.filter((l) => !enabled.includes(l));
        if (missing.length > 0) report(`EKS cluster ${args.props.name ?? args.name} does not log ${missing.join(", ")}.`);
    },
};

export const secretsEncryption: ResourceValidationPolicy = {
    name: "eks-secrets-encryption",
    description: "Kubernetes secrets are encrypted with a KMS key.",
    configSchema: { properties: {} },
    validateResource: (args, report) => {
        if (!isCluster(args.type)) return;
        const encrypted = args.type === "eks:index:Cluster" ? !!args.props.encryptionConfigKeyArn : !!args.props.encryptionConfig?.provider?.keyArn;
        if (!encrypted) report(`EKS cluster ${args.props.name ?? args.name} does not encrypt secrets with KMS.`);
    },
};

export const publicEndpointRestricted: ResourceValidationPolicy = {
    name: "eks-public-endpoint-restricted",
    description: "The public Kubernetes API endpoint is off or open only to listed CIDRs, never 0.0.0.0/0.",
    configSchema: { properties: { allowedCidrs: { type: "array", items: { type: "string" }, default: [] } } },
    validateResource: (args, report) => {
        if (!isCluster(args.type)) return;
        const props = args.type === "eks:index:Cluster" ? args.props : { ...args.props.vpcConfig, endpointPublicAccess: args.props.vpcConfig?.endpointPublicAccess };
        if (props.endpointPublicAccess === false) return;
        const cidrs = (props.publicAccessCidrs ?? ["0.0.0.0/0"]) as string[];
        const { allowedCidrs } = args.getConfig<{ allowedCidrs: string[] }>();
        for (const cidr of cidrs) {
            if (cidr === "0.0.0.0/0") report("the public API endpoint is open to 0.0.0.0/0; list the CIDRs that need it (endpointPublicAccessCidrs) or turn it off.");
            else if (allowedCidrs.length > 0 && !allowedCidrs.includes(cidr)) report(`the public API endpoint allows ${cidr}, which is not in allowedCidrs (${allowedCidrs.join(", ")}).`);
        }
    },
};

export const eksPolicies = [controlPlaneLogging, secretsEncryption, publicEndpointRestricted];
