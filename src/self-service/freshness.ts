import { levelOfAcr, meets, type AuthenticationLevel } from '../trust/index.ts';

/**
 * Whether the login behind an account-area session is fresh enough for a change (issue 17 item 2, seed 002
 * "nur mit einer zusätzlichen Authentifizierung"): at most `reauthMinutes` old (its `auth_time`, OIDC Core
 * §2, judged by the container's clock) and, for an account with a confirmed second factor, as strong as a
 * login with it: `mfa` in `amr` (RFC 8176 §2) **and** an `acr` that reaches `secondFactorLevel`, the level
 * Kontor's own second factor gives (config `secondFactor.level`). The amr alone is not enough: a login at
 * another state's account carries that upstream's amr verbatim, and an upstream capped at niedrig that writes
 * `mfa` must not stand in for the account's factor (its ceiling is what Kontor trusts it for, issue 18).
 * A password-only re-entry is enough only for accounts without a factor: a session that logged in before
 * the factor was enrolled is not fresh, however recent.
 */
export function isFresh(
  login: { authTime: number; amr: readonly string[]; acr?: string | null },
  nowSeconds: number,
  settings: { reauthMinutes: number; hasSecondFactor: boolean; secondFactorLevel: AuthenticationLevel },
): boolean {
  const age = nowSeconds - login.authTime;
  if (age > settings.reauthMinutes * 60) return false;
  if (!settings.hasSecondFactor) return true;
  const level = login.acr ? levelOfAcr(login.acr) : undefined;
  return login.amr.includes('mfa') && level !== undefined && meets(level, settings.secondFactorLevel);
}
