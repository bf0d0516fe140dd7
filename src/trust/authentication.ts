import type { AuthenticationStep } from './session-limits.ts';
import { higherOf, type AuthenticationLevel } from './trust-level.ts';

/**
 * What every login method (password, TOTP, e-mail code, recovery code; later eID, another state's
 * account, passkey) reports when it succeeds, like Ory Kratos' strategies: who, how (RFC 8176 `amr` of
 * this method alone) and the level the login reaches with it. A second factor reports the level of the
 * login it completes; the login flow offers it only after a first factor of the same account.
 */
export interface AuthenticatorResult {
  accountId: string;
  /** Internal name of the method ("password", "totp", "email_code", "recovery_code"). */
  method: string;
  amr: string[];
  level: AuthenticationLevel;
  /** For a federated login: the upstream's id in the configuration, and its session id (back-channel logout names it). */
  upstream?: string;
  sid?: string;
  /** For an upstream configured with `sso: false`: the one portal this login counts for. */
  client?: string;
}

/**
 * The step a method adds to what the login already holds (`previous`: the strongest step still holding
 * for this account, if any): `amr` is the union of both with `mfa` once two different factors took part
 * (RFC 8176 §2), the level the higher of both.
 */
export function combineSteps(previous: AuthenticationStep | undefined, result: AuthenticatorResult, at: number): AuthenticationStep {
  const origin = result.upstream
    ? { upstream: result.upstream, ...(result.sid ? { sid: result.sid } : {}), ...(result.client ? { client: result.client } : {}) }
    : {};
  if (!previous) return { method: result.method, amr: [...result.amr], level: result.level, at, ...origin };
  const factors = [...new Set([...previous.amr, ...result.amr].filter((value) => value !== 'mfa'))];
  const amr = factors.length >= 2 || previous.amr.includes('mfa') || result.amr.includes('mfa') ? [...factors, 'mfa'] : factors;
  return { method: result.method, amr, level: higherOf(previous.level, result.level), at, ...origin };
}

/**
 * `sk_authn_means` (TRUST-AND-CLAIMS.md): how the person logged in, in the words of the BundID interface.
 * From the login step's method when it is known: another state's account is `FINK` whatever amr its
 * upstream reported. Otherwise from `amr`, which is what a code or refresh token carries to the token
 * endpoint: a smart card with PIN is the eID card; everything else is the service account's own username login.
 */
export function authnMeansOf(amr: readonly string[] | undefined, method?: string): string {
  if (method === 'federated') return 'FINK';
  if (amr?.includes('sc')) return 'eID';
  return 'Benutzername';
}
