import { createHash } from "node:crypto";

/**
 * The children the pinned remote components create in a real preview, from their source: types, logical names,
 * parents and the physical names AWS sees (auto-named where the component gives none). Offline, Pulumi's mocks
 * see a remote component once and never its children; this model adds them to the plan, so it lists them and the
 * name-limit check covers them. Options the model does not cover fail the plan (never a silent gap).
 *
 * Sources (read at the pinned versions):
 * - pulumi/pulumi-eks v4.3.0: nodejs/eks/cluster/cluster.ts (createCore, createCluster), servicerole.ts,
 *   cluster/authenticationMode.ts (createAccessEntries), addons/cni-addon.ts (VpcCniAddon).
 * - pulumi/pulumi-awsx ec2/vpc.ts and ec2/subnetNaming.ts (read at v3.8.0-16-ge60adf3c, the newest stored
 *   snapshot; the v3.9.0 tag itself is not stored): Vpc constructor, createInnerVpc, shouldCreateNatGateway,
 *   compareSubnetSpecs.
 */

export interface ModelledChild {
    type: string;
    name: string;
    /** The parent among the other children; undefined: the component itself. */
    parent?: { type: string; name: string };
    custom: boolean;
    /** Inputs the component gives (the ones the plan and its checks read). */
    inputs: Record<string, unknown>;
    /** Input that carries the physical name, when the component sets it or the provider auto-names it. */
    physicalName?: { key: string; value?: string };
}

type Model = (name: string, inputs: Record<string, unknown>) => ModelledChild[];

/** An unmodelled option: the plan stops instead of listing children that a real preview would not create. */
export class UnmodelledOptionError extends Error {}

function sha1_8(s: string): string {
    return createHash("sha1").update(s).digest("hex").slice(0, 8);
}

/** Fails unless `inputs[key]` has one of the modelled values (undefined = the component's default). */
function expectOption(component: string, inputs: Record<string, unknown>, key: string, allowed: unknown[]): void {
    if (!allowed.some((a) => JSON.stringify(a) === JSON.stringify(inputs[key]))) {
        throw new UnmodelledOptionError(
            `${component}: ${key} = ${JSON.stringify(inputs[key])} is not covered by offline/remoteChildren.ts (modelled: ${allowed.map((a) => JSON.stringify(a)).join(", ")}); read the component's source and extend the model`,
        );
    }
}

/** pulumi-eks servicerole.ts: a component with an auto-named role and one attachment per managed policy. */
function serviceRole(name: string, service: string, actions: string[], policies: string[]): ModelledChild[] {
    return [
        { type: "eks:index:ServiceRole", name, custom: false, inputs: { service } },
        {
            type: "aws:iam/role:Role",
            name: `${name}-role`,
            parent: { type: "eks:index:ServiceRole", name },
            custom: true,
            inputs: { assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Action: actions, Effect: "Allow", Principal: { Service: [service] } }] }) },
            physicalName: { key: "name" },
        },
        ...policies.map((policy) => ({
            type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            // The logical name hashes the aws-partition ARN (`id`), whatever the partition.
            name: `${name}-${sha1_8(`arn:aws:iam::aws:policy/${policy}`)}`,
            parent: { type: "eks:index:ServiceRole", name },
            custom: true,
            inputs: { policyArn: `arn:aws:iam::aws:policy/${policy}` },
        })),
    ];
}

