import { AppError } from '../shared/app-error.ts';
import { OrganisationMembership } from './membership.entity.ts';
import { OrganisationInvitation } from './invitation.entity.ts';
import type { OrganisationDeps } from './organisation-deps.ts';
import { Organisation } from './organisation.entity.ts';
import { checkOrganisation, nameKey, postalKey, type OrganisationData, type OrganisationInput } from './organisation-rules.ts';
import { OrganisationMail, person, recordChange, requireAdmin, requireMember, requireOfAge } from './organisation-support.ts';
import { OrganisationRepository } from './organisation.repository.ts';

/** An organisation as its admins see it. */
export interface OrganisationView extends OrganisationData {
  id: string;
  adminsMayUseServices: boolean;
  createdAt: Date;
}

function viewOf(row: Organisation): OrganisationView {
  const { id, name, legalForm, registerCourt, registerNumber, street, houseNumber, postalCode, city, country, poBox, postalAddress } = row;
  return {
    id,
    name,
    legalForm,
    registerCourt: registerCourt ?? null,
    registerNumber: registerNumber ?? null,
    street,
    houseNumber,
    postalCode,
    city,
    country,
    poBox: poBox ?? null,
    postalAddress,
    contactEmail: row.contactEmail,
    adminsMayUseServices: row.adminsMayUseServices,
    createdAt: row.createdAt,
  };
}

/** The organisation as any member sees it: its data, who administers it, and the person's own role. */
export interface OrganisationOverview {
  organisation: OrganisationView;
  role: 'admin' | 'member';
  admins: Array<{ givenName: string; familyName: string; email: string }>;
}

/** Registering, reading, changing and deleting organisations (seed 001 "Servicekonto Business"). */
export class OrganisationService {
  private readonly deps: OrganisationDeps;
  private readonly mail: OrganisationMail;
  constructor(deps: OrganisationDeps) {
    this.deps = deps;
    this.mail = new OrganisationMail(deps);
  }

  /** The review step: the data checked and normalised as registration would store it, nothing saved. */
  check(input: OrganisationInput): OrganisationData {
    return checkOrganisation(input);
  }

  /**
   * Whether the person may become an admin (seed 001: of age by the birth date in the profile): throws
   * `organisation.birthdate_missing` or `organisation.admin_under_age`. The registration page asks first, so
   * nobody fills in the whole form to be refused at the end; `register` checks again.
   */
  async requireAdultApplicant(accountId: string): Promise<void> {
    await requireOfAge(this.deps, accountId);
  }

  /**
   * Registers an organisation; the registering person becomes its first admin and must be of age. An
   * organisation with the same name and postal code exists already: `organisation.already_registered`
   * (its people join it by a join request instead).
   */
  async register(accountId: string, input: OrganisationInput): Promise<{ organisationId: string }> {
    const data = checkOrganisation(input);
    await requireOfAge(this.deps, accountId);
    // `already_registered` tells whether an organisation with this name and postal code exists, which the
    // join request hides behind one answer and a limit: both draw on the same count per account (on its own,
    // before the transaction, so a refused attempt counts too).
    const allowed = await this.deps.limiter.hit('organisation-join', accountId, this.deps.limits.joinRequestsPerAccount);
    if (!allowed.allowed) throw new AppError('organisation.registration_limit', 429);
    return this.deps.em.fork().transactional(async (tx) => {
      if (!(await this.deps.people.personOf(tx, accountId))) throw new AppError('organisation.account_required', 403);
      if (await new OrganisationRepository(tx).findByJoinData(nameKey(data.name), postalKey(data.postalCode)))
        throw new AppError('organisation.already_registered', 409);
      const now = this.deps.clock.now();
      const organisation = tx.create(Organisation, {
        ...data,
        nameKey: nameKey(data.name),
        adminsMayUseServices: false,
        status: 'active',
        createdAt: now,
        updatedAt: now,
      });
      tx.create(OrganisationMembership, { organisation, account: accountId, role: 'admin', createdAt: now });
      await tx.flush();
      recordChange(this.deps, tx, person(accountId), 'organisation.registered', organisation.id, { name: data.name });
      recordChange(this.deps, tx, person(accountId), 'organisation.member_added', organisation.id, { member: accountId, role: 'admin', via: 'registration' });
      return { organisationId: organisation.id };
    });
  }

