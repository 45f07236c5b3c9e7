import {
    DeleteLaunchTemplateCommand,
    DeleteNetworkInterfaceCommand,
    DescribeInstancesCommand,
    DescribeLaunchTemplatesCommand,
    DescribeNetworkInterfacesCommand,
    Filter,
    TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { DeleteInstanceProfileCommand, ListInstanceProfileTagsCommand, ListInstanceProfilesCommand, RemoveRoleFromInstanceProfileCommand } from "@aws-sdk/client-iam";
import { ec2, ec2Error, iam, noSuchEntity } from "./awsMock";

/**
 * A stateful fake of the EC2 and IAM calls the sweep makes, behind aws-sdk-client-mock: what one call changes the
 * next one sees. Filters follow the EC2 API (tag:<key>, tag-key, instance-state-name, instance-id, status);
 * a terminated instance takes its delete-on-termination ENIs with it (the primary ENI, and the VPC CNI's, which it
 * attaches with DeleteOnTermination); deleting an ENI in use fails as EC2 does. Any other call fails.
 */

export type Tags = Record<string, string>;
export interface Instance {
    id: string;
    state: "running" | "shutting-down" | "terminated";
    tags: Tags;
}
export interface NetworkInterface {
    id: string;
    subnetId: string;
    status: "in-use" | "available";
    /** The instance it is attached to, if in use. */
    attachedTo?: string;
    deleteOnTermination: boolean;
    tags: Tags;
}
export interface InstanceProfile {
    name: string;
    roles: string[];
    tags: Tags;
}

export class FakeAws {
    readonly instances = new Map<string, Instance>();
    readonly launchTemplates = new Map<string, { id: string; name: string; tags: Tags }>();
    readonly instanceProfiles = new Map<string, InstanceProfile>();
    readonly networkInterfaces = new Map<string, NetworkInterface>();
    /** Tags of subnets and security groups, by id. */
    readonly resourceTags = new Map<string, Tags>();

    /** Terminating: "shutting-down" now, "terminated" (and its delete-on-termination ENIs gone) on the next look. */
    terminate(id: string): void {
        const i = this.instances.get(id);
        if (i && i.state !== "terminated") i.state = "shutting-down";
    }

    private settle(): void {
        for (const i of this.instances.values()) {
            if (i.state !== "shutting-down") continue;
            i.state = "terminated";
            for (const eni of [...this.networkInterfaces.values()].filter((e) => e.attachedTo === i.id)) {
                if (eni.deleteOnTermination) this.networkInterfaces.delete(eni.id);
                else Object.assign(eni, { status: "available", attachedTo: undefined });
            }
        }
    }

    /** Installs the fake behind the shared EC2 and IAM client mocks. */
    install(): void {
        ec2.reset();
        iam.reset();
        ec2.onAnyCommand().rejects(new Error("FakeAws: call not implemented"));
        iam.onAnyCommand().rejects(new Error("FakeAws: call not implemented"));
        ec2.on(DescribeInstancesCommand).callsFake((input: { Filters?: Filter[] }) => {
            this.settle();
            const found = [...this.instances.values()].filter((i) => matches(input.Filters, { tags: i.tags, "instance-state-name": i.state, "instance-id": i.id }));
            return { Reservations: found.map((i) => ({ Instances: [{ InstanceId: i.id, State: { Name: i.state }, Tags: tagList(i.tags) }] })) };
        });
        ec2.on(TerminateInstancesCommand).callsFake((input: { InstanceIds?: string[] }) => {
            const missing = (input.InstanceIds ?? []).filter((id) => !this.instances.has(id));
            if (missing.length > 0) throw ec2Error("InvalidInstanceID.NotFound", `The instance IDs '${missing.join(", ")}' do not exist`);
            for (const id of input.InstanceIds ?? []) this.terminate(id);
            return { TerminatingInstances: (input.InstanceIds ?? []).map((InstanceId) => ({ InstanceId })) };
        });
        ec2.on(DescribeLaunchTemplatesCommand).callsFake((input: { Filters?: Filter[] }) => ({
            LaunchTemplates: [...this.launchTemplates.values()]
                .filter((lt) => matches(input.Filters, { tags: lt.tags }))
                .map((lt) => ({ LaunchTemplateId: lt.id, LaunchTemplateName: lt.name, Tags: tagList(lt.tags) })),
        }));
        ec2.on(DeleteLaunchTemplateCommand).callsFake((input: { LaunchTemplateId?: string }) => {
            if (!this.launchTemplates.delete(input.LaunchTemplateId ?? "")) throw ec2Error("InvalidLaunchTemplateId.NotFound", `The specified launch template, with template ID ${input.LaunchTemplateId}, does not exist.`);
            return {};
        });
        ec2.on(DescribeNetworkInterfacesCommand).callsFake((input: { Filters?: Filter[] }) => {
            this.settle();
            return {
                NetworkInterfaces: [...this.networkInterfaces.values()]
                    .filter((e) => matches(input.Filters, { tags: e.tags, status: e.status }))
                    .map((e) => ({ NetworkInterfaceId: e.id, Status: e.status, SubnetId: e.subnetId, TagSet: tagList(e.tags) })),
            };
        });
        ec2.on(DeleteNetworkInterfaceCommand).callsFake((input: { NetworkInterfaceId?: string }) => {
            const eni = this.networkInterfaces.get(input.NetworkInterfaceId ?? "");
            if (!eni) throw ec2Error("InvalidNetworkInterfaceID.NotFound", `The networkInterface ID '${input.NetworkInterfaceId}' does not exist`);
            if (eni.status === "in-use") throw ec2Error("InvalidParameterValue", `Network interface '${eni.id}' is currently in use.`);
            this.networkInterfaces.delete(eni.id);
            return {};
        });
        iam.on(ListInstanceProfilesCommand).callsFake(() => ({
            InstanceProfiles: [...this.instanceProfiles.values()].map((p) => ({ InstanceProfileName: p.name, Roles: p.roles.map((RoleName) => ({ RoleName })) })),
            IsTruncated: false,
        }));
        iam.on(ListInstanceProfileTagsCommand).callsFake((input: { InstanceProfileName?: string }) => {
            const profile = this.instanceProfiles.get(input.InstanceProfileName ?? "");
            if (!profile) throw noSuchEntity(`Instance Profile ${input.InstanceProfileName}`);
            return { Tags: tagList(profile.tags) };
        });
        iam.on(RemoveRoleFromInstanceProfileCommand).callsFake((input: { InstanceProfileName?: string; RoleName?: string }) => {
            const profile = this.instanceProfiles.get(input.InstanceProfileName ?? "");
            if (!profile || !profile.roles.includes(input.RoleName ?? "")) throw noSuchEntity(`Instance Profile ${input.InstanceProfileName}`);
            profile.roles = profile.roles.filter((r) => r !== input.RoleName);
            return {};
        });
        iam.on(DeleteInstanceProfileCommand).callsFake((input: { InstanceProfileName?: string }) => {
            const profile = this.instanceProfiles.get(input.InstanceProfileName ?? "");
            if (!profile) throw noSuchEntity(`Instance Profile ${input.InstanceProfileName}`);
            if (profile.roles.length > 0) throw Object.assign(new Error("Cannot delete entity, must remove roles from instance profile first."), { name: "DeleteConflictException" });
            this.instanceProfiles.delete(profile.name);
            return {};
        });
    }
}

function tagList(tags: Tags) {
    return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** EC2 filter semantics: every filter must match; within one, any value. */
function matches(filters: Filter[] | undefined, item: { tags: Tags } & Record<string, unknown>): boolean {
    return (filters ?? []).every((f) => {
        const values = f.Values ?? [];
        if (f.Name === "tag-key") return values.some((k) => k in item.tags);
        if (f.Name?.startsWith("tag:")) {
            const key = f.Name.slice(4);
            return key in item.tags && values.includes(item.tags[key]);
        }
        if (f.Name && f.Name in item) return values.includes(String(item[f.Name]));
        throw new Error(`FakeAws: filter ${f.Name} not implemented`);
    });
}
