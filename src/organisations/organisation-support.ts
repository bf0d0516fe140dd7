import type { EntityManager } from '@mikro-orm/sql';
import { mailGreeting } from '../accounts/index.ts';
import type { AuditType } from '../audit/index.ts';
import type { Locale } from '../i18n/index.ts';
import { AppError } from '../shared/app-error.ts';
import { isOfAge, localDate } from './age.ts';
import type { MembershipRole } from './membership.entity.ts';
import type { Actor, OrganisationDeps } from './organisation-deps.ts';
import { allUuids, OrganisationRepository } from './organisation.repository.ts';

/**
 * The checks every service of this domain starts with. A service method never trusts its caller to have
 * checked that the acting person may act: it asks the database itself, in its own transaction. An
 * organisation that does not exist answers like one the person is not admin of (no probing for ids).
 */
export async function requireAdmin(tx: EntityManager, organisationId: string, accountId: string): Promise<{ id: string; role: MembershipRole }> {
  const membership = await new OrganisationRepository(tx).membership(organisationId, accountId);
  if (membership?.role !== 'admin') throw new AppError('organisation.not_admin', 403);
  return membership;
}

export async function requireMember(tx: EntityManager, organisationId: string, accountId: string): Promise<{ id: string; role: MembershipRole }> {
  const membership = await new OrganisationRepository(tx).membership(organisationId, accountId);
  if (!membership) throw new AppError('organisation.not_member', 403);
  return membership;
}

/**
 * Seed 001: only people of age can be admins; the birth date comes from the account's attributes. Reads on
 * its own connection: call it before the transaction.
 */
export async function requireOfAge(deps: OrganisationDeps, accountId: string): Promise<void> {
  const birthdate = await deps.people.birthdateOf(accountId);
  if (!birthdate) throw new AppError('organisation.birthdate_missing', 422);
  const adult = isOfAge(birthdate, localDate(deps.clock.now(), deps.timeZone));
  if (adult === undefined) throw new AppError('organisation.birthdate_missing', 422);
  if (!adult) throw new AppError('organisation.admin_under_age', 422);
}

/** Writes one audit event of this domain in the caller's transaction: who, what, when (issue 19 §7). */
export function recordChange(
  deps: OrganisationDeps,
  tx: EntityManager,
  actor: Actor,
  type: AuditType,
  organisationId: string,
  details: Record<string, unknown> = {},
  clientId?: string,
): void {
  deps.audit.record(tx, {
    type,
    accountId: actor.kind === 'account' ? actor.accountId : null,
    clientId: clientId ?? null,
    details: { organisationId, ...(actor.kind === 'operator' ? { actor: 'operator' } : {}), ...details },
  });
}

/** Refuses ids that are no UUIDs with the "unknown" code of what they name. */
export function requireIds(code: string, ...ids: string[]): void {
  if (!allUuids(...ids)) throw new AppError(code, 404);
}

export const person = (accountId: string): Actor => ({ kind: 'account', accountId });

/** Mail of this domain, written to the outbox in the caller's transaction. */
export class OrganisationMail {
  private readonly deps: OrganisationDeps;
  constructor(deps: OrganisationDeps) {
    this.deps = deps;
  }

  /**
   * Mails one account (greeted by name, in its language). A mail the recipient cap drops is logged by the
   * outbox; the change it reports stands. Returns whether it was written.
   */
  async toAccount(tx: EntityManager, accountId: string, message: string, data: Record<string, unknown>): Promise<boolean> {
    const recipient = await this.deps.people.personOf(tx, accountId);
    if (!recipient) return false;
    return this.deps.outbox.enqueue(tx, { message, to: recipient.email, locale: recipient.locale, data: { ...mailGreeting(recipient), ...data } });
  }

  /** Mails every admin of the organisation. */
  async toAdmins(tx: EntityManager, organisationId: string, message: string, data: Record<string, unknown>): Promise<void> {
    for (const accountId of await new OrganisationRepository(tx).memberAccounts(organisationId, 'admin')) await this.toAccount(tx, accountId, message, data);
  }

  /** Mails an address that may belong to nobody yet: a neutral greeting, the caller's language. */
  toAddress(tx: EntityManager, to: string, locale: Locale, message: string, data: Record<string, unknown>): Promise<boolean> {
    return this.deps.outbox.enqueue(tx, { message, to, locale, data: { greetingKey: 'mail.greeting_anonymous', greetingName: '', ...data } });
  }
}
