import { AppError } from '../shared/app-error.ts';
import { hasInvisibleCharacters } from '../accounts/index.ts';
import { checkRoles, requireApproved } from './assignment.service.ts';
import type { OrganisationDeps } from './organisation-deps.ts';
import { Organisation } from './organisation.entity.ts';
import { OrganisationMail, person, recordChange, requireAdmin, requireIds, requireMember } from './organisation-support.ts';
import { OrganisationRoleRequest } from './role-request.entity.ts';
import { OrganisationServiceAssignment } from './service.entity.ts';

/** One open role request as the admin pages list it. */
export interface RoleRequestView {
  id: string;
  accountId: string;
  clientId: string;
  roles: string[];
  justification: string;
  createdAt: Date;
}

/** One of the member's own role requests, with its outcome ("Meine Anfragen"). */
export interface OwnRoleRequestView {
  id: string;
  clientId: string;
  roles: string[];
  status: 'pending' | 'accepted' | 'rejected';
  createdAt: Date;
  decidedAt: Date | null;
}

/** Role requests with a justification (seed 002 "Rolle beantragen"); admins approve or reject, the member gets a mail. */
export class RoleRequestService {
  private readonly deps: OrganisationDeps;
  private readonly mail: OrganisationMail;
  constructor(deps: OrganisationDeps) {
    this.deps = deps;
    this.mail = new OrganisationMail(deps);
  }

  /** A member asks for roles of a service the organisation uses; one open request per member and service. */
  async request(
    accountId: string,
    organisationId: string,
    input: { clientId: string; roles: string[]; justification: string },
  ): Promise<{ requestId: string }> {
    const justification = input.justification.replace(/\r\n?/g, '\n').trim();
    // Invisible characters would hide text from the admin who decides; 1–1000 characters otherwise free.
    if (!justification || justification.length > 1000 || hasInvisibleCharacters(justification.replace(/\n/g, ' ')))
      throw new AppError('organisation.justification_invalid', 400);
    if (!input.roles.length) throw new AppError('organisation.roles_required', 400);
    const roles = checkRoles(await this.deps.services(input.clientId), input.roles);
    return this.deps.em.fork().transactional(async (tx) => {
      const membership = await requireMember(tx, organisationId, accountId);
      await requireApproved(tx, organisationId, input.clientId);
      if (await tx.findOne(OrganisationRoleRequest, { membership: membership.id, clientId: input.clientId, status: 'pending' }))
        throw new AppError('organisation.role_request_pending', 409);
      const row = tx.create(OrganisationRoleRequest, {
        organisation: organisationId,
        membership: membership.id,
        clientId: input.clientId,
        roles,
        justification,
        status: 'pending',
        decidedBy: null,
        decidedAt: null,
        createdAt: this.deps.clock.now(),
      });
      recordChange(this.deps, tx, person(accountId), 'organisation.role_requested', organisationId, { request: row.id, roles }, input.clientId);
      return { requestId: row.id };
    });
  }

  /** The organisation's open role requests, for its admins. */
  async pending(actorId: string, organisationId: string): Promise<RoleRequestView[]> {
    const em = this.deps.em.fork();
    await requireAdmin(em, organisationId, actorId);
    const rows = await em.find(
      OrganisationRoleRequest,
      { organisation: organisationId, status: 'pending' },
      { populate: ['membership'], orderBy: { createdAt: 'asc' } },
    );
    return rows.map((row) => ({
      id: row.id,
      accountId: row.membership.account.id,
      clientId: row.clientId,
      roles: row.roles,
      justification: row.justification,
      createdAt: row.createdAt,
    }));
  }

  /** The member's own role requests in this organisation, newest first (a former member has none). */
  async mine(accountId: string, organisationId: string): Promise<OwnRoleRequestView[]> {
    const em = this.deps.em.fork();
    const membership = await requireMember(em, organisationId, accountId);
    const rows = await em.find(OrganisationRoleRequest, { organisation: organisationId, membership: membership.id }, { orderBy: { createdAt: 'desc' } });
    return rows.map((row) => ({
      id: row.id,
      clientId: row.clientId,
      roles: row.roles,
      status: row.status,
      createdAt: row.createdAt,
      decidedAt: row.decidedAt ?? null,
    }));
  }

  /** Approves: the roles are added to the member's own assignment for the service. */
  approve(actorId: string, organisationId: string, requestId: string): Promise<void> {
    return this.decide(actorId, organisationId, requestId, 'accepted');
  }

  reject(actorId: string, organisationId: string, requestId: string): Promise<void> {
    return this.decide(actorId, organisationId, requestId, 'rejected');
  }

  private async decide(actorId: string, organisationId: string, requestId: string, status: 'accepted' | 'rejected'): Promise<void> {
    requireIds('organisation.unknown_request', requestId, organisationId);
    const preview = await this.deps.em.fork().findOne(OrganisationRoleRequest, { id: requestId, organisation: organisationId });
    // The catalogue may have changed since the request: only roles it still has are given.
    const terms = preview ? await this.deps.services(preview.clientId) : undefined;
    await this.deps.em.fork().transactional(async (tx) => {
      await requireAdmin(tx, organisationId, actorId);
      const row = await tx.findOne(OrganisationRoleRequest, { id: requestId, organisation: organisationId, status: 'pending' }, { populate: ['membership'] });
      if (!row) throw new AppError('organisation.unknown_request', 404);
      Object.assign(row, { status, decidedBy: actorId, decidedAt: this.deps.clock.now() });
      let granted: string[] = [];
      if (status === 'accepted') {
        await requireApproved(tx, organisationId, row.clientId);
        const known = new Set(terms?.roles.map((role) => role.key));
        granted = row.roles.filter((role) => known.has(role));
        const assignment = await tx.findOne(OrganisationServiceAssignment, { membership: row.membership.id, clientId: row.clientId });
        if (assignment) assignment.roles = [...new Set([...assignment.roles, ...granted])].sort();
        else
          tx.create(OrganisationServiceAssignment, {
            organisation: organisationId,
            membership: row.membership.id,
            clientId: row.clientId,
            roles: granted,
            updatedAt: this.deps.clock.now(),
          });
      }
      const type = status === 'accepted' ? 'organisation.role_request_approved' : 'organisation.role_request_rejected';
      recordChange(this.deps, tx, person(actorId), type, organisationId, { request: row.id, member: row.membership.account.id, roles: granted }, row.clientId);
      const organisation = await tx.findOneOrFail(Organisation, { id: organisationId });
      await this.mail.toAccount(tx, row.membership.account.id, status === 'accepted' ? 'organisation-role-approved' : 'organisation-role-rejected', {
        organisation: organisation.name,
        service: terms?.name ?? row.clientId,
      });
    });
    this.deps.outbox.written();
  }
}
