import { expect } from "chai";
import { irsaTrustPolicy } from "../components/karpenter/controllerPolicy";

/**
 * IAM's condition keys for an OIDC provider are its issuer without the scheme: `<host/path>:sub`, `<host/path>:aud`
 * (IAM User Guide, "Available keys for AWS web identity federation"). EKS reports the issuer as
 * https://oidc.eks.<region>.amazonaws.com/id/<ID>; pulumi-eks's oidcProviderUrl omits the scheme.
 */
describe("IRSA trust policy (facts from IAM's OIDC condition keys)", () => {
    const arn = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF";
    const issuer = "oidc.eks.us-west-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF";
    const expected = {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Federated: arn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: { StringEquals: { [`${issuer}:aud`]: "sts.amazonaws.com", [`${issuer}:sub`]: "system:serviceaccount:kube-system:karpenter" } },
            },
        ],
    };

    it("keys the conditions on the issuer without https://, whichever form the URL comes in", () => {
        expect(irsaTrustPolicy(arn, `https://${issuer}`, "kube-system", "karpenter")).to.deep.equal(expected);
        expect(irsaTrustPolicy(arn, issuer, "kube-system", "karpenter")).to.deep.equal(expected);
    });

    it("strips only a leading scheme", () => {
        const odd = "oidc.example.com/https://x";
        const keys = Object.keys(irsaTrustPolicy(arn, odd, "ns", "sa").Statement[0].Condition!.StringEquals as object);
        expect(keys).to.deep.equal([`${odd}:aud`, `${odd}:sub`]);
    });
});
