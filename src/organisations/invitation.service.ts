import type { EntityManager } from '@mikro-orm/sql';
import { emailAddress, normalizeEmail } from '../accounts/index.ts';
import type { Locale } from '../i18n/index.ts';
import { AppError } from '../shared/app-error.ts';
import { OrganisationInvitation } from './invitation.entity.ts';
import { OrganisationMembership, type MembershipRole } from './membership.entity.ts';
import type { Actor, OrganisationDeps } from './organisation-deps.ts';
import { Organisation } from './organisation.entity.ts';
import { OrganisationMail, person, recordChange, requireAdmin, requireIds, requireOfAge } from './organisation-support.ts';

/** What the invitation page shows, and what a registration started from the link carries along. */
export interface PendingInvitation {
  invitationId: string;
  organisationId: string;
  organisationName: string;
  /** The invited address: the account that accepts must have confirmed exactly this one. */
  email: string;
  role: MembershipRole;
  expiresAt: Date;
  /** When it was sent: an account created after it registered through the link (acceptAfterRegistration). */
  sentAt: Date;
}

/** One open invitation as the admin pages list it. */
export interface InvitationView {
  id: string;
  email: string;
  role: MembershipRole;
  expiresAt: Date;
  createdAt: Date;
}

const PURPOSE = 'organisation_invitation' as const;

/**
 * Withdraws the open invitations an admin sent, when they stop being one (removed, left, demoted): the
 * invitation carried their right to invite, and an admin invitation to an address of their own would
 * otherwise bring them back as admin within its 24 hours. In the caller's transaction, audited.
 */
export async function withdrawInvitationsBy(deps: OrganisationDeps, tx: EntityManager, actor: Actor, organisationId: string, inviter: string): Promise<void> {
  const open = await tx.find(OrganisationInvitation, { organisation: organisationId, invitedBy: inviter, status: 'pending' });
  for (const row of open) {
    row.status = 'withdrawn';
    recordChange(deps, tx, actor, 'organisation.invitation_withdrawn', organisationId, { invitation: row.id, reason: 'inviter_no_admin' });
  }
  await deps.verification.voidAddressLinks(
    tx,
    open.map((row) => row.linkId),
  );
}

/**
 * Invitations by e-mail to registered and unregistered people (seed 002; 24 h, seed 001). The link is a
 * single-use verification token; the mail is the same whether or not the address has an account, so an
 * invitation tells its sender nothing about the address.
 */
export class InvitationService {
  private readonly deps: OrganisationDeps;
  private readonly mail: OrganisationMail;
  constructor(deps: OrganisationDeps) {
    this.deps = deps;
    this.mail = new OrganisationMail(deps);
  }

  /** Invites an address as member or admin; a newer invitation to the same address replaces the open one. */
  async invite(actorId: string, organisationId: string, input: { email: string; role?: MembershipRole; locale?: Locale }): Promise<{ invitationId: string }> {
    const parsed = emailAddress.safeParse(input.email);
    if (!parsed.success) throw new AppError('organisation.invitation_email_invalid', 400, [parsed.error.issues[0]?.message ?? 'account.email_invalid']);
    const email = parsed.data;
    const role = input.role ?? 'member';
    const result = await this.deps.em.fork().transactional(async (tx) => {
      await requireAdmin(tx, organisationId, actorId);
      const allowed = await this.deps.limiter.hit('organisation-invite', organisationId, this.deps.limits.invitesPerOrganisation, tx);
      if (!allowed.allowed) throw new AppError('organisation.invitation_limit', 429);
      await this.withdrawOpen(tx, organisationId, normalizeEmail(email));
      const organisation = await tx.findOneOrFail(Organisation, { id: organisationId });
      const ttlSeconds = this.deps.invitationHours * 3600;
      const link = this.deps.verification.issueForAddress(tx, { purpose: PURPOSE, target: email, ttlSeconds });
      const now = this.deps.clock.now();
      const invitation = tx.create(OrganisationInvitation, {
        organisation: organisationId,
        email,
        emailNormalized: normalizeEmail(email),
        role,
        linkId: link.id,
        invitedBy: actorId,
        status: 'pending',
        expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
        acceptedBy: null,
        createdAt: now,
      });
      const mailed = await this.mail.toAddress(tx, email, input.locale ?? 'de', 'organisation-invitation', {
        organisation: organisation.name,
        link: `${this.deps.issuer}/organisations/invitation?token=${link.token}`,
        hours: this.deps.invitationHours,
        admin: role === 'admin',
      });
      // An invitation nobody receives must not exist: undo it.
      if (!mailed) throw new AppError('organisation.invitation_limit', 429);
      recordChange(this.deps, tx, person(actorId), 'organisation.invitation_sent', organisationId, { invitation: invitation.id, role });
      return { invitationId: invitation.id };
    });
    this.deps.outbox.written();
    return result;
  }

