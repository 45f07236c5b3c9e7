import type { ResourceValidationPolicy } from "@pulumi/policy";
import { statements } from "./util";

/** Key specs AWS KMS can rotate automatically (symmetric encryption keys). */
const ROTATABLE = [undefined, "SYMMETRIC_DEFAULT"];

export const kmsKeyHardening: ResourceValidationPolicy = {
    name: "kms-key-hardening",
    description: "Symmetric KMS keys rotate yearly, and no key policy allows everyone (Principal \"*\").",
    validateResource: (args, report) => {
        if (args.type !== "aws:kms/key:Key" && args.type !== "aws:kms/keyPolicy:KeyPolicy") return;
        const label = args.props.description ?? args.name;
        if (args.type === "aws:kms/key:Key" && ROTATABLE.includes(args.props.customerMasterKeySpec ?? args.props.keySpec) && args.props.enableKeyRotation !== true) {
            report(`KMS key "${label}" does not rotate (enableKeyRotation is ${args.props.enableKeyRotation ?? "unset"}); a leaked key version stays valid forever.`);
        }
        for (const s of statements(args.props.policy)) {
            const p = s.principal as "*" | { AWS?: string | string[] } | undefined;
            if (s.effect === "Allow" && (p === "*" || (p && typeof p === "object" && ([] as string[]).concat(p.AWS ?? []).includes("*")))) {
                report(`the policy of KMS key "${label}" allows ${s.actions.join(", ")} to everyone (Principal "*"); name the account or roles.`);
            }
        }
    },
};

export const kmsPolicies = [kmsKeyHardening];
