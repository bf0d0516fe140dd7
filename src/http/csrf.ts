import type { Layer, default as Router } from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import { constantTimeEqual, deriveKey, hmacBase64Url, randomToken } from '../shared/crypto.ts';
import { AppError } from '../shared/app-error.ts';
import type { ErrorResponder } from './error-handler.ts';
import { formBody } from './form-body.ts';

export const CSRF_FIELD = 'csrf_token';

/** The methods that change state (RFC 9110 §9.2.1: everything but the safe methods). */
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const EXEMPT = Symbol('kontor.csrf-exempt');

/** Over https the __Host- prefix pins the cookie to this host and path / (no subdomain can plant one). */
export function csrfCookieName(secureCookies: boolean): string {
  return secureCookies ? '__Host-kontor.csrf' : 'kontor.csrf';
}

/**
 * The explicit opt-out: put it first in a route's middleware, with the reason, for a route that must
 * accept cross-site requests and authenticates them by other means (a bearer token, a signed request).
 * The first use: upstream back-channel logout (interactions/federation-public.ts).
 */
export function csrfExempt(reason: string): Middleware {
  const passThrough: Middleware = (_ctx, next) => next();
  return Object.assign(passThrough, { [EXEMPT]: reason });
}

const isExempt = (layer: Layer) => layer.methods.length > 0 && layer.stack.some((middleware) => EXEMPT in middleware);

/**
 * Signed double-submit cookie (OWASP CSRF cheat sheet): a random value in an HttpOnly cookie and, in every
 * form, its HMAC under a key derived from KONTOR_SECRET. A cross-site page can neither read the cookie nor
 * compute the HMAC.
 */
export function csrfProtection(secret: string, secureCookies: boolean) {
  const key = deriveKey(secret, 'csrf');
  const cookieName = csrfCookieName(secureCookies);
  const tokenFor = (cookieValue: string) => hmacBase64Url(key, cookieValue);

  /** Gives the browser its cookie and the pages their token (ctx.state.csrfToken). */
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

  /**
   * CSRF by default: every unsafe request that one of `routers` would handle has its form parsed and its
   * token verified here, before any router middleware or handler runs (so a forged form costs no
   * interaction lookup and no password hash). Routes are looked up at request time, so a route added to
   * one of these routers is protected without asking. Requests no router of ours handles pass untouched
   * and unparsed: oidc-provider parses and protects its own (its logout form carries its own xsrf value).
   */
  const guard =
    (routers: readonly Router[], respond: ErrorResponder): Middleware =>
    async (ctx, next) => {
      if (!UNSAFE_METHODS.has(ctx.method)) return next();
      const layers = routers.flatMap((router) => {
        const matched = router.match(ctx.path, ctx.method);
        return matched.route ? matched.pathAndMethod : [];
      });
      if (layers.length === 0) return next();
      try {
        await formBody(ctx, async () => {});
        if (!layers.some(isExempt)) verify(ctx, (ctx.request.body as Record<string, unknown> | undefined)?.[CSRF_FIELD]);
      } catch (error) {
        respond(ctx, error);
        return;
      }
      await next();
    };

  return { middleware, guard };
}
