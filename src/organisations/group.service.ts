import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';
import { freeTextProblem } from '../accounts/index.ts';
import { AppError } from '../shared/app-error.ts';
import { OrganisationGroup, OrganisationGroupMember } from './group.entity.ts';
import { OrganisationMembership } from './membership.entity.ts';
import type { OrganisationDeps } from './organisation-deps.ts';
import { person, recordChange, requireAdmin, requireIds } from './organisation-support.ts';
import { OrganisationServiceAssignment } from './service.entity.ts';

/** A group as the admin pages show it. */
export interface GroupView {
  id: string;
  name: string;
  members: string[];
  services: Array<{ clientId: string; roles: string[] }>;
}

/** 1–60 characters of free text; the same rules as other text people type in for others to see. */
function groupName(name: string): string {
  const value = name.trim().replace(/\s+/g, ' ');
  if (!value || value.length > 60) throw new AppError('organisation.group_name_invalid', 400);
  if (freeTextProblem(value)) throw new AppError('organisation.group_name_invalid', 400, [freeTextProblem(value)!]);
  return value;
}

/**
 * Groups (seed 001 "Gruppenverwaltung"): rename, add and remove members, give or take whole services
 * (through {@link AssignmentService} with a `groupId` target), delete.
 */
export class GroupService {
  private readonly deps: OrganisationDeps;
  constructor(deps: OrganisationDeps) {
    this.deps = deps;
  }

  async create(actorId: string, organisationId: string, name: string): Promise<{ groupId: string }> {
    const value = groupName(name);
    return this.write(async (tx) => {
      await requireAdmin(tx, organisationId, actorId);
      const group = tx.create(OrganisationGroup, { organisation: organisationId, name: value, createdAt: this.deps.clock.now() });
      await tx.flush();
      recordChange(this.deps, tx, person(actorId), 'organisation.group_created', organisationId, { group: group.id, name: value });
      return { groupId: group.id };
    });
  }

  async rename(actorId: string, organisationId: string, groupId: string, name: string): Promise<void> {
    const value = groupName(name);
    await this.write(async (tx) => {
      const group = await this.groupOf(tx, organisationId, groupId, actorId);
      recordChange(this.deps, tx, person(actorId), 'organisation.group_renamed', organisationId, { group: groupId, from: group.name, to: value });
      group.name = value;
      await tx.flush();
    });
  }

  /** Deletes the group; its members stay members, its services and roles no longer reach them through it. */
  async remove(actorId: string, organisationId: string, groupId: string): Promise<void> {
    await this.write(async (tx) => {
      const group = await this.groupOf(tx, organisationId, groupId, actorId);
      recordChange(this.deps, tx, person(actorId), 'organisation.group_deleted', organisationId, { group: groupId, name: group.name });
      await tx.nativeDelete(OrganisationGroup, { id: groupId });
    });
  }

  async addMember(actorId: string, organisationId: string, groupId: string, accountId: string): Promise<void> {
    await this.write(async (tx) => {
      await this.groupOf(tx, organisationId, groupId, actorId);
      requireIds('organisation.unknown_member', accountId);
      const membership = await tx.findOne(OrganisationMembership, { organisation: organisationId, account: accountId });
      if (!membership) throw new AppError('organisation.unknown_member', 404);
      if (await tx.findOne(OrganisationGroupMember, { group: groupId, membership })) return;
      tx.create(OrganisationGroupMember, { group: groupId, membership });
      recordChange(this.deps, tx, person(actorId), 'organisation.group_member_added', organisationId, { group: groupId, member: accountId });
    });
  }

  async removeMember(actorId: string, organisationId: string, groupId: string, accountId: string): Promise<void> {
    await this.write(async (tx) => {
      await this.groupOf(tx, organisationId, groupId, actorId);
      requireIds('organisation.unknown_member', accountId);
      const membership = await tx.findOne(OrganisationMembership, { organisation: organisationId, account: accountId });
      const removed = membership ? await tx.nativeDelete(OrganisationGroupMember, { group: groupId, membership }) : 0;
      if (removed) recordChange(this.deps, tx, person(actorId), 'organisation.group_member_removed', organisationId, { group: groupId, member: accountId });
    });
  }

  /** The organisation's groups with members (account ids) and services, for its admins. */
  async groups(actorId: string, organisationId: string): Promise<GroupView[]> {
    const em = this.deps.em.fork();
    await requireAdmin(em, organisationId, actorId);
    const groups = await em.find(OrganisationGroup, { organisation: organisationId }, { orderBy: { name: 'asc' } });
    const members = await em.find(OrganisationGroupMember, { group: { $in: groups.map((group) => group.id) } }, { populate: ['membership'] });
    const services = await em.find(OrganisationServiceAssignment, { group: { $in: groups.map((group) => group.id) } }, { orderBy: { clientId: 'asc' } });
    return groups.map((group) => ({
      id: group.id,
      name: group.name,
      members: members.filter((row) => row.group.id === group.id).map((row) => row.membership.account.id),
      services: services.filter((row) => row.group?.id === group.id).map((row) => ({ clientId: row.clientId, roles: row.roles })),
    }));
  }

  private async groupOf(tx: EntityManager, organisationId: string, groupId: string, actorId: string): Promise<OrganisationGroup> {
    await requireAdmin(tx, organisationId, actorId);
    requireIds('organisation.unknown_group', groupId);
    const group = await tx.findOne(OrganisationGroup, { id: groupId, organisation: organisationId });
    if (!group) throw new AppError('organisation.unknown_group', 404);
    return group;
  }

  /** A transaction whose unique-name clash becomes `organisation.group_name_taken`. */
  private async write<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.deps.em.fork().transactional(work);
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw new AppError('organisation.group_name_taken', 409);
      throw error;
    }
  }
}
