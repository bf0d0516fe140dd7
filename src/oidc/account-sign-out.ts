import type Provider from 'oidc-provider';
import type { EntityManager } from '@mikro-orm/sql';
import type { AuditLog } from '../audit/index.ts';
import type { Logger } from '../shared/logger.ts';

interface SessionRow {
  uid?: string | null;
  payload: { authorizations?: Record<string, { sid?: string }> } | string;
}

/** oidc-provider's Client has this method (lib/models/client.js); its type definitions leave it out. */
interface BackchannelClient {
  backchannelLogoutUri?: string;
  backchannelLogout(sub: string, sid: string): Promise<void>;
}

/** Why everything of an account ends; recorded with the audit event. */
export type SignOutReason = 'password_reset' | 'password_changed' | 'ended_by_user' | 'account_locked' | 'account_deleted' | 'upstream_logout';

const LIVE_SESSIONS = `select uid, payload from oidc_payload where account_id = ? and kind = 'Session' and (expires_at is null or expires_at > now())`;

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
    const sessions = await em.execute<SessionRow[]>(LIVE_SESSIONS, [accountId], 'all');
    const deliveries = sessions.flatMap((row) => this.notifyPortals(accountId, row));
    await em.transactional(async (tx) => {
      await tx.execute('delete from oidc_payload where account_id = ?', [accountId], 'run');
      for (let i = 0; i < sessions.length; i += 1) this.audit.record(tx, { type: 'session.ended', accountId, details: { reason } });
    });
    await Promise.all(deliveries);
    return sessions.length;
  }

  /**
   * Ends the account's login sessions whose uid (oidc-provider's `session.uid`, the stable id the session
   * list and an upstream's logout name) is in `uids`, or every session but `keepUid`: the portals that
   * logged in through them are told by back-channel logout (OIDC Back-Channel Logout 1.0 §2.5), the
   * session rows are deleted with a `session.ended` audit event each. Grants stay (other sessions may use
   * them); refresh tokens bound to an ended session stop working with it (oidc-provider's
   * `expiresWithSession`). A uid of another account is never touched. Returns the sessions that ended.
   */
  async endSessions(accountId: string, which: { uids: string[] } | { keepUid: string | undefined }, reason: SignOutReason): Promise<number> {
    const em = this.em.fork();
    const live = await em.execute<SessionRow[]>(LIVE_SESSIONS, [accountId], 'all');
    const chosen = live.filter((row) => ('uids' in which ? which.uids.includes(row.uid ?? '') : row.uid !== which.keepUid));
    if (!chosen.length) return 0;
    const deliveries = chosen.flatMap((row) => this.notifyPortals(accountId, row));
    await em.transactional(async (tx) => {
      for (const row of chosen) {
        await tx.execute(`delete from oidc_payload where kind = 'Session' and account_id = ? and uid = ?`, [accountId, row.uid], 'run');
        this.audit.record(tx, { type: 'session.ended', accountId, details: { reason } });
      }
    });
    await Promise.all(deliveries);
    return chosen.length;
  }

  /**
   * Ends the sessions that stand on a login at upstream `upstreamId` (a federated step in the session's
   * `kontor` steps): the one with the upstream's session id `sid`, or, with `sub` only, every such session
   * of `accountId` (OIDC Back-Channel Logout 1.0 §2.7). Returns the sessions that ended.
   */
  async endUpstreamSessions(input: { upstreamId: string; sid?: string; accountId?: string }): Promise<number> {
    const step = JSON.stringify([{ upstream: input.upstreamId, ...(input.sid ? { sid: input.sid } : {}) }]);
    const rows = await this.em.fork().execute<Array<{ uid: string; account_id: string }>>(
      `select uid, account_id from oidc_payload where kind = 'Session' and account_id is not null and (expires_at is null or expires_at > now())
           and payload->'kontor'->'steps' @> ?::jsonb ${input.accountId ? 'and account_id = ?' : ''}`,
      input.accountId ? [step, input.accountId] : [step],
      'all',
    );
    const byAccount = new Map<string, string[]>();
    for (const row of rows) byAccount.set(row.account_id, [...(byAccount.get(row.account_id) ?? []), row.uid]);
    let ended = 0;
    for (const [accountId, uids] of byAccount) ended += await this.endSessions(accountId, { uids }, 'upstream_logout');
    return ended;
  }

  /** The clients this account has a stored grant (a remembered consent) with, found by the account index. */
  async grantedClients(accountId: string): Promise<string[]> {
    const rows = await this.em
      .fork()
      .execute<Array<{ client_id: string }>>(
        `select distinct payload->>'clientId' as client_id from oidc_payload where account_id = ? and kind = 'Grant' and (expires_at is null or expires_at > now())`,
        [accountId],
        'all',
      );
    return rows.map((row) => row.client_id).filter(Boolean);
  }

  /**
   * Withdraws a consent (issue 16 §4, "Datenzugriff verwalten"): the account's grants at this one client and
   * everything issued under them (refresh and access tokens, codes; what `revokeByGrantId` removes, here in
   * one indexed statement) are deleted with a `consent.revoked` audit event in the same transaction, and the
   * client is told by back-channel logout for each session that logged in there (OIDC Back-Channel Logout
   * 1.0 §2.5). The login sessions stay: the person is still logged in at Kontor and at other portals; this
   * portal's next authorization finds no grant and asks for consent again. Returns the grants deleted.
   */
  async revokeClient(accountId: string, clientId: string, ip?: string | null): Promise<number> {
    const em = this.em.fork();
    const sessions = await em.execute<SessionRow[]>(LIVE_SESSIONS, [accountId], 'all');
    const deliveries = sessions.flatMap((row) => this.notifyPortals(accountId, row, clientId));
    const grants = await em.transactional(async (tx) => {
      const deleted = await tx.execute<Array<{ kind: string }>>(
        `delete from oidc_payload where account_id = ? and payload->>'clientId' = ? and kind not in ('Session', 'Interaction') returning kind`,
        [accountId, clientId],
        'all',
      );
      const count = deleted.filter((row) => row.kind === 'Grant').length;
      this.audit.record(tx, { type: 'consent.revoked', accountId, clientId, ip: ip ?? null, details: { grants: count, artifacts: deleted.length } });
      return count;
    });
    await Promise.all(deliveries);
    return grants;
  }

  private notifyPortals(accountId: string, row: SessionRow, onlyClient?: string): Array<Promise<void>> {
    const payload = typeof row.payload === 'string' ? (JSON.parse(row.payload) as Exclude<SessionRow['payload'], string>) : row.payload;
    const provider = this.provider();
    const authorizations = Object.entries(payload.authorizations ?? {}).filter(([clientId]) => onlyClient === undefined || clientId === onlyClient);
    return authorizations.map(([clientId, authorization]) =>
      (async () => {
        const client = (await provider.Client.find(clientId)) as BackchannelClient | undefined;
        if (!client?.backchannelLogoutUri) return;
        await client.backchannelLogout(accountId, authorization.sid ?? '');
      })().catch((error: unknown) => this.logger.warn({ err: error, clientId }, 'back-channel logout delivery failed')),
    );
  }
}
