import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/sql';
import { AuditEvent } from './audit-event.entity.ts';
import { scrubDetails } from './scrub.ts';

/** The events Kontor records; the names are stable, operators filter by them. */
export const AUDIT_TYPES = [
  'account.registered',
  'account.registration_repeated',
  'account.confirmed',
  'account.unconfirmed_purged',
  'login.succeeded',
  'login.failed',
  'password.reset_requested',
  'password.reset_completed',
  'session.ended',
  'consent.granted',
  'consent.declined',
  'consent.revoked',
  'account.created',
  'client.created',
  'keys.rotated',
  'mail.retried',
  'login.second_factor_succeeded',
  'login.second_factor_failed',
  'second_factor.enrolled',
  'recovery_codes.created',
  'recovery_code.used',
  'credential.removed',
  'login.federated_succeeded',
  'login.federated_failed',
  'federation.account_created',
  'federation.linked',
  'federation.logout_received',
  'profile.changed',
  'email.change_requested',
  'email.changed',
  'client.updated',
  // Organisations (issue 19 §7): every change of membership, role, group, subscription and approval.
  'organisation.registered',
  'organisation.updated',
  'organisation.deleted',
  'organisation.member_added',
  'organisation.member_left',
  'organisation.member_removed',
  'organisation.member_role_changed',
  'organisation.invitation_sent',
  'organisation.invitation_withdrawn',
  'organisation.invitation_accepted',
  'organisation.join_requested',
  'organisation.join_accepted',
  'organisation.join_rejected',
  'organisation.group_created',
  'organisation.group_renamed',
  'organisation.group_deleted',
  'organisation.group_member_added',
  'organisation.group_member_removed',
  'organisation.roles_assigned',
  'organisation.role_requested',
  'organisation.role_request_approved',
  'organisation.role_request_rejected',
  'organisation.subscribed',
  'organisation.unsubscribed',
  'organisation.subscription_approved',
  'organisation.subscription_rejected',
  'account.deleted',
  'account.locked',
  'account.unlocked',
  'account.unlock_requested',
  'account.exported',
  'password.changed',
  'password.change_failed',
  'second_factor.switched',
  'second_factor.device_replaced',
  'second_factor.removed',
] as const;
export type AuditType = (typeof AUDIT_TYPES)[number];

export interface AuditInput {
  type: AuditType;
  accountId?: string | null;
  clientId?: string | null;
  ip?: string | null;
  /** Reasons and counts; never passwords, tokens, codes or links. */
  details?: Record<string, unknown>;
}

/** One event as the account's export shows it. */
export interface AccountAuditEvent {
  type: string;
  at: string;
  clientId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

/** Writes audit events into the caller's transaction, so an event exists exactly when its change does. */
export class AuditLog {
  record(em: EntityManager, input: AuditInput): void {
    em.create(AuditEvent, {
      type: input.type,
      accountId: input.accountId ?? null,
      clientId: input.clientId ?? null,
      ip: input.ip ?? null,
      details: input.details ?? {},
      createdAt: new Date(),
    });
  }

  /**
   * Writes one event on its own, as a single INSERT (no unit of work, no explicit transaction): for events
   * that are the only write of a request, such as a successful login.
   */
  async recordAlone(em: EntityManager, input: AuditInput): Promise<void> {
    await em
      .fork()
      .execute(
        'insert into audit_event (id, type, account_id, client_id, ip, details, created_at) values (?, ?, ?, ?, ?, ?::jsonb, now())',
        [randomUUID(), input.type, input.accountId ?? null, input.clientId ?? null, input.ip ?? null, JSON.stringify(input.details ?? {})],
        'run',
      );
  }

  /**
   * Account deletion's step for this domain (issue 17 item 9, GDPR Art. 17), in the caller's transaction:
   * the account's events stay (what happened stays provable) but name it by `pseudonym` only, lose the
   * address they came from, and lose from `details` every value that contains one of `personal` (the
   * address, names, username: whatever an event may have noted) and every client-address-like field.
   * Returns the events rewritten.
   */
  async forgetAccount(tx: EntityManager, accountId: string, pseudonym: string, personal: string[]): Promise<number> {
    const rows = await tx.execute<Array<{ id: string; details: Record<string, unknown> | string }>>(
      'select id, details from audit_event where account_id = ?',
      [accountId],
      'all',
    );
    for (const row of rows) {
      const details = typeof row.details === 'string' ? (JSON.parse(row.details) as Record<string, unknown>) : row.details;
      await tx.execute(
        'update audit_event set account_id = ?, ip = null, details = ?::jsonb where id = ?',
        [pseudonym, JSON.stringify(scrubDetails(details, personal)), row.id],
        'run',
      );
    }
    // Events may name the account in their details as well (its own "member added" with `member: <id>`, an
    // organisation admin's about it): they keep what happened, under the pseudonym. Ids are UUIDs: a plain
    // text replacement cannot hit anything else.
    const mentions = await tx.execute<{ affectedRows: number }>(
      'update audit_event set details = replace(details::text, ?, ?)::jsonb where details::text like ?',
      [accountId, pseudonym, `%${accountId}%`],
      'run',
    );
    return rows.length + (mentions.affectedRows ?? 0);
  }

  /**
   * The events recorded about one account, oldest first, as plain data ("my data", GDPR Art. 15). Only rows
   * whose `account_id` is this account; the network address is left out of failed logins, since whoever
   * typed the name may have been someone else (their address is not the person's data).
   */
  async eventsOf(em: EntityManager, accountId: string, limit = 20_000): Promise<AccountAuditEvent[]> {
    const rows = await em.fork().find(AuditEvent, { accountId }, { orderBy: { createdAt: 'asc', id: 'asc' }, limit });
    return rows.map((row) => ({
      type: row.type,
      at: row.createdAt.toISOString(),
      clientId: row.clientId ?? null,
      ip: row.type === 'login.failed' ? null : (row.ip ?? null),
      details: row.details ?? {},
    }));
  }

  /** The newest events first, for operators (CLI) and tests; several account ids: an account and its deletion pseudonym. */
  async list(em: EntityManager, filter: { accountId?: string | string[]; type?: AuditType } = {}, limit = 100): Promise<AuditEvent[]> {
    return em.fork().find(
      AuditEvent,
      {
        ...(filter.accountId ? { accountId: Array.isArray(filter.accountId) ? { $in: filter.accountId } : filter.accountId } : {}),
        ...(filter.type ? { type: filter.type } : {}),
      },
      { orderBy: { createdAt: 'desc' }, limit },
    );
  }
}
