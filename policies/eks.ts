import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isSet } from "./util";

const REQUIRED_LOGS = ["api", "audit", "authenticator"];
const isCluster = (type: string) => type === "eks:index:Cluster" || type === "aws:eks/cluster:Cluster";

export const controlPlaneLogging: ResourceValidationPolicy = {
    name: "eks-control-plane-logging",
    description: "EKS control-plane logging includes api, audit and authenticator.",
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
    validateResource: (args, report) => {
        if (!isCluster(args.type)) return;
        // The key's ARN is unknown at a first preview (KMS assigns it): set all the same.
        const encrypted = args.type === "eks:index:Cluster" ? isSet(() => args.props.encryptionConfigKeyArn) : isSet(() => args.props.encryptionConfig?.provider?.keyArn);
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

export const privateEndpoint: ResourceValidationPolicy = {
    name: "eks-private-endpoint",
    description: "The Kubernetes API is reachable from inside the VPC (endpointPrivateAccess), so nodes never go through the public endpoint.",
    validateResource: (args, report) => {
        if (!isCluster(args.type)) return;
        const enabled = args.type === "eks:index:Cluster" ? args.props.endpointPrivateAccess : args.props.vpcConfig?.endpointPrivateAccess;
        if (enabled !== true) report(`EKS cluster ${args.props.name ?? args.name} has no private API endpoint; node and pod traffic to the API would leave the VPC.`);
    },
};

/** Access policies that make a principal an administrator of the cluster. */
const ADMIN_POLICIES = /:cluster-access-policy\/(AmazonEKSClusterAdminPolicy|AmazonEKSAdminPolicy)$/;

export const clusterAdminAllowList: ResourceValidationPolicy = {
    name: "eks-cluster-admin-allowlist",
    description: "Only principals in allowedAdminPrincipalArns get cluster-admin access entries (AmazonEKSClusterAdminPolicy, AmazonEKSAdminPolicy, system:masters).",
    configSchema: { properties: { allowedAdminPrincipalArns: { type: "array", items: { type: "string" }, default: [] } } },
    validateResource: (args, report) => {
        const { allowedAdminPrincipalArns } = args.getConfig<{ allowedAdminPrincipalArns: string[] }>();
        const admins: string[] = [];
        if (args.type === "eks:index:Cluster") {
            for (const entry of Object.values((args.props.accessEntries ?? {}) as Record<string, { principalArn: string; kubernetesGroups?: string[]; accessPolicies?: Record<string, { policyArn: string }> }>)) {
                const viaPolicy = Object.values(entry.accessPolicies ?? {}).some((p) => ADMIN_POLICIES.test(String(p.policyArn)));
                if (viaPolicy || (entry.kubernetesGroups ?? []).includes("system:masters")) admins.push(entry.principalArn);
            }
        }
        if (args.type === "aws:eks/accessPolicyAssociation:AccessPolicyAssociation" && ADMIN_POLICIES.test(String(args.props.policyArn))) admins.push(args.props.principalArn);
        if (args.type === "aws:eks/accessEntry:AccessEntry" && ((args.props.kubernetesGroups ?? []) as string[]).includes("system:masters")) admins.push(args.props.principalArn);
        for (const arn of admins) {
            if (!allowedAdminPrincipalArns.includes(arn)) report(`${arn} gets cluster-admin access, but is not in allowedAdminPrincipalArns (${allowedAdminPrincipalArns.join(", ") || "empty"}).`);
        }
    },
};

export const eksPolicies = [controlPlaneLogging, secretsEncryption, publicEndpointRestricted, privateEndpoint, clusterAdminAllowList];
