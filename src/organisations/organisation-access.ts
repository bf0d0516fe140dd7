import { randomUUID } from 'node:crypto';
import type { ContributedAttribute, ContributionContext } from '../consent/index.ts';
import { AppError } from '../shared/app-error.ts';
import type { MembershipRole } from './membership.entity.ts';
import type { OrganisationDeps } from './organisation-deps.ts';
import { OrganisationRepository, type MembershipRow } from './organisation.repository.ts';

/** Whether a person may use a client for an organisation, and with which roles (seed 002). */
export type AccessDecision = { allowed: true; roles: string[] } | { allowed: false; reason: 'no_role' | 'not_subscribed' | 'pending_approval' | 'not_member' };

/** One of a person's organisations, for the login's chooser and Mein Bereich. */
export interface OrganisationOfPerson {
  id: string;
  name: string;
  role: MembershipRole;
}

/**
 * What the login step does for a client that asks for `sk_organisation`: nothing (the person belongs to no
 * organisation), ask which one (several, none remembered for this client), or check the one decided.
 */
export type LoginOrganisation =
  | { kind: 'none' }
  | { kind: 'choose'; organisations: OrganisationOfPerson[] }
  | { kind: 'decided'; organisationId: string; decision: AccessDecision };

/**
 * The organisation as the login and the tokens see it: the chooser, the access rule, the remembered choice
 * per client, and the claims contributor (`sk_org`, `sk_org_roles`).
 */
export class OrganisationAccess {
  /** The claims this contributor supplies (claim catalogue scope `sk_organisation`). */
  readonly supplies = ['sk_org', 'sk_org_roles'] as const;
  private readonly deps: OrganisationDeps;
  constructor(deps: OrganisationDeps) {
    this.deps = deps;
  }

  /** The person's organisations, by name. */
  async organisationsOf(accountId: string): Promise<OrganisationOfPerson[]> {
    const rows = await new OrganisationRepository(this.deps.em.fork()).membershipsOf(accountId);
    return rows.map((row) => ({ id: row.organisationId, name: row.name, role: row.role }));
  }

  /**
   * Seed 002: a member without a role for a client cannot use it; an admin is a user only through roles of
   * their own, and only where the organisation lets admins use services (seed 001).
   */
  async accessDecision(accountId: string, organisationId: string, clientId: string): Promise<AccessDecision> {
    const repository = new OrganisationRepository(this.deps.em.fork());
    const membership = (await repository.membershipsOf(accountId)).find((row) => row.organisationId === organisationId);
    return membership ? this.decisionFor(repository, membership, clientId) : { allowed: false, reason: 'not_member' };
  }

  /** The organisation for this client: the remembered choice, else the only one; undefined when the person must choose or has none. */
  async chosenOrganisation(accountId: string, clientId: string): Promise<string | undefined> {
    return pick(await new OrganisationRepository(this.deps.em.fork()).membershipsOf(accountId, clientId))?.organisationId;
  }

  /** The login step's question in one call (see {@link LoginOrganisation}). */
  async loginStep(accountId: string, clientId: string): Promise<LoginOrganisation> {
    const repository = new OrganisationRepository(this.deps.em.fork());
    const rows = await repository.membershipsOf(accountId, clientId);
    if (!rows.length) return { kind: 'none' };
    const chosen = pick(rows);
    if (!chosen) return { kind: 'choose', organisations: rows.map((row) => ({ id: row.organisationId, name: row.name, role: row.role })) };
    return { kind: 'decided', organisationId: chosen.organisationId, decision: await this.decisionFor(repository, chosen, clientId) };
  }

  /** Remembers the person's choice for this client (changeable: a later choice replaces it). */
  async choose(accountId: string, clientId: string, organisationId: string): Promise<void> {
    const em = this.deps.em.fork();
    if (!(await new OrganisationRepository(em).membership(organisationId, accountId))) throw new AppError('organisation.not_member', 403);
    await em.execute(
      `insert into organisation_choice (id, account_id, client_id, organisation_id, updated_at) values (?, ?, ?, ?, ?)
       on conflict (account_id, client_id) do update set organisation_id = excluded.organisation_id, updated_at = excluded.updated_at`,
      [randomUUID(), accountId, clientId, organisationId, this.deps.clock.now()],
      'run',
    );
  }

  /** Forgets the remembered choice for this client: the next login asks again. */
  async forgetChoice(accountId: string, clientId: string): Promise<void> {
    await this.deps.em.fork().execute('delete from organisation_choice where account_id = ? and client_id = ?', [accountId, clientId], 'run');
  }

  /**
   * The claims composer's contributor: `sk_org` for the organisation the login chose (`context.organisationId`,
   * else the remembered choice or the only one), and `sk_org_roles` with the requesting client's roles only,
   * when the person may use the client there. Nothing without a client or an organisation.
   */
  async attributesOf(accountId: string, context: ContributionContext = {}): Promise<ContributedAttribute[]> {
    if (!context.clientId) return [];
    const repository = new OrganisationRepository(this.deps.em.fork());
    const rows = await repository.membershipsOf(accountId, context.clientId);
    const chosen = context.organisationId ? rows.find((row) => row.organisationId === context.organisationId) : pick(rows);
    if (!chosen) return [];
    // Membership is what the organisation's admins recorded, not a verified fact: the lowest level.
    const level = 'basisregistrierung' as const;
    const attributes: ContributedAttribute[] = [{ name: 'sk_org', value: { id: chosen.organisationId, name: chosen.name }, level }];
    const decision = await this.decisionFor(repository, chosen, context.clientId);
    if (decision.allowed) attributes.push({ name: 'sk_org_roles', value: decision.roles, level });
    return attributes;
  }

  private async decisionFor(repository: OrganisationRepository, membership: MembershipRow, clientId: string): Promise<AccessDecision> {
    const status = await repository.subscriptionStatus(membership.organisationId, clientId);
    if (status === 'pending') return { allowed: false, reason: 'pending_approval' };
    if (status !== 'approved') return { allowed: false, reason: 'not_subscribed' };
    if (membership.role === 'admin' && !membership.adminsMayUseServices) return { allowed: false, reason: 'no_role' };
    const { assigned, roles } = await repository.rolesFor(membership.membershipId, clientId);
    if (!assigned) return { allowed: false, reason: 'no_role' };
    // Assignments keep the keys they were given; the operator may have taken some out of the catalogue since
    // (`client roles`): only keys it still has reach the client's tokens.
    const known = new Set((await this.deps.services(clientId))?.roles.map((role) => role.key));
    return { allowed: true, roles: roles.filter((role) => known.has(role)) };
  }
}

/** The remembered choice if it is still one of the person's organisations, else the only organisation. */
function pick(rows: MembershipRow[]): MembershipRow | undefined {
  return rows.find((row) => row.chosen) ?? (rows.length === 1 ? rows[0] : undefined);
}