  /** The organisation's open invitations, for its admins. */
  async invitations(actorId: string, organisationId: string): Promise<InvitationView[]> {
    const em = this.deps.em.fork();
    await requireAdmin(em, organisationId, actorId);
    const rows = await em.find(
      OrganisationInvitation,
      { organisation: organisationId, status: 'pending', expiresAt: { $gt: this.deps.clock.now() } },
      { orderBy: { createdAt: 'desc' } },
    );
    return rows.map((row) => ({ id: row.id, email: row.email, role: row.role, expiresAt: row.expiresAt, createdAt: row.createdAt }));
  }

  /** An admin withdraws an open invitation; its link stops working. */
  async withdraw(actorId: string, organisationId: string, invitationId: string): Promise<void> {
    requireIds('organisation.unknown_invitation', invitationId);
    await this.deps.em.fork().transactional(async (tx) => {
      await requireAdmin(tx, organisationId, actorId);
      const row = await tx.findOne(OrganisationInvitation, { id: invitationId, organisation: organisationId, status: 'pending' });
      if (!row) throw new AppError('organisation.unknown_invitation', 404);
      row.status = 'withdrawn';
      await this.deps.verification.voidAddressLinks(tx, [row.linkId]);
      recordChange(this.deps, tx, person(actorId), 'organisation.invitation_withdrawn', organisationId, { invitation: row.id });
    });
  }

  /** The invitation behind a link, while it can be accepted; null for an unknown, used or expired link. */
  async pendingInvitation(token: string): Promise<PendingInvitation | null> {
    const link = await this.deps.verification.peekAddressLink(token, PURPOSE);
    if (!link) return null;
    const em = this.deps.em.fork();
    const row = await em.findOne(OrganisationInvitation, { linkId: link.id, status: 'pending' }, { populate: ['organisation'] });
    if (!row) return null;
    return {
      invitationId: row.id,
      organisationId: row.organisation.id,
      organisationName: row.organisation.name,
      email: row.email,
      role: row.role,
      expiresAt: row.expiresAt,
      sentAt: row.createdAt,
    };
  }

  /**
   * A logged-in person accepts: the link is used up, and they join with the invited role. Their confirmed
   * e-mail address must be the invited one (`organisation.invitation_other_address`, the link stays usable).
   */
  accept(token: string, accountId: string): Promise<{ organisationId: string }> {
    return this.acceptAs(token, accountId, 'link');
  }

  /**
   * The same after a registration started from the invitation link: the page carried the token through the
   * registration and calls this once the new account's address is confirmed.
   */
  acceptAfterRegistration(token: string, accountId: string): Promise<{ organisationId: string }> {
    return this.acceptAs(token, accountId, 'registration');
  }

  private async acceptAs(token: string, accountId: string, via: 'link' | 'registration'): Promise<{ organisationId: string }> {
    const preview = await this.pendingInvitation(token);
    if (!preview) throw new AppError('organisation.invitation_invalid', 410);
    if (preview.role === 'admin') await requireOfAge(this.deps, accountId);
    return this.deps.em.fork().transactional(async (tx) => {
      const invitee = await this.deps.people.personOf(tx, accountId);
      if (!invitee?.emailVerified || normalizeEmail(invitee.email) !== normalizeEmail(preview.email))
        throw new AppError('organisation.invitation_other_address', 403);
      const link = await this.deps.verification.consumeAddressLink(tx, token, PURPOSE);
      const row = link && (await tx.findOne(OrganisationInvitation, { linkId: link.id, status: 'pending' }));
      if (!row) throw new AppError('organisation.invitation_invalid', 410);
      const organisationId = preview.organisationId;
      row.status = 'accepted';
      row.acceptedBy = accountId;
      const existing = await tx.findOne(OrganisationMembership, { organisation: organisationId, account: accountId });
      const actor = person(accountId);
      if (!existing) {
        tx.create(OrganisationMembership, { organisation: organisationId, account: accountId, role: row.role, createdAt: this.deps.clock.now() });
        recordChange(this.deps, tx, actor, 'organisation.member_added', organisationId, { member: accountId, role: row.role, via: `invitation_${via}` });
      } else if (existing.role === 'member' && row.role === 'admin') {
        existing.role = 'admin';
        recordChange(this.deps, tx, actor, 'organisation.member_role_changed', organisationId, {
          member: accountId,
          from: 'member',
          to: 'admin',
          via: 'invitation',
        });
      }
      recordChange(this.deps, tx, actor, 'organisation.invitation_accepted', organisationId, { invitation: row.id, via });
      return { organisationId };
    });
  }

  private async withdrawOpen(tx: EntityManager, organisationId: string, emailNormalized: string): Promise<void> {
    const open = await tx.find(OrganisationInvitation, { organisation: organisationId, emailNormalized, status: 'pending' });
    for (const row of open) row.status = 'withdrawn';
    await this.deps.verification.voidAddressLinks(
      tx,
      open.map((row) => row.linkId),
    );
  }
}
