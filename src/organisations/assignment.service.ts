import type { EntityManager } from '@mikro-orm/sql';
import type { ServiceTerms } from '../clients/index.ts';
import { AppError } from '../shared/app-error.ts';
import { OrganisationGroup } from './group.entity.ts';
import { OrganisationMembership } from './membership.entity.ts';
import type { OrganisationDeps } from './organisation-deps.ts';
import { person, recordChange, requireAdmin, requireIds } from './organisation-support.ts';
import { OrganisationRepository } from './organisation.repository.ts';
import { OrganisationServiceAssignment } from './service.entity.ts';

/** Whom a service is given to: one member (by account) or one group. */
export type AssignmentTarget = { accountId: string } | { groupId: string };

/** One service given to a member or group, with its roles. */
export interface AssignmentView {
  clientId: string;
  roles: string[];
  /** Given directly, or through the named group. */
  via: { kind: 'direct' } | { kind: 'group'; groupId: string; groupName: string };
}

/**
 * The roles a service's catalogue has; any other key is refused (`organisation.unknown_role`), so nothing
 * outside the client's catalogue can ever reach its tokens.
 */
export function checkRoles(terms: ServiceTerms | undefined, roles: string[]): string[] {
  if (!terms) throw new AppError('organisation.unknown_service', 404);
  const known = new Set(terms.roles.map((role) => role.key));
  const unknown = roles.filter((role) => !known.has(role));
  if (unknown.length) throw new AppError('organisation.unknown_role', 400, unknown);
  return [...new Set(roles)].sort();
}

/** Seed 001: services and roles are given only once the organisation's use of the service is approved. */
export async function requireApproved(tx: EntityManager, organisationId: string, clientId: string): Promise<void> {
  const status = await new OrganisationRepository(tx).subscriptionStatus(organisationId, clientId);
  if (status !== 'approved') throw new AppError(status === 'pending' ? 'organisation.service_pending' : 'organisation.service_not_subscribed', 409);
}

/** Gives services and their roles to members and groups (seed 001 "Berechtigt" / "Zusätzliche Rollen"). */
export class AssignmentService {
  private readonly deps: OrganisationDeps;
  constructor(deps: OrganisationDeps) {
    this.deps = deps;
  }

  /** Gives the service with exactly these roles (replacing the target's previous ones for it). */
  async assign(actorId: string, organisationId: string, target: AssignmentTarget, clientId: string, roles: string[]): Promise<void> {
    const checked = checkRoles(await this.deps.services(clientId), roles);
    await this.deps.em.fork().transactional(async (tx) => {
      await requireAdmin(tx, organisationId, actorId);
      await requireApproved(tx, organisationId, clientId);
      const holder = await this.holderOf(tx, organisationId, target);
      const row = await tx.findOne(OrganisationServiceAssignment, { ...holder, clientId });
      const before = row?.roles ?? null;
      if (row) row.roles = checked;
      else tx.create(OrganisationServiceAssignment, { organisation: organisationId, ...holder, clientId, roles: checked, updatedAt: this.deps.clock.now() });
      recordChange(
        this.deps,
        tx,
        person(actorId),
        'organisation.roles_assigned',
        organisationId,
        { target: describe(target), before, roles: checked },
        clientId,
      );
    });
  }

  /** Takes the service (and its roles) away from the target. */
  async unassign(actorId: string, organisationId: string, target: AssignmentTarget, clientId: string): Promise<void> {
    await this.deps.em.fork().transactional(async (tx) => {
      await requireAdmin(tx, organisationId, actorId);
      const holder = await this.holderOf(tx, organisationId, target);
      const row = await tx.findOne(OrganisationServiceAssignment, { ...holder, clientId });
      if (!row) return;
      recordChange(
        this.deps,
        tx,
        person(actorId),
        'organisation.roles_assigned',
        organisationId,
        { target: describe(target), before: row.roles, roles: null },
        clientId,
      );
      tx.remove(row);
    });
  }

  /** A member's services, directly and through groups; for the organisation's admins and the member. */
  async assignmentsOf(actorId: string, organisationId: string, accountId: string): Promise<AssignmentView[]> {
    const em = this.deps.em.fork();
    if (actorId !== accountId) await requireAdmin(em, organisationId, actorId);
    const membership = await new OrganisationRepository(em).membership(organisationId, accountId);
    if (!membership) throw new AppError(actorId === accountId ? 'organisation.not_member' : 'organisation.unknown_member', 403);
    const rows = await em.execute<Array<{ client_id: string; roles: string[]; group_id: string | null; group_name: string | null }>>(
      `select a.client_id, a.roles, g.id as group_id, g.name as group_name
         from organisation_service_assignment a
         left join organisation_group g on g.id = a.group_id
        where a.membership_id = ? or a.group_id in (select group_id from organisation_group_member where membership_id = ?)
        order by a.client_id, g.name nulls first`,
      [membership.id, membership.id],
      'all',
    );
    return rows.map((row) => ({
      clientId: row.client_id,
      roles: row.roles,
      via: row.group_id ? { kind: 'group', groupId: row.group_id, groupName: row.group_name ?? '' } : { kind: 'direct' },
    }));
  }

  /** The membership or group the target names, checked to belong to this organisation. */
  private async holderOf(tx: EntityManager, organisationId: string, target: AssignmentTarget): Promise<{ membership: string } | { group: string }> {
    requireIds(`organisation.unknown_${'groupId' in target ? 'group' : 'member'}`, 'groupId' in target ? target.groupId : target.accountId);
    if ('groupId' in target) {
      if (!(await tx.findOne(OrganisationGroup, { id: target.groupId, organisation: organisationId }))) throw new AppError('organisation.unknown_group', 404);
      return { group: target.groupId };
    }
    const membership = await tx.findOne(OrganisationMembership, { organisation: organisationId, account: target.accountId });
    if (!membership) throw new AppError('organisation.unknown_member', 404);
    return { membership: membership.id };
  }
}

function describe(target: AssignmentTarget): Record<string, string> {
  return 'groupId' in target ? { group: target.groupId } : { member: target.accountId };
}
