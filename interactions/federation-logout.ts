import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import * as client from 'openid-client';
import { trustOf } from '../src/oidc/index.ts';
import type { Logger } from '../src/shared/logger.ts';
import type { FederationDeps } from './federation-context.ts';

/** Where the browser goes after the upstream's logout: Kontor's own next address, kept signed for the round trip. */
const RETURN_COOKIE = 'kontor.federation-logout';

export interface UpstreamLogoutDeps {
  provider: () => Provider;
  federation: FederationDeps;
  issuer: string;
  sessionCookie: string;
  secure: boolean;
  logger: Logger;
}

/**
 * Ending the Kontor session ends the upstream's too (OIDC RP-Initiated Logout 1.0 §2): around oidc-provider's
 * end_session (the confirmation, or the unasked logout with a valid id_token_hint), when the session stood
 * on a federated step and is gone afterwards, the browser is sent to the upstream's end_session_endpoint
 * first; its post_logout_redirect_uri brings it back to /federation/<id>/logged-out, which continues to where
 * Kontor would have sent it. An upstream without that endpoint is skipped (its own session then lives on).
 */
export function upstreamLogout(deps: UpstreamLogoutDeps): Middleware {
  return async (ctx, next) => {
    const ending = (ctx.method === 'POST' && ctx.path === '/session/end/confirm') || (ctx.method === 'GET' && ctx.path === '/session/end');
    if (!ending) return next();
    const cookie = ctx.cookies.get(deps.sessionCookie, { signed: true });
    const before = cookie ? ((await deps.provider().Session.find(cookie)) as { kontor?: unknown } | undefined) : undefined;
    const step = before ? trustOf(before)?.steps.find((candidate) => candidate.upstream) : undefined;
    await next();
    if (!step?.upstream || (ctx.status !== 302 && ctx.status !== 303) || (await deps.provider().Session.find(cookie!))) return;
    const upstream = deps.federation.directory.get(step.upstream);
    if (!upstream) return;
    try {
      const configuration = await deps.federation.directory.configurationOf(upstream);
      if (!configuration.serverMetadata().end_session_endpoint) return;
      const target = client.buildEndSessionUrl(configuration, {
        client_id: upstream.clientId,
        post_logout_redirect_uri: `${deps.issuer}/federation/${upstream.id}/logged-out`,
      });
      rememberReturn(ctx, deps.secure, ctx.response.get('Location'));
      ctx.status = 303;
      ctx.redirect(target.href);
    } catch (error) {
      // The Kontor session has ended already; an unreachable upstream must not turn that into an error page.
      deps.logger.warn({ upstream: upstream.id, reason: (error as Error).message }, 'upstream logout skipped');
    }
  };
}

function rememberReturn(ctx: Context, secure: boolean, location: string): void {
  ctx.cookies.set(RETURN_COOKIE, location, { signed: true, httpOnly: true, sameSite: 'lax', secure, path: '/federation', maxAge: 600_000, overwrite: true });
}

/** The address Kontor's logout was going to before the upstream's (signed by us, so no open redirect), once. */
export function takeReturn(ctx: Context, secure: boolean): string | undefined {
  const location = ctx.cookies.get(RETURN_COOKIE, { signed: true });
  if (location) ctx.cookies.set(RETURN_COOKIE, null, { path: '/federation', secure, signed: true });
  return location ?? undefined;
}
