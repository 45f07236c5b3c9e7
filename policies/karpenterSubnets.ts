import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { tagTarget } from "./graph";
import { knownProp, objectName } from "./util";

/**
 * Which subnets of the stack are public, as tag sets and ids: the awsx VPC's Public subnet specs (with the
 * ids it reports), tags the stack puts on existing public subnets, and plain subnets that assign public IPs.
 */
function publicSubnets(resources: PolicyResource[]): { tagSets: Array<Record<string, string>>; ids: string[] } {
    const tagSets: Array<Record<string, string>> = [];
    const ids: string[] = [];
    for (const r of resources) {
        // awsx's Vpc (its Public subnet specs and ids) and DefaultVpc (the default VPC's public subnet ids).
        if (r.type === "awsx:ec2:Vpc" || r.type === "awsx:ec2:DefaultVpc") {
            for (const spec of (r.props.subnetSpecs ?? []) as Array<{ type: string; tags?: Record<string, string> }>) if (spec.type === "Public") tagSets.push(spec.tags ?? {});
            // Unknown at a first preview: the subnets do not exist yet, so no id a selector names can be theirs.
            ids.push(...((knownProp(r.props, "publicSubnetIds") as string[] | undefined) ?? []));
        }
        // A default VPC's subnets (aws:ec2/defaultSubnet) map public IPs too.
        if ((r.type === "aws:ec2/subnet:Subnet" || r.type === "aws:ec2/defaultSubnet:DefaultSubnet") && r.props.mapPublicIpOnLaunch === true) {
            tagSets.push(r.props.tags ?? {});
            ids.push(r.props.id);
        }
    }
    // Tags the stack adds to existing subnets: a subnet tagged like a public one (kubernetes.io/role/elb) is public.
    const tagged = new Map<string, Record<string, string>>();
    for (const r of resources.filter((x) => x.type === "aws:ec2/tag:Tag" && tagTarget(x) === "subnet")) {
        // A subnet's tags are grouped by its id: one unknown at a preview stops the policy (read, it raises).
        const id = String(r.props.resourceId);
        tagged.set(id, { ...(tagged.get(id) ?? {}), [r.props.key]: r.props.value });
    }
    for (const [id, tags] of tagged) {
        if (tags["kubernetes.io/role/elb"] !== undefined) {
            tagSets.push(tags);
            ids.push(id);
        }
    }
    return { tagSets, ids };
}

/**
 * An EC2 filter value as a pattern (EC2 API reference, `Filter`): `*` matches any run of characters, `?` exactly
 * one, a backslash makes the next character literal; everything else, and the comparison, is literal and
 * case-sensitive. Karpenter passes a term's tag values to EC2 as such filter values.
 */
function filterValue(value: string): RegExp {
    const source = value.replace(/\\(.)|\*|\?|[.+^${}()|[\]\\]/g, (token, escaped?: string) =>
        escaped !== undefined ? escaped.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") : token === "*" ? ".*" : token === "?" ? "." : `\\${token}`,
    );
    return new RegExp(`^${source}$`);
}

/**
 * Whether a selector term selects a subnet with these tags (Karpenter v1 getFilterSets: one EC2 filter per tag,
 * ANDed; "*" selects any value of the key; a term without tags adds no filter and selects nothing).
 */
const termMatches = (terms: Record<string, string>, tags: Record<string, string>) =>
    Object.keys(terms).length > 0 && Object.entries(terms).every(([k, v]) => tags[k] !== undefined && filterValue(v).test(tags[k]));

export const nodeClassPrivateSubnets: StackValidationPolicy = {
    name: "karpenter-nodeclass-private-subnets",
    description: "No EC2NodeClass subnet selector term reaches a public subnet (by id, or by tags a public subnet carries).",
    validateStack: (args, report) => {
        const { tagSets, ids } = publicSubnets(args.resources);
        for (const nc of args.resources.filter((r) => r.type === "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass")) {
            const name = objectName(nc.props);
            for (const term of (nc.props.spec?.subnetSelectorTerms ?? []) as Array<{ id?: string; tags?: Record<string, string> }>) {
                if (term.id && ids.includes(term.id)) report(`EC2NodeClass ${name} selects public subnet ${term.id}; nodes there would get public addresses next to the load balancers.`, nc.urn);
                if (term.tags && tagSets.some((tags) => termMatches(term.tags!, tags))) {
                    report(`EC2NodeClass ${name} selects subnets tagged ${JSON.stringify(term.tags)}, which public subnets carry; select the private subnets only.`, nc.urn);
                }
            }
        }
    },
};
