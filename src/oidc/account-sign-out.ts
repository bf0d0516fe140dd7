import type Provider from 'oidc-provider';
import type { EntityManager } from '@mikro-orm/sql';
import type { AuditLog } from '../audit/index.ts';
import type { Logger } from '../shared/logger.ts';

interface SessionRow {
  payload: { authorizations?: Record<string, { sid?: string }> } | string;
}

/** oidc-provider's Client has this method (lib/models/client.js); its type definitions leave it out. */
interface BackchannelClient {
  backchannelLogoutUri?: string;
  backchannelLogout(sub: string, sid: string): Promise<void>;
}

/** Why everything of an account ends; recorded with the audit event. */
export type SignOutReason = 'password_reset';

/**
 * Ends everything an account holds at Kontor, outside a logout request (after a password reset; later
 * account deletion and withdrawn consent): every portal that registered a back-channel logout URI is told
 * (OIDC Back-Channel Logout 1.0 §2.5), then the account's sessions, grants, access and refresh tokens,
 * authorization codes and interactions are deleted in one indexed statement (`oidc_payload.account_id`),
 * with a `session.ended` audit event per session in the same transaction. A stolen refresh token or
 * access token is worthless from then on, not only the browser sessions (RFC 9700 §4.14.2). Delivery
 * failures are logged; everything ends regardless.
 */
export class AccountSignOut {
  private readonly em: EntityManager;
  private readonly provider: () => Provider;
  private readonly audit: AuditLog;
  private readonly logger: Logger;

  constructor(em: EntityManager, provider: () => Provider, audit: AuditLog, logger: Logger) {
    this.em = em;
    this.provider = provider;
    this.audit = audit;
    this.logger = logger;
  }

  /** Returns the number of login sessions that ended. */
  async endEverything(accountId: string, reason: SignOutReason): Promise<number> {
    const em = this.em.fork();
    const sessions = await em.execute<SessionRow[]>(
      `select payload from oidc_payload where account_id = ? and kind = 'Session' and (expires_at is null or expires_at > now())`,
      [accountId],
      'all',
    );
    const deliveries = sessions.flatMap((row) => this.notifyPortals(accountId, row));
    await em.transactional(async (tx) => {
      await tx.execute('delete from oidc_payload where account_id = ?', [accountId], 'run');
      for (let i = 0; i < sessions.length; i += 1) this.audit.record(tx, { type: 'session.ended', accountId, details: { reason } });
    });
    await Promise.all(deliveries);
    return sessions.length;
  }

  private notifyPortals(accountId: string, row: SessionRow): Array<Promise<void>> {
    const payload = typeof row.payload === 'string' ? (JSON.parse(row.payload) as Exclude<SessionRow['payload'], string>) : row.payload;
    const provider = this.provider();
    return Object.entries(payload.authorizations ?? {}).map(([clientId, authorization]) =>
      (async () => {
        const client = (await provider.Client.find(clientId)) as BackchannelClient | undefined;
        if (!client?.backchannelLogoutUri) return;
        await client.backchannelLogout(accountId, authorization.sid ?? '');
      })().catch((error: unknown) => this.logger.warn({ err: error, clientId }, 'back-channel logout delivery failed')),
    );
  }
}
