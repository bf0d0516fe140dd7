import type { EntityManager } from '@mikro-orm/sql';
import type { ServiceTerms } from '../clients/index.ts';
import { AppError } from '../shared/app-error.ts';
import type { Actor, OrganisationDeps } from './organisation-deps.ts';
import { Organisation } from './organisation.entity.ts';
import { OrganisationMail, person, recordChange, requireAdmin } from './organisation-support.ts';
import { allUuids, OrganisationRepository } from './organisation.repository.ts';
import { OrganisationRoleRequest } from './role-request.entity.ts';
import { OrganisationServiceAssignment, OrganisationSubscription, type SubscriptionStatus } from './service.entity.ts';

/** One service of an organisation, as its admins see it. */
export interface SubscriptionView {
  clientId: string;
  name: string;
  status: SubscriptionStatus;
  roles: ServiceTerms['roles'];
  approval: ServiceTerms['approval'];
  createdAt: Date;
  decidedAt: Date | null;
}

/** A subscription and its organisation, as the operator's list shows it. */
export interface SubscriptionListing {
  organisationId: string;
  organisationName: string;
  clientId: string;
  status: SubscriptionStatus;
  createdAt: Date;
}

/**
 * An organisation's services (seed 001 "Online-Dienstverwaltung"): automatically approved ones are usable at
 * once; the others after the client's responsible authority approved, and the admins get a mail then.
 */
export class SubscriptionService {
  private readonly deps: OrganisationDeps;
  private readonly mail: OrganisationMail;
  constructor(deps: OrganisationDeps) {
    this.deps = deps;
    this.mail = new OrganisationMail(deps);
  }

  /** Subscribes to a service; pending approval when the client says so (its authority is told by mail). */
  async subscribe(actorId: string, organisationId: string, clientId: string): Promise<{ status: SubscriptionStatus }> {
    const terms = await this.deps.services(clientId);
    if (!terms) throw new AppError('organisation.unknown_service', 404);
    const result = await this.deps.em.fork().transactional(async (tx) => {
      await requireAdmin(tx, organisationId, actorId);
      const existing = await tx.findOne(OrganisationSubscription, { organisation: organisationId, clientId });
      if (existing && existing.status !== 'rejected') return { status: existing.status };
      const automatic = terms.approval === 'automatic';
      const now = this.deps.clock.now();
      const status: SubscriptionStatus = automatic ? 'approved' : 'pending';
      const fields = { status, decidedBy: automatic ? 'automatic' : null, decidedAt: automatic ? now : null };
      if (existing) Object.assign(existing, fields, { createdAt: now });
      else tx.create(OrganisationSubscription, { organisation: organisationId, clientId, ...fields, createdAt: now });
      recordChange(this.deps, tx, person(actorId), 'organisation.subscribed', organisationId, { status }, clientId);
      if (!automatic && terms.authorityEmail) {
        const organisation = await tx.findOneOrFail(Organisation, { id: organisationId });
        await this.mail.toAddress(tx, terms.authorityEmail, 'de', 'organisation-service-requested', {
          organisation: organisation.name,
          organisationId,
          service: terms.name,
          clientId,
        });
      }
      return { status };
    });
    this.deps.outbox.written();
    return result;
  }

  /** Ends the organisation's use of a service: its assignments and open role requests go too. */
  async unsubscribe(actorId: string, organisationId: string, clientId: string): Promise<void> {
    await this.deps.em.fork().transactional(async (tx) => {
      await requireAdmin(tx, organisationId, actorId);
      const removed = await tx.nativeDelete(OrganisationSubscription, { organisation: organisationId, clientId });
      if (!removed) throw new AppError('organisation.unknown_service', 404);
      await tx.nativeDelete(OrganisationServiceAssignment, { organisation: organisationId, clientId });
      await tx.nativeDelete(OrganisationRoleRequest, { organisation: organisationId, clientId, status: 'pending' });
      recordChange(this.deps, tx, person(actorId), 'organisation.unsubscribed', organisationId, {}, clientId);
    });
  }

  /** The organisation's services with their catalogues, for its admins (and its members' role requests). */
  async subscriptions(actorId: string, organisationId: string): Promise<SubscriptionView[]> {
    const em = this.deps.em.fork();
    const rows = await this.rowsFor(em, organisationId, actorId);
    const views: SubscriptionView[] = [];
    for (const row of rows) {
      const terms = await this.deps.services(row.clientId);
      if (!terms) continue;
      views.push({
        clientId: row.clientId,
        name: terms.name,
        status: row.status,
        roles: terms.roles,
        approval: terms.approval,
        createdAt: row.createdAt,
        decidedAt: row.decidedAt ?? null,
      });
    }
    return views;
  }

  /**
   * The responsible authority's decision (the CLI for now, actor `operator`). Approving a pending or
   * rejected subscription makes the service usable; the admins are told by mail either way.
   */
  async decide(actor: Actor, organisationId: string, clientId: string, decision: 'approved' | 'rejected'): Promise<void> {
    if (!allUuids(organisationId)) throw new AppError('organisation.unknown_subscription', 404);
    const terms = await this.deps.services(clientId);
    await this.deps.em.fork().transactional(async (tx) => {
      const row = await tx.findOne(OrganisationSubscription, { organisation: organisationId, clientId }, { populate: ['organisation'] });
      if (!row) throw new AppError('organisation.unknown_subscription', 404);
      if (row.status === decision) return;
      Object.assign(row, { status: decision, decidedBy: actor.kind === 'operator' ? 'operator' : actor.accountId, decidedAt: this.deps.clock.now() });
      recordChange(
        this.deps,
        tx,
        actor,
        decision === 'approved' ? 'organisation.subscription_approved' : 'organisation.subscription_rejected',
        organisationId,
        {},
        clientId,
      );
      await this.mail.toAdmins(tx, organisationId, decision === 'approved' ? 'organisation-service-approved' : 'organisation-service-rejected', {
        organisation: row.organisation.name,
        service: terms?.name ?? clientId,
      });
    });
    this.deps.outbox.written();
  }

  /** Every subscription, optionally only one status or one organisation: the operator's list. */
  async list(filter: { status?: SubscriptionStatus; organisationId?: string } = {}): Promise<SubscriptionListing[]> {
    const rows = await this.deps.em
      .fork()
      .find(
        OrganisationSubscription,
        { ...(filter.status ? { status: filter.status } : {}), ...(filter.organisationId ? { organisation: filter.organisationId } : {}) },
        { populate: ['organisation'], orderBy: { createdAt: 'asc' } },
      );
    return rows.map((row) => ({
      organisationId: row.organisation.id,
      organisationName: row.organisation.name,
      clientId: row.clientId,
      status: row.status,
      createdAt: row.createdAt,
    }));
  }

  /** Admins see every subscription; members (choosing roles to request) only the approved ones. */
  private async rowsFor(em: EntityManager, organisationId: string, actorId: string): Promise<OrganisationSubscription[]> {
    const membership = await new OrganisationRepository(em).membership(organisationId, actorId);
    if (!membership) throw new AppError('organisation.not_member', 403);
    return em.find(
      OrganisationSubscription,
      { organisation: organisationId, ...(membership.role === 'admin' ? {} : { status: 'approved' as const }) },
      { orderBy: { createdAt: 'asc' } },
    );
  }
}
