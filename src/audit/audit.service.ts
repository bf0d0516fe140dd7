import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/sql';
import { AuditEvent } from './audit-event.entity.ts';

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
  'account.locked',
  'account.unlocked',
  'account.unlock_requested',
  'account.exported',
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

  /** The newest events first, for operators (CLI) and tests. */
  async list(em: EntityManager, filter: { accountId?: string; type?: AuditType } = {}, limit = 100): Promise<AuditEvent[]> {
    return em
      .fork()
      .find(
        AuditEvent,
        { ...(filter.accountId ? { accountId: filter.accountId } : {}), ...(filter.type ? { type: filter.type } : {}) },
        { orderBy: { createdAt: 'desc' }, limit },
      );
  }
}
