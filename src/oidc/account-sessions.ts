import type { EntityManager } from '@mikro-orm/sql';
import type { Clock } from '../shared/clock.ts';
import { currentAuthentication, type AuthenticationLevel, type SessionLimits } from '../trust/index.ts';
import { trustOf } from './session-trust.ts';

/** One live login session of an account, as the account area shows it (never its id or cookie). */
export interface LoginSessionSummary {
  /** oidc-provider's `session.uid`: the stable handle `AccountSignOut.endSessions` takes. */
  uid: string;
  /** The user agent recorded at the login (truncated), for "Firefox unter Linux". */
  device?: string;
  /** Last use at Kontor (epoch seconds). */
  lastActiveAt: number;
  /** The level the session holds now (TR-03160-1 limits with fallback). */
  level: AuthenticationLevel;
  /** The clients this session logged in to, with the `sid` each was given (the ID token's `sid`). */
  authorizations: Array<{ clientId: string; sid?: string }>;
}

interface SessionRow {
  uid: string | null;
  payload: { authorizations?: Record<string, { sid?: string }>; kontor?: unknown } | string;
}

const LIVE_SESSIONS = `select uid, payload from oidc_payload where account_id = ? and kind = 'Session' and (expires_at is null or expires_at > now())`;

/**
 * The login sessions of an account (oidc-provider's Session rows, found by the indexed `account_id`), for
 * the account area: its guard (an account-area session lives only while the IdP session it came from does)
 * and its sessions list. A session counts as live while one of its steps still holds at the clock's now,
 * exactly as the login prompt judges it (trust-policy.ts), not only while its row has not expired.
 */
export class AccountSessions {
  private readonly em: EntityManager;
  private readonly clock: Clock;
  private readonly limits: SessionLimits;

  constructor(em: EntityManager, clock: Clock, limits: SessionLimits) {
    this.em = em;
    this.clock = clock;
    this.limits = limits;
  }

  /** The account's live login sessions, the most recently used first. */
  async list(accountId: string): Promise<LoginSessionSummary[]> {
    const rows = await this.em.fork().execute<SessionRow[]>(LIVE_SESSIONS, [accountId], 'all');
    const now = Math.floor(this.clock.now().getTime() / 1000);
    return rows
      .flatMap((row) => {
        const summary = this.summarise(row, now);
        return summary ? [summary] : [];
      })
      .sort((a, b) => b.lastActiveAt - a.lastActiveAt);
  }

  /** The live login session of the account whose authorization for `clientId` carries `sid`, or undefined. */
  async findByClientSid(accountId: string, clientId: string, sid: string): Promise<LoginSessionSummary | undefined> {
    const sessions = await this.list(accountId);
    return sessions.find((session) => session.authorizations.some((authorization) => authorization.clientId === clientId && authorization.sid === sid));
  }

  private summarise(row: SessionRow, now: number): LoginSessionSummary | undefined {
    const payload = typeof row.payload === 'string' ? (JSON.parse(row.payload) as Exclude<SessionRow['payload'], string>) : row.payload;
    const trust = trustOf(payload);
    if (!row.uid || !trust) return undefined;
    const current = currentAuthentication(trust.steps, trust.lastActiveAt, now, this.limits);
    if (!current) return undefined;
    return {
      uid: row.uid,
      ...(trust.device ? { device: trust.device } : {}),
      lastActiveAt: trust.lastActiveAt,
      level: current.level,
      authorizations: Object.entries(payload.authorizations ?? {}).map(([clientId, authorization]) => ({ clientId, sid: authorization.sid })),
    };
  }
}
