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
