import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The version tag the policy pack is published under. pulumiservice.PolicyPack (pinned 1.3.0, provider/pkg/resources/
 * policy_pack.go) fingerprints every entry under its sourcePath (path, mode, content or symlink target; it skips only
 * node_modules, .git and .pulumi) and replaces the pack when that fingerprint changes, because a published version is
 * immutable on Pulumi Cloud; a replacement under the same versionTag is refused. So the tag carries a fingerprint of
 * the same entries: any change the provider sees is a new version, and nothing else (the per-stack configs live in
 * policy-config/, outside the pack, and reach Pulumi Cloud through each PolicyGroup) changes the tag.
 * Tag: `<policies/package.json version>-src.<12 hex digits>`, a semver pre-release, as `pulumi policy publish` uses
 * the package version.
 */

const SKIPPED = new Set(["node_modules", ".git", ".pulumi"]);

/** sha256 over the entries the provider hashes, walked in the provider's (filepath.WalkDir, lexical) order. */
export function packSourceHash(sourcePath: string): string {
    const hash = createHash("sha256");
    const walk = (dir: string, rel: string) => {
        for (const name of fs.readdirSync(dir).sort()) {
            if (SKIPPED.has(name)) continue;
            const full = path.join(dir, name);
            const r = rel ? `${rel}/${name}` : name;
            const st = fs.lstatSync(full);
            hash.update(`${r}\0${st.mode}\0`);
            if (st.isSymbolicLink()) hash.update(fs.readlinkSync(full));
            else if (st.isFile()) hash.update(fs.readFileSync(full));
            else if (st.isDirectory()) walk(full, r);
        }
    };
    walk(sourcePath, "");
    return hash.digest("hex");
}

/** The pack's version tag: package.json's version plus the source fingerprint. */
export function packVersionTag(sourcePath: string): string {
    const version = (JSON.parse(fs.readFileSync(path.join(sourcePath, "package.json"), "utf8")) as { version: string }).version;
    return `${version}-src.${packSourceHash(sourcePath).slice(0, 12)}`;
}