  /** The organisation's data, for its admins. */
  async details(actorId: string, organisationId: string): Promise<OrganisationView> {
    const em = this.deps.em.fork();
    await requireAdmin(em, organisationId, actorId);
    return viewOf(await em.findOneOrFail(Organisation, { id: organisationId }));
  }

  /** The overview for members and admins (a member must know whom to ask: the admins' names and addresses). */
  async overview(actorId: string, organisationId: string): Promise<OrganisationOverview> {
    const em = this.deps.em.fork();
    const membership = await requireMember(em, organisationId, actorId);
    const organisation = viewOf(await em.findOneOrFail(Organisation, { id: organisationId }));
    const admins: OrganisationOverview['admins'] = [];
    for (const accountId of await new OrganisationRepository(em).memberAccounts(organisationId, 'admin')) {
      const found = await this.deps.people.personOf(em, accountId);
      if (found) admins.push({ givenName: found.givenName, familyName: found.familyName, email: found.email });
    }
    return { organisation, role: membership.role, admins };
  }

  /** Changes the organisation's data ("Organisationsdaten pflegen"), checked like a registration. */
  async update(actorId: string, organisationId: string, input: OrganisationInput): Promise<OrganisationView> {
    const data = checkOrganisation(input);
    return this.deps.em.fork().transactional(async (tx) => {
      await requireAdmin(tx, organisationId, actorId);
      // Name and postal code are what join requests find an organisation by (seed 002): another
      // organisation's would let this one collect the join requests meant for that one.
      if (await new OrganisationRepository(tx).findByJoinData(nameKey(data.name), postalKey(data.postalCode), organisationId))
        throw new AppError('organisation.already_registered', 409);
      const row = await tx.findOneOrFail(Organisation, { id: organisationId });
      const changed = (Object.keys(data) as Array<keyof OrganisationData>).filter((key) => row[key] !== data[key]);
      Object.assign(row, data, { nameKey: nameKey(data.name), updatedAt: this.deps.clock.now() });
      recordChange(this.deps, tx, person(actorId), 'organisation.updated', organisationId, { changed });
      await tx.flush();
      return viewOf(row);
    });
  }

  /** "Administratoren dürfen Online-Dienste nutzen" (seed 001): off, an admin's own roles never reach a service. */
  async setAdminsMayUseServices(actorId: string, organisationId: string, allowed: boolean): Promise<void> {
    await this.deps.em.fork().transactional(async (tx) => {
      await requireAdmin(tx, organisationId, actorId);
      const row = await tx.findOneOrFail(Organisation, { id: organisationId });
      if (row.adminsMayUseServices === allowed) return;
      row.adminsMayUseServices = allowed;
      recordChange(this.deps, tx, person(actorId), 'organisation.updated', organisationId, {
        changed: ['adminsMayUseServices'],
        adminsMayUseServices: allowed,
      });
    });
  }

  /**
   * Deletes the organisation: memberships, groups, subscriptions, assignments, requests, invitations and
   * choices go with it (foreign keys cascade); the accounts stay. Every member is told by mail. The page
   * asks for step-up first; here `confirmation` must repeat the organisation's name.
   */
  async remove(actorId: string, organisationId: string, confirmation: string): Promise<{ notified: number }> {
    const notified = await this.deps.em.fork().transactional(async (tx) => {
      await requireAdmin(tx, organisationId, actorId);
      await new OrganisationRepository(tx).lock(organisationId);
      const row = await tx.findOneOrFail(Organisation, { id: organisationId });
      if (nameKey(confirmation) !== row.nameKey) throw new AppError('organisation.delete_confirmation', 422);
      const members = await new OrganisationRepository(tx).memberAccounts(organisationId);
      const invitations = await tx.find(OrganisationInvitation, { organisation: organisationId, status: 'pending' });
      await this.deps.verification.voidAddressLinks(
        tx,
        invitations.map((invitation) => invitation.linkId),
      );
      for (const member of members) await this.mail.toAccount(tx, member, 'organisation-deleted', { organisation: row.name });
      recordChange(this.deps, tx, person(actorId), 'organisation.deleted', organisationId, { name: row.name, members: members.length });
      await tx.flush();
      await tx.nativeDelete(Organisation, { id: organisationId });
      return members.length;
    });
    this.deps.outbox.written();
    return { notified };
  }
}
