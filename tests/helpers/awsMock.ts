import { DescribeInstancesCommand, DescribeLaunchTemplatesCommand, DescribeNetworkInterfacesCommand, EC2Client, EC2ServiceException } from "@aws-sdk/client-ec2";
import { IAMClient, ListInstanceProfilesCommand, NoSuchEntityException } from "@aws-sdk/client-iam";
import { mockClient } from "aws-sdk-client-mock";

// One mock per client class for the whole test run: a second mockClient(EC2Client) replaces the first.
export const ec2 = mockClient(EC2Client);
export const iam = mockClient(IAMClient);

/** An account where this cluster left nothing: every listing is empty. */
export function emptyAccount(): void {
    ec2.reset();
    iam.reset();
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [] });
    ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
    iam.on(ListInstanceProfilesCommand).resolves({ InstanceProfiles: [], IsTruncated: false });
}

/** An EC2 error as the SDK raises it (name = the API's error code). */
export function ec2Error(code: string, message: string): EC2ServiceException {
    return new EC2ServiceException({ name: code, $fault: "client", $metadata: { httpStatusCode: 400 }, message });
}

export const throttled = () => ec2Error("RequestLimitExceeded", "Request limit exceeded.");
export const unauthorized = () => ec2Error("UnauthorizedOperation", "You are not authorized to perform this operation.");
export const noSuchEntity = (what: string) => new NoSuchEntityException({ $metadata: { httpStatusCode: 404 }, message: `${what} cannot be found.` });
