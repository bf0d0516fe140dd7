/**
 * Whether the login behind an account-area session is fresh enough for a change (issue 17 item 2, seed 002
 * "nur mit einer zusätzlichen Authentifizierung"): at most `reauthMinutes` old (its `auth_time`, OIDC Core
 * §2, judged by the container's clock) and, for an account with a confirmed second factor, made with it
 * (`mfa` in `amr`, RFC 8176 §2). A password-only re-entry is enough only for accounts without one: a session
 * that logged in before the factor was enrolled is not fresh, however recent.
 */
export function isFresh(
  login: { authTime: number; amr: readonly string[] },
  nowSeconds: number,
  settings: { reauthMinutes: number; hasSecondFactor: boolean },
): boolean {
  const age = nowSeconds - login.authTime;
  if (age > settings.reauthMinutes * 60) return false;
  return !settings.hasSecondFactor || login.amr.includes('mfa');
}
