import type { Context, Next } from 'koa';

/** Headers for every response, the provider's included. Page-specific CSP is set by the view renderer. */
export function securityHeaders(https: boolean) {
  return async (ctx: Context, next: Next) => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('X-Frame-Options', 'DENY');
    if (https) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    await next();
  };
}