const eksCluster: Model = (name, inputs) => {
    const c = "eks:index:Cluster";
    // The branches this program takes; any other value of these options creates other children.
    expectOption(c, inputs, "skipDefaultNodeGroup", [true]);
    expectOption(c, inputs, "skipDefaultSecurityGroups", [true]);
    expectOption(c, inputs, "authenticationMode", ["API"]);
    expectOption(c, inputs, "fargate", [undefined, false]);
    expectOption(c, inputs, "autoMode", [undefined]);
    expectOption(c, inputs, "createInstanceRole", [undefined, false]);
    expectOption(c, inputs, "instanceRole", [undefined]);
    expectOption(c, inputs, "instanceRoles", [undefined]);
    expectOption(c, inputs, "storageClasses", [undefined]);
    expectOption(c, inputs, "useDefaultVpcCni", [undefined, false]);
    const coredns = inputs.corednsAddonOptions as { enabled?: boolean; configurationValues?: unknown } | undefined;
    if (coredns?.enabled !== false || coredns.configurationValues !== undefined) expectOption(c, inputs, "corednsAddonOptions", [{ enabled: false }]);
    const kubeProxy = (inputs.kubeProxyAddonOptions ?? {}) as { enabled?: boolean; version?: string };
    const vpcCni = (inputs.vpcCniOptions ?? {}) as { addonVersion?: string };

    const children: ModelledChild[] = [
        // createCore: the service role only when none is given.
        ...(inputs.serviceRole === undefined ? serviceRole(`${name}-eksRole`, "eks.amazonaws.com", ["sts:AssumeRole", "sts:TagSession"], ["AmazonEKSClusterPolicy"]) : []),
        {
            type: "aws:eks/cluster:Cluster",
            name: `${name}-eksCluster`,
            custom: true,
            inputs: {
                name: inputs.name,
                version: inputs.version,
                enabledClusterLogTypes: inputs.enabledClusterLogTypes,
                accessConfig: { authenticationMode: inputs.authenticationMode, bootstrapClusterCreatorAdminPermissions: true },
                ...(inputs.encryptionConfigKeyArn ? { encryptionConfig: { provider: { keyArn: inputs.encryptionConfigKeyArn }, resources: ["secrets"] } } : {}),
                vpcConfig: {
                    endpointPrivateAccess: inputs.endpointPrivateAccess,
                    endpointPublicAccess: inputs.endpointPublicAccess,
                    ...(inputs.publicAccessCidrs ? { publicAccessCidrs: inputs.publicAccessCidrs } : {}),
                },
            },
            physicalName: { key: "name", value: typeof inputs.name === "string" ? inputs.name : undefined },
        },
    ];
    if (kubeProxy.enabled !== false) {
        children.push({ type: "aws:eks/addon:Addon", name: `${name}-kube-proxy`, custom: true, inputs: { addonName: "kube-proxy", addonVersion: kubeProxy.version ?? "(most recent for the cluster version)" } });
    }
    children.push({ type: "pulumi:providers:kubernetes", name: `${name}-eks-k8s`, custom: true, inputs: {} });
    for (const [key, entry] of Object.entries((inputs.accessEntries ?? {}) as Record<string, { principalArn?: string; accessPolicies?: Record<string, { policyArn?: string }> }>)) {
        children.push({ type: "aws:eks/accessEntry:AccessEntry", name: `${name}-${key}`, custom: true, inputs: { principalArn: entry.principalArn } });
        for (const [association, policy] of Object.entries(entry.accessPolicies ?? {})) {
            children.push({ type: "aws:eks/accessPolicyAssociation:AccessPolicyAssociation", name: `${name}-${key}-${association}`, parent: { type: "aws:eks/accessEntry:AccessEntry", name: `${name}-${key}` }, custom: true, inputs: { principalArn: entry.principalArn, policyArn: policy.policyArn } });
        }
    }
    children.push(
        { type: "eks:index:VpcCniAddon", name: `${name}-vpc-cni`, custom: false, inputs: {} },
        { type: "aws:eks/addon:Addon", name: `${name}-vpc-cni`, parent: { type: "eks:index:VpcCniAddon", name: `${name}-vpc-cni` }, custom: true, inputs: { addonName: "vpc-cni", addonVersion: vpcCni.addonVersion ?? "(most recent for the cluster version)" } },
    );
    if (inputs.createOidcProvider === true) {
        children.push({ type: "aws:iam/openIdConnectProvider:OpenIdConnectProvider", name: `${name}-oidcProvider`, custom: true, inputs: { clientIdLists: ["sts.amazonaws.com"] } });
    }
    return children;
};

