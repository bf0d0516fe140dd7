import type { Context, Next } from 'koa';
import type { Logger } from '../shared/logger.ts';

/** Load balancers probe an instance by its own address and over plain http: these answer whatever the Host. */
const PROBE_PATHS = new Set(['/healthz', '/readyz']);

/**
 * Pins every request to the issuer's origin. Koa (and oidc-provider through it) builds absolute URLs from
 * the request's Host, or X-Forwarded-Host behind a trusted proxy: discovery endpoints, the logout form's
 * action, redirects and the audience accepted for private_key_jwt assertions (RFC 7523 §3). A request
 * for another host is refused before anything is built from it, with 421 Misdirected Request
 * (RFC 9110 §15.5.20); once past this point, the request's origin is the issuer's.
 */
export function pinToIssuer(issuer: string, logger: Logger) {
  const expected = new URL(issuer);
  const scheme = expected.protocol.slice(0, -1);
  return async (ctx: Context, next: Next) => {
    if (PROBE_PATHS.has(ctx.path)) return next();
    if (scheme === 'https' && ctx.protocol !== 'https') {
      // The TLS proxy did not say the request came over https (X-Forwarded-Proto), or Kontor is reached
      // around the proxy. No redirect: with a proxy that never sends the header it would loop forever.
      logger.warn(
        { method: ctx.method, path: ctx.path, forwardedProto: ctx.get('X-Forwarded-Proto') || null },
        'request refused: it did not arrive over https (the proxy must send X-Forwarded-Proto: https)',
      );
      refuse(ctx, 400, `Bad Request: ${expected.origin} is served over https only.`);
      return;
    }
    if (ctx.protocol !== scheme || hostOf(ctx.host, expected.protocol) !== expected.host) {
      refuse(ctx, 421, `Misdirected Request: this server answers for ${expected.origin} only.`);
      return;
    }
    await next();
  };
}

/** The host as the issuer's URL would spell it (lower case, default port dropped); undefined if not a host. */
function hostOf(raw: string, protocol: string): string | undefined {
  if (!raw) return undefined;
  try {
    const url = new URL(`${protocol}//${raw}`);
    return url.username || url.password || url.pathname !== '/' || url.search || url.hash ? undefined : url.host;
  } catch {
    return undefined;
  }
}

/** A plain-text answer with nothing from the request in it: no page, no cookie, no redirect. */
function refuse(ctx: Context, status: number, text: string): void {
  ctx.status = status;
  ctx.type = 'text/plain';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = text;
}
