import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import type { UpstreamDirectory } from './upstream-directory.ts';

const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** A logout token older than this is refused (§2.6 step 7: iat; tokens are meant to be used at once). */
const MAX_AGE_SECONDS = 300;

export interface BackchannelDeps {
  directory: UpstreamDirectory;
  clock: Clock;
  logger: Logger;
  /** The account of an upstream identity (issuer + subject). */
  accountOf: (issuer: string, subject: string) => Promise<string | undefined>;
  /** Ends the Kontor sessions that came from this upstream login (by sid, or every one of the account). */
  endSessions: (input: { upstreamId: string; sid?: string; accountId?: string }) => Promise<number>;
  /** Remembers a token id until it expires; false when it was seen before (§2.6 step 10, replay). */
  rememberJti: (upstreamId: string, jti: string, until: Date) => Promise<boolean>;
}

/**
 * OIDC Back-Channel Logout 1.0 §2.6: validates an upstream's logout token (signature by the upstream's
 * keys, `iss`, `aud` = Kontor's client id, `iat`, `jti` once, the logout event, `sub` or `sid`, no `nonce`)
 * and ends the Kontor sessions of that upstream login. Returns false for a token that fails any check.
 */
export class UpstreamBackchannelLogout {
  private readonly deps: BackchannelDeps;
  private readonly keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

  constructor(deps: BackchannelDeps) {
    this.deps = deps;
  }

  async receive(upstreamId: string, logoutToken: string): Promise<{ ended: number } | undefined> {
    const upstream = this.deps.directory.get(upstreamId);
    if (!upstream) return undefined;
    let payload: JWTPayload;
    try {
      const configuration = await this.deps.directory.configurationOf(upstream);
      const jwksUri = configuration.serverMetadata().jwks_uri;
      if (!jwksUri) return undefined;
      let keys = this.keySets.get(upstream.id);
      if (!keys) {
        keys = createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: 5000 });
        this.keySets.set(upstream.id, keys);
      }
      ({ payload } = await jwtVerify(logoutToken, keys, {
        issuer: upstream.issuer,
        audience: upstream.clientId,
        currentDate: this.deps.clock.now(),
        maxTokenAge: MAX_AGE_SECONDS,
        requiredClaims: ['iat', 'jti', 'events'],
        typ: undefined,
      }));
    } catch (error) {
      this.deps.logger.warn({ upstream: upstreamId, reason: (error as Error).message }, 'logout token refused');
      return undefined;
    }
    const events = payload.events as Record<string, unknown> | undefined;
    const sid = typeof payload.sid === 'string' ? payload.sid : undefined;
    const sub = typeof payload.sub === 'string' ? payload.sub : undefined;
    // §2.4: the event member is a JSON object; no nonce (it would make the token usable as an ID token); sub or sid.
    if (!events || typeof events[LOGOUT_EVENT] !== 'object' || 'nonce' in payload || (!sid && !sub)) return undefined;
    const until = new Date(((payload.exp ?? (payload.iat ?? 0) + MAX_AGE_SECONDS) + 60) * 1000);
    if (!(await this.deps.rememberJti(upstream.id, String(payload.jti), until))) return undefined;
    const accountId = sub ? await this.deps.accountOf(upstream.issuer, sub) : undefined;
    // A subject Kontor does not know has no session here: nothing to end, and the logout succeeded (§2.8).
    if (sub && !accountId) return { ended: 0 };
    return { ended: await this.deps.endSessions({ upstreamId: upstream.id, sid, accountId }) };
  }
}