const awsxVpc: Model = (name, inputs) => {
    const c = "awsx:ec2:Vpc";
    expectOption(c, inputs, "subnetStrategy", ["Auto"]);
    expectOption(c, inputs, "vpcEndpointSpecs", [undefined]);
    expectOption(c, inputs, "availabilityZoneNames", [undefined]);
    const azCount = Number(inputs.numberOfAvailabilityZones ?? 3);
    const strategy = String((inputs.natGateways as { strategy?: string } | undefined)?.strategy ?? "OnePerAz").toLowerCase();
    const specs = ((inputs.subnetSpecs ?? []) as Array<{ type: string; name?: string; tags?: Record<string, string> }>)
        .filter((s) => s.type !== "Unused")
        // compareSubnetSpecs: public first, then private, then isolated.
        .sort((a, b) => ["public", "private", "isolated"].indexOf(a.type.toLowerCase()) - ["public", "private", "isolated"].indexOf(b.type.toLowerCase()));
    const children: ModelledChild[] = [
        { type: "aws:ec2/vpc:Vpc", name, custom: true, inputs: { cidrBlock: inputs.cidrBlock } },
        { type: "aws:ec2/internetGateway:InternetGateway", name, parent: { type: "aws:ec2/vpc:Vpc", name }, custom: true, inputs: {} },
    ];
    let natGateways = 0;
    for (let i = 0; i < azCount; i++) {
        for (const spec of specs) {
            const type = spec.type.toLowerCase();
            const subnet = `${name}-${spec.name ?? type}-${i + 1}`;
            const inSubnet = { type: "aws:ec2/subnet:Subnet", name: subnet };
            const inRouteTable = { type: "aws:ec2/routeTable:RouteTable", name: subnet };
            children.push(
                {
                    type: "aws:ec2/subnet:Subnet",
                    name: subnet,
                    parent: { type: "aws:ec2/vpc:Vpc", name },
                    custom: true,
                    // vpc.ts: tags { ...sharedTags ({ Name: vpcName, ...args.tags }), ...spec.tags, Name: nameTag, SubnetType }
                    // (nameTag, subnetNaming.ts: the legacy strategy names the tag as the resource).
                    inputs: { mapPublicIpOnLaunch: type === "public", tags: { ...((inputs.tags ?? {}) as Record<string, string>), ...(spec.tags ?? {}), Name: subnet, SubnetType: spec.type } },
                },
                { type: "aws:ec2/routeTable:RouteTable", name: subnet, parent: inSubnet, custom: true, inputs: {} },
                { type: "aws:ec2/routeTableAssociation:RouteTableAssociation", name: subnet, parent: inRouteTable, custom: true, inputs: {} },
            );
            if (type === "public" && (strategy === "single" ? natGateways < 1 : strategy === "oneperaz" ? natGateways < i + 1 : false)) {
                natGateways++;
                children.push(
                    { type: "aws:ec2/eip:Eip", name: `${name}-${i + 1}`, parent: inSubnet, custom: true, inputs: {} },
                    { type: "aws:ec2/natGateway:NatGateway", name: `${name}-${i + 1}`, parent: inSubnet, custom: true, inputs: {} },
                );
            }
            if (type === "public" || (type === "private" && strategy !== "none")) {
                children.push({ type: "aws:ec2/route:Route", name: subnet, parent: inRouteTable, custom: true, inputs: { destinationCidrBlock: "0.0.0.0/0" } });
            }
        }
    }
    return children;
};

/** Remote component types the program uses, with the model of their children. */
export const REMOTE_CHILD_MODELS: Record<string, Model> = {
    "eks:index:Cluster": eksCluster,
    "awsx:ec2:Vpc": awsxVpc,
};

/** The children a remote component creates; an unknown remote type fails (no silent gap). */
export function remoteChildren(type: string, name: string, inputs: Record<string, unknown>): ModelledChild[] {
    const model = REMOTE_CHILD_MODELS[type];
    if (!model) throw new UnmodelledOptionError(`no model of the children of remote component ${type} (${name}) in offline/remoteChildren.ts`);
    return model(name, inputs);
}
