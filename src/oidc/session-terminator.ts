import type Provider from 'oidc-provider';
import type { EntityManager } from '@mikro-orm/sql';
import type { Logger } from '../shared/logger.ts';

interface SessionRow {
  id: string;
  payload: { accountId?: string; authorizations?: Record<string, { sid?: string }> } | string;
}

/** oidc-provider's Client has this method (lib/models/client.js); its type definitions leave it out. */
interface BackchannelClient {
  backchannelLogoutUri?: string;
  backchannelLogout(sub: string, sid: string): Promise<void>;
}

/**
 * Ends every login session of an account outside a logout request (after a password reset): each portal
 * that registered a back-channel logout URI is told (OIDC Back-Channel Logout 1.0 §2.5), then the
 * sessions are deleted. Delivery failures are logged; the sessions end regardless.
 */
export class SessionTerminator {
  private readonly em: EntityManager;
  private readonly provider: () => Provider;
  private readonly logger: Logger;

  constructor(em: EntityManager, provider: () => Provider, logger: Logger) {
    this.em = em;
    this.provider = provider;
    this.logger = logger;
  }

  async endAllSessions(accountId: string): Promise<number> {
    const em = this.em.fork();
    const rows = await em.execute<SessionRow[]>(
      `select id, payload from oidc_payload where kind = 'Session' and payload->>'accountId' = ? and (expires_at is null or expires_at > now())`,
      [accountId],
      'all',
    );
    const provider = this.provider();
    const deliveries: Array<Promise<void>> = [];
    for (const row of rows) {
      const payload = typeof row.payload === 'string' ? (JSON.parse(row.payload) as Exclude<SessionRow['payload'], string>) : row.payload;
      for (const [clientId, authorization] of Object.entries(payload.authorizations ?? {})) {
        deliveries.push(
          (async () => {
            const client = (await provider.Client.find(clientId)) as BackchannelClient | undefined;
            if (!client?.backchannelLogoutUri) return;
            await client.backchannelLogout(accountId, authorization.sid ?? '');
          })().catch((error: unknown) => this.logger.warn({ err: error, clientId }, 'back-channel logout delivery failed')),
        );
      }
    }
    await em.execute(`delete from oidc_payload where kind = 'Session' and payload->>'accountId' = ?`, [accountId], 'run');
    await Promise.all(deliveries);
    return rows.length;
  }
}
