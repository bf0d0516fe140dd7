import type { EntityManager } from '@mikro-orm/sql';
import { currentAuthentication, type SessionLimits } from '../trust/index.ts';
import { trustOf } from './session-trust.ts';

/** A remembered consent as the export shows it: the portal and what it was granted, never the grant's id. */
export interface ExportedGrant {
  clientId: string;
  scopes: string[];
  claims: string[];
  rejectedClaims: string[];
  grantedAt: string | null;
  expiresAt: string | null;
}

/** A live login session as the export shows it: never its id or uid (the cookie's and the list's handles). */
export interface ExportedSession {
  startedAt: string | null;
  lastUsedAt: string | null;
  /** The session's level now (it falls back as the per-level limits run out), null when no step holds. */
  level: string | null;
  amr: string[];
  /** The user agent recorded at login (truncated), when there is one. */
  device: string | null;
  /** The portals that logged in through this session. */
  clientIds: string[];
}

interface PayloadRow {
  payload: Record<string, unknown> | string;
  expires_at: Date | string | null;
}

const iso = (seconds: unknown) => (typeof seconds === 'number' && Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : null);
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);
const parsed = (row: PayloadRow) => (typeof row.payload === 'string' ? (JSON.parse(row.payload) as Record<string, unknown>) : row.payload);
const expiry = (row: PayloadRow) => (row.expires_at ? new Date(row.expires_at).toISOString() : null);

/**
 * This domain's part of "my data" (GDPR Art. 15): the account's remembered grants and live login sessions,
 * read from oidc-provider's payloads by the indexed `account_id` (so another account's rows cannot appear).
 * The payload shapes are oidc-provider's (lib/models/grant.js, session.js; pinned to 9.13.x).
 */
export class AccountArtifactsExport {
  private readonly em: EntityManager;
  private readonly limits: SessionLimits;

  constructor(em: EntityManager, limits: SessionLimits) {
    this.em = em;
    this.limits = limits;
  }

  async grantsOf(accountId: string, now: Date): Promise<ExportedGrant[]> {
    const rows = await this.live(accountId, 'Grant', now);
    return rows.map((row) => {
      const grant = parsed(row) as {
        clientId?: string;
        iat?: number;
        openid?: { scope?: string; claims?: unknown };
        rejected?: { openid?: { claims?: unknown } };
      };
      return {
        clientId: String(grant.clientId ?? ''),
        scopes: (grant.openid?.scope ?? '').split(' ').filter(Boolean),
        claims: strings(grant.openid?.claims),
        rejectedClaims: strings(grant.rejected?.openid?.claims),
        grantedAt: iso(grant.iat),
        expiresAt: expiry(row),
      };
    });
  }

  async sessionsOf(accountId: string, now: Date): Promise<ExportedSession[]> {
    const rows = await this.live(accountId, 'Session', now);
    const nowSeconds = Math.floor(now.getTime() / 1000);
    return rows.map((row) => {
      const session = parsed(row) as { loginTs?: number; authorizations?: Record<string, unknown>; kontor?: unknown };
      const trust = trustOf(session);
      const current = trust ? currentAuthentication(trust.steps, trust.lastActiveAt, nowSeconds, this.limits) : undefined;
      return {
        startedAt: iso(session.loginTs),
        lastUsedAt: iso(trust?.lastActiveAt),
        level: current?.level ?? null,
        amr: current?.amr ?? [],
        device: trust?.device ?? null,
        clientIds: Object.keys(session.authorizations ?? {}),
      };
    });
  }

  private live(accountId: string, kind: 'Grant' | 'Session', now: Date): Promise<PayloadRow[]> {
    return this.em
      .fork()
      .execute<PayloadRow[]>(
        'select payload, expires_at from oidc_payload where account_id = ? and kind = ? and (expires_at is null or expires_at > ?) order by expires_at nulls last, id',
        [accountId, kind, now],
        'all',
      );
  }
}
