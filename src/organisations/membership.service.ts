import type { EntityManager } from '@mikro-orm/sql';
import { AppError } from '../shared/app-error.ts';
import { OrganisationMembership, type MembershipRole } from './membership.entity.ts';
import { withdrawInvitationsBy } from './invitation.service.ts';
import { OrganisationChoice } from './organisation-choice.entity.ts';
import type { OrganisationDeps } from './organisation-deps.ts';
import { person, recordChange, requireAdmin, requireIds, requireMember, requireOfAge } from './organisation-support.ts';
import { OrganisationRepository } from './organisation.repository.ts';

/** One member as the admin pages list them. */
export interface MemberView {
  accountId: string;
  role: MembershipRole;
  givenName: string;
  familyName: string;
  email: string;
  since: Date;
}

/**
 * Admins and members (seed 001: any number of admins with equal rights; the last admin can neither leave nor
 * be removed nor demoted, seed 001 "kann … nicht gelöscht werden").
 */
export class MembershipService {
  private readonly deps: OrganisationDeps;
  constructor(deps: OrganisationDeps) {
    this.deps = deps;
  }

  /** The organisation's members, admins first; for its admins. */
  async members(actorId: string, organisationId: string): Promise<MemberView[]> {
    const em = this.deps.em.fork();
    await requireAdmin(em, organisationId, actorId);
    const rows = await em.find(OrganisationMembership, { organisation: organisationId }, { orderBy: { role: 'asc', createdAt: 'asc' } });
    const views: MemberView[] = [];
    for (const row of rows) {
      const found = await this.deps.people.personOf(em, row.account.id);
      if (found)
        views.push({ accountId: found.id, role: row.role, givenName: found.givenName, familyName: found.familyName, email: found.email, since: row.createdAt });
    }
    return views;
  }

  /** The person leaves the organisation; the last admin cannot (`organisation.last_admin`). */
  async leave(accountId: string, organisationId: string): Promise<void> {
    await this.deps.em.fork().transactional(async (tx) => {
      await new OrganisationRepository(tx).lock(organisationId);
      const membership = await requireMember(tx, organisationId, accountId);
      await this.dropMembership(tx, organisationId, membership, accountId);
      recordChange(this.deps, tx, person(accountId), 'organisation.member_left', organisationId, { member: accountId, role: membership.role });
      if (membership.role === 'admin') await withdrawInvitationsBy(this.deps, tx, person(accountId), organisationId, accountId);
    });
  }

  /** An admin removes a member (or another admin, or themselves); never the last admin. */
  async remove(actorId: string, organisationId: string, memberId: string): Promise<void> {
    requireIds('organisation.unknown_member', memberId);
    await this.deps.em.fork().transactional(async (tx) => {
      // Lock first (dropMembership locks again, a no-op): the check and the member's role are read after it.
      await new OrganisationRepository(tx).lock(organisationId);
      await requireAdmin(tx, organisationId, actorId);
      const membership = await new OrganisationRepository(tx).membership(organisationId, memberId);
      if (!membership) throw new AppError('organisation.unknown_member', 404);
      await this.dropMembership(tx, organisationId, membership, memberId);
      recordChange(this.deps, tx, person(actorId), 'organisation.member_removed', organisationId, { member: memberId, role: membership.role });
      if (membership.role === 'admin') await withdrawInvitationsBy(this.deps, tx, person(actorId), organisationId, memberId);
    });
  }

  /**
   * Makes a member an admin (who must be of age) or an admin a member (never the last one). An admin is no
   * user of any service by being admin (seed 002): the assignments stay as they are.
   */
  async setRole(actorId: string, organisationId: string, memberId: string, role: MembershipRole): Promise<void> {
    requireIds('organisation.unknown_member', memberId);
    if (role === 'admin') {
      // Who may ask comes first; the age check reads on its own connection, before the transaction.
      await requireAdmin(this.deps.em.fork(), organisationId, actorId);
      await requireOfAge(this.deps, memberId);
    }
    await this.deps.em.fork().transactional(async (tx) => {
      // Lock first, then check who asks: an admin demoted by a concurrent change acts no more.
      const repository = new OrganisationRepository(tx);
      await repository.lock(organisationId);
      await requireAdmin(tx, organisationId, actorId);
      const row = await tx.findOne(OrganisationMembership, { organisation: organisationId, account: memberId });
      if (!row) throw new AppError('organisation.unknown_member', 404);
      if (row.role === role) return;
      if (row.role === 'admin' && (await repository.adminCount(organisationId)) <= 1) throw new AppError('organisation.last_admin', 409);
      recordChange(this.deps, tx, person(actorId), 'organisation.member_role_changed', organisationId, { member: memberId, from: row.role, to: role });
      if (row.role === 'admin') await withdrawInvitationsBy(this.deps, tx, person(actorId), organisationId, memberId);
      row.role = role;
    });
  }

  /** Removes a membership (its group memberships, assignments and role requests cascade), keeping one admin. */
  private async dropMembership(tx: EntityManager, organisationId: string, membership: { id: string; role: MembershipRole }, accountId: string): Promise<void> {
    const repository = new OrganisationRepository(tx);
    await repository.lock(organisationId);
    if (membership.role === 'admin' && (await repository.adminCount(organisationId)) <= 1) throw new AppError('organisation.last_admin', 409);
    await tx.nativeDelete(OrganisationMembership, { id: membership.id, account: accountId });
    // A remembered login choice of an organisation one left would point nowhere.
    await tx.nativeDelete(OrganisationChoice, { account: accountId, organisation: organisationId });
  }
}
