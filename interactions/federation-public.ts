import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { InteractionDeps } from './routes.ts';
import { browserToken, federationCookieName, type FederationDeps } from './federation-context.ts';
import { upstreamParams } from './federation.schemas.ts';
import { showFederationError } from './federation-errors.ts';
import { csrfExempt } from '../src/http/csrf.ts';
import { takeReturn } from './federation-logout.ts';

export interface FederationPublicDeps {
  deps: InteractionDeps;
  federation: FederationDeps;
  /** Validates a logout token and ends the sessions it names; false when the token is refused. */
  backchannelLogout: (upstreamId: string, logoutToken: string) => Promise<boolean>;
}

/**
 * /federation/:id/… — what the upstreams call: the callback (a top-level redirect carrying the browser's
 * SameSite=Lax binding cookie but no interaction cookie, whose path is /interaction/:uid), the return after
 * an upstream logout, and back-channel logout (a machine request, no browser, exempt from the CSRF guard).
 */
export function federationPublicRoutes(input: FederationPublicDeps, pageMiddleware: Middleware[]): Router {
  const { deps, federation } = input;
  const router = new Router({ prefix: '/federation' });
  const secure = deps.settings.secureCookies;

  router.get('/:id/callback', ...pageMiddleware, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const params = upstreamParams.safeParse(ctx.params);
    const upstream = params.success ? federation.directory.get(params.data.id) : undefined;
    if (!upstream) return showFederationError(deps, ctx, { failure: 'unknown_upstream' });
    // The URL as the upstream redirected to it: Kontor's issuer, not the host header (RFC 6749 §3.1.2).
    const currentUrl = new URL(`${federation.service.redirectUri(upstream.id)}${ctx.search}`);
    const outcome = await federation.service.callback(upstream, currentUrl, browserToken(ctx, secure));
    if (!outcome.ok) {
      await deps.audit({ type: 'login.federated_failed', ip: ctx.ip, details: { upstream: upstream.id, reason: outcome.failure } });
      return showFederationError(deps, ctx, { failure: outcome.failure, uid: outcome.uid, upstreamName: upstream.name });
    }
    ctx.status = 303;
    ctx.redirect(`/interaction/${outcome.uid}/federation/return?request=${outcome.requestId}`);
  });

  /** Where an upstream sends the browser after its own logout (OIDC RP-Initiated Logout 1.0 §3). */
  router.get('/:id/logged-out', ...pageMiddleware, async (ctx) => {
    ctx.cookies.set(federationCookieName(secure), null, { path: '/', secure });
    ctx.set('Cache-Control', 'no-store');
    const next = takeReturn(ctx, secure);
    if (next) {
      ctx.status = 303;
      return ctx.redirect(next);
    }
    deps.views.render(ctx, 'federation/logged-out', {}, { title: 'federation.logged_out_title' });
  });

  // OIDC Back-Channel Logout 1.0 §2.5: a POST from the upstream's server, authenticated by the signed logout token.
  router.post('/:id/backchannel-logout', csrfExempt('machine endpoint: OIDC Back-Channel Logout, the signed logout_token authenticates it'), async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const params = upstreamParams.safeParse(ctx.params);
    const token = (ctx.request.body as { logout_token?: unknown } | undefined)?.logout_token;
    const ok = params.success && typeof token === 'string' && token.length < 16_384 && (await input.backchannelLogout(params.data.id, token));
    // §2.8: 200 on success, 400 with an error otherwise.
    ctx.status = ok ? 200 : 400;
    ctx.body = ok ? '' : { error: 'invalid_request' };
  });

  return router;
}
