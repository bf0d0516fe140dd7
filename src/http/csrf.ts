import type { Context, Next } from 'koa';
import { constantTimeEqual, deriveKey, hmacBase64Url, randomToken } from '../shared/crypto.ts';
import { AppError } from '../shared/app-error.ts';

export const CSRF_COOKIE = 'kontor.csrf';
export const CSRF_FIELD = 'csrf_token';

/**
 * Signed double-submit cookie (OWASP CSRF cheat sheet): a random value in an HttpOnly cookie and, in every
 * form, its HMAC under a key derived from KONTOR_SECRET. A cross-site page can neither read the cookie nor
 * compute the HMAC.
 */
export function csrfProtection(secret: string, secureCookies: boolean) {
  const key = deriveKey(secret, 'csrf');
  const tokenFor = (cookieValue: string) => hmacBase64Url(key, cookieValue);

  const middleware = async (ctx: Context, next: Next) => {
    let value = ctx.cookies.get(CSRF_COOKIE);
    if (!value || !/^[A-Za-z0-9_-]{43}$/.test(value)) {
      value = randomToken(32);
      ctx.cookies.set(CSRF_COOKIE, value, { httpOnly: true, sameSite: 'lax', secure: secureCookies, path: '/', overwrite: true });
    }
    ctx.state.csrfToken = tokenFor(value);
    ctx.state.csrfCookiePresent = ctx.cookies.get(CSRF_COOKIE) === value;
    await next();
  };

  /** Throws a 403 AppError unless the submitted token matches the request's cookie. */
  const verify = (ctx: Context, submitted: unknown) => {
    const cookie = ctx.cookies.get(CSRF_COOKIE);
    if (!cookie || typeof submitted !== 'string' || !constantTimeEqual(submitted, tokenFor(cookie))) {
      throw new AppError('csrf.invalid', 403);
    }
  };

  return { middleware, verify };
}

export type CsrfVerifier = ReturnType<typeof csrfProtection>['verify'];
