import { AppError } from '../shared/app-error.ts';
import { OrganisationJoinRequest } from './join-request.entity.ts';
import { OrganisationMembership } from './membership.entity.ts';
import type { OrganisationDeps } from './organisation-deps.ts';
import { Organisation } from './organisation.entity.ts';
import { canonicalRegisterNumber, nameKey, postalKey } from './organisation-rules.ts';
import { OrganisationMail, person, recordChange, requireAdmin, requireIds } from './organisation-support.ts';
import { allUuids, OrganisationRepository } from './organisation.repository.ts';

/** What a person enters to ask to join (seed 002: must match the organisation's data exactly). */
export interface JoinData {
  name: string;
  postalCode: string;
  /** Required exactly when the organisation has one. */
  registerNumber?: string;
}

/** One open join request as the admin pages list it. */
export interface JoinRequestView {
  id: string;
  accountId: string;
  givenName: string;
  familyName: string;
  email: string;
  createdAt: Date;
}

/**
 * Join requests (seed 002 "Beitrittsanfrage"). Data that matches no organisation and data that matches one
 * but not in every field get the same answer, `organisation.join_mismatch`, so the form reveals neither
 * which organisations exist nor which field was wrong; the attempts per account are limited.
 */
export class JoinRequestService {
  private readonly deps: OrganisationDeps;
  private readonly mail: OrganisationMail;
  constructor(deps: OrganisationDeps) {
    this.deps = deps;
    this.mail = new OrganisationMail(deps);
  }

  async request(accountId: string, data: JoinData): Promise<{ requestId: string }> {
    // Counted on its own, before the transaction: a refused attempt (rolled back) must count too.
    const allowed = await this.deps.limiter.hit('organisation-join', accountId, this.deps.limits.joinRequestsPerAccount);
    if (!allowed.allowed) throw new AppError('organisation.join_limit', 429);
    return this.deps.em.fork().transactional(async (tx) => {
      if (!(await this.deps.people.personOf(tx, accountId))) throw new AppError('organisation.account_required', 403);
      const found = await new OrganisationRepository(tx).findByJoinData(nameKey(String(data.name ?? '')), postalKey(String(data.postalCode ?? '')));
      const entered = data.registerNumber?.trim() ? (canonicalRegisterNumber(data.registerNumber) ?? data.registerNumber.trim()) : null;
      if (!found || (found.registerNumber ?? null) !== entered) throw new AppError('organisation.join_mismatch', 422);
      if (await tx.findOne(OrganisationMembership, { organisation: found.id, account: accountId })) throw new AppError('organisation.already_member', 409);
      const open = await tx.findOne(OrganisationJoinRequest, { organisation: found.id, account: accountId, status: 'pending' });
      if (open) return { requestId: open.id };
      const row = tx.create(OrganisationJoinRequest, {
        organisation: found.id,
        account: accountId,
        status: 'pending',
        decidedBy: null,
        decidedAt: null,
        createdAt: this.deps.clock.now(),
      });
      recordChange(this.deps, tx, person(accountId), 'organisation.join_requested', found.id, { request: row.id });
      return { requestId: row.id };
    });
  }

  /** The person's own open join requests (Mein Bereich shows them until an admin decides). */
  async mine(accountId: string): Promise<Array<{ id: string; organisationName: string; createdAt: Date }>> {
    if (!allUuids(accountId)) return [];
    const rows = await this.deps.em
      .fork()
      .find(OrganisationJoinRequest, { account: accountId, status: 'pending' }, { populate: ['organisation'], orderBy: { createdAt: 'asc' } });
    return rows.map((row) => ({ id: row.id, organisationName: row.organisation.name, createdAt: row.createdAt }));
  }

  /** The organisation's open join requests, for its admins. */
  async pending(actorId: string, organisationId: string): Promise<JoinRequestView[]> {
    const em = this.deps.em.fork();
    await requireAdmin(em, organisationId, actorId);
    const rows = await em.find(OrganisationJoinRequest, { organisation: organisationId, status: 'pending' }, { orderBy: { createdAt: 'asc' } });
    const views: JoinRequestView[] = [];
    for (const row of rows) {
      const found = await this.deps.people.personOf(em, row.account.id);
      if (found)
        views.push({ id: row.id, accountId: found.id, givenName: found.givenName, familyName: found.familyName, email: found.email, createdAt: row.createdAt });
    }
    return views;
  }

  /** Accepts: the requester becomes a member (no services, no roles yet) and is told by mail. */
  accept(actorId: string, organisationId: string, requestId: string): Promise<void> {
    return this.decide(actorId, organisationId, requestId, 'accepted');
  }

  /** Rejects: the requester is told by mail. */
  reject(actorId: string, organisationId: string, requestId: string): Promise<void> {
    return this.decide(actorId, organisationId, requestId, 'rejected');
  }

  private async decide(actorId: string, organisationId: string, requestId: string, status: 'accepted' | 'rejected'): Promise<void> {
    requireIds('organisation.unknown_request', requestId, organisationId);
    await this.deps.em.fork().transactional(async (tx) => {
      await requireAdmin(tx, organisationId, actorId);
      const row = await tx.findOne(OrganisationJoinRequest, { id: requestId, organisation: organisationId, status: 'pending' });
      if (!row) throw new AppError('organisation.unknown_request', 404);
      const now = this.deps.clock.now();
      Object.assign(row, { status, decidedBy: actorId, decidedAt: now });
      const requester = row.account.id;
      if (status === 'accepted' && !(await tx.findOne(OrganisationMembership, { organisation: organisationId, account: requester }))) {
        tx.create(OrganisationMembership, { organisation: organisationId, account: requester, role: 'member', createdAt: now });
        recordChange(this.deps, tx, person(actorId), 'organisation.member_added', organisationId, { member: requester, role: 'member', via: 'join_request' });
      }
      recordChange(this.deps, tx, person(actorId), status === 'accepted' ? 'organisation.join_accepted' : 'organisation.join_rejected', organisationId, {
        request: row.id,
        member: requester,
      });
      const organisation = await tx.findOneOrFail(Organisation, { id: organisationId });
      await this.mail.toAccount(tx, requester, status === 'accepted' ? 'organisation-join-accepted' : 'organisation-join-rejected', {
        organisation: organisation.name,
      });
    });
    this.deps.outbox.written();
  }
}
