import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { refersTo } from "./graph";
import { statements } from "./util";

const BUCKETS = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];
const PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const ENCRYPTION = ["aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"];
const ACLS = ["aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"];
const BLOCKS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];
const PUBLIC_ACLS = ["public-read", "public-read-write", "authenticated-read"];

const forBucket = (resources: PolicyResource[], types: string[], bucket: PolicyResource) =>
    resources.filter((r) => types.includes(r.type) && refersTo(r, "bucket", bucket, [bucket.props.bucket, bucket.props.id, bucket.props.arn]));

const isEveryone = (p: unknown) => p === "*" || (!!p && typeof p === "object" && ([] as string[]).concat((p as { AWS?: string | string[] }).AWS ?? []).includes("*"));

export const s3BucketHardening: StackValidationPolicy = {
    name: "s3-bucket-hardening",
    description: "Every S3 bucket blocks public access (all four settings), is encrypted by its own configuration, and has no public ACL or bucket policy.",
    validateStack: (args, report) => {
        for (const bucket of args.resources.filter((r) => BUCKETS.includes(r.type))) {
            const name = bucket.props.bucket ?? bucket.name;
            const blocks = forBucket(args.resources, [PUBLIC_ACCESS_BLOCK], bucket);
            const unblocked = BLOCKS.filter((k) => !blocks.some((b) => b.props[k] === true));
            if (unblocked.length > 0) report(`bucket ${name} has no public access block with ${unblocked.join(", ")}; one policy or ACL edit would publish its objects.`, bucket.urn);
            if (!bucket.props.serverSideEncryptionConfiguration && forBucket(args.resources, ENCRYPTION, bucket).length === 0) {
                report(`bucket ${name} has no server-side encryption configuration; set one (KMS for anything sensitive).`, bucket.urn);
            }
            const acls = [bucket.props.acl, ...forBucket(args.resources, ACLS, bucket).map((a) => a.props.acl)].filter((a) => PUBLIC_ACLS.includes(a));
            if (acls.length > 0) report(`bucket ${name} has the public ACL ${acls.join(", ")}.`, bucket.urn);
            for (const policy of [bucket, ...forBucket(args.resources, ["aws:s3/bucketPolicy:BucketPolicy"], bucket)]) {
                for (const s of statements(policy.props.policy)) {
                    if (s.effect === "Allow" && isEveryone(s.principal)) report(`the policy of bucket ${name} allows ${s.actions.join(", ")} to everyone (Principal "*").`, policy.urn);
                }
            }
        }
    },
};

export const s3Policies = [s3BucketHardening];
