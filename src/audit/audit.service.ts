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
