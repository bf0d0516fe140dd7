import type { Context, Next } from 'koa';
import { constantTimeEqual, deriveKey, hmacBase64Url, randomToken } from '../shared/crypto.ts';
import { AppError } from '../shared/app-error.ts';

export const CSRF_FIELD = 'csrf_token';

/** Over https the __Host- prefix pins the cookie to this host and path / (no subdomain can plant one). */
export function csrfCookieName(secureCookies: boolean): string {
  return secureCookies ? '__Host-kontor.csrf' : 'kontor.csrf';
}

/**
 * Signed double-submit cookie (OWASP CSRF cheat sheet): a random value in an HttpOnly cookie and, in every
 * form, its HMAC under a key derived from KONTOR_SECRET. A cross-site page can neither read the cookie nor
 * compute the HMAC.
 */
export function csrfProtection(secret: string, secureCookies: boolean) {
  const key = deriveKey(secret, 'csrf');
  const cookieName = csrfCookieName(secureCookies);
  const tokenFor = (cookieValue: string) => hmacBase64Url(key, cookieValue);

  const middleware = async (ctx: Context, next: Next) => {
    let value = ctx.cookies.get(cookieName);
    if (!value || !/^[A-Za-z0-9_-]{43}$/.test(value)) {
      value = randomToken(32);
      ctx.cookies.set(cookieName, value, { httpOnly: true, sameSite: 'lax', secure: secureCookies, path: '/', overwrite: true });
    }
    ctx.state.csrfToken = tokenFor(value);
    await next();
  };

  /** Throws a 403 AppError unless the submitted token matches the request's cookie. */
  const verify = (ctx: Context, submitted: unknown) => {
    const cookie = ctx.cookies.get(cookieName);
    if (!cookie || typeof submitted !== 'string' || !constantTimeEqual(submitted, tokenFor(cookie))) {
      throw new AppError('csrf.invalid', 403);
    }
  };

  return { middleware, verify };
}

export type CsrfVerifier = ReturnType<typeof csrfProtection>['verify'];
