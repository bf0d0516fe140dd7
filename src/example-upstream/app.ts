import Koa from 'koa';
import compose from 'koa-compose';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { randomBytes } from 'node:crypto';
import { generateSigningKeys } from './keys.ts';
import { interactionRoutes, SCOPE_CLAIMS } from './interactions.ts';
import { upstreamOptionsSchema, type UpstreamOptions } from './options.ts';
import { errorPage, loggedOutPage, logoutPage } from './pages.ts';
import { controlRoutes, SessionIndex, tokenMisbehaviour, type Behaviour } from './test-controls.ts';

export type { UpstreamOptions } from './options.ts';

/**
 * An example upstream OpenID provider: another federal state's "Servicekonto" that Kontor is a relying
 * party of (issue 18). Independent of Kontor's code, keeps nothing (in-memory adapter, keys made at start),
 * and follows the specs a real one does: discovery, code flow with PKCE S256 only, `iss` in the
 * authorization response (RFC 9207), the claims parameter, acr_values, RP-initiated and back-channel logout.
 */
export async function createUpstreamProvider(input: UpstreamOptions): Promise<{ app: Koa; issuer: string }> {
  const options = upstreamOptionsSchema.parse(input);
  const issuer = options.issuer ?? `http://${options.host}:${options.port}`;
  const keys = await generateSigningKeys();
  const cookieKeys = [randomBytes(32).toString('base64url')];
  const behaviour: Behaviour = { idTokenOverrides: {}, tokenStatus: undefined, accounts: options.accounts };
  const accountOf = (sub: string) => behaviour.accounts.find((account) => account.sub === sub);
  const name = options.name;

  const configuration: Configuration = {
    jwks: { keys: keys as NonNullable<Configuration['jwks']>['keys'] },
    clients: options.clients as Configuration['clients'],
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
      // With a back-channel logout URI the ID token carries `sid` (Back-Channel Logout 1.0 §2.1), the logout token too.
      backchannel_logout_session_required: true,
    },
    cookies: {
      keys: cookieKeys,
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
      names: { session: 'upstream.session', interaction: 'upstream.interaction', resume: 'upstream.resume' },
    },
    // acr, amr and auth_time say how the person logged in (OIDC Core §2, RFC 8176): in every ID token.
    claims: { sid: null, iss: null, openid: ['sub', 'acr', 'amr', 'auth_time'], ...SCOPE_CLAIMS },
    // The account's claims for the granted scopes go into the ID token as well as userinfo: what Kontor reads.
    conformIdTokenClaims: false,
    acrValues: options.acrValues ?? [...new Set(options.accounts.map((account) => account.acr))],
    findAccount: async (_ctx, sub) => {
      const account = accountOf(sub);
      return account ? { accountId: sub, claims: async () => ({ ...account.claims, sub }) } : undefined;
    },
    scopes: ['openid', ...Object.keys(SCOPE_CLAIMS)],
    responseTypes: ['code'],
    clientAuthMethods: ['client_secret_basic', 'private_key_jwt'],
    // RFC 9700 §2.1.1: PKCE for every client; oidc-provider accepts S256 only.
    pkce: { required: () => true },
    allowOmittingSingleRegisteredRedirectUri: false,
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      userinfo: { enabled: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          const client = (ctx as KoaContextWithOIDC).oidc.client;
          page(ctx, 200, logoutPage(name, form, client?.clientName ?? client?.clientId));
        },
        postLogoutSuccessSource: async (ctx) => page(ctx, 200, loggedOutPage(name)),
      },
    },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 1800, Session: 3600, Grant: 3600 },
    // Back-channel logout goes to Kontor on loopback in development and tests: let it reach private addresses
    // (oidc-provider's own dispatcher refuses them, an SSRF protection a real upstream keeps).
    fetch: (url, init) => {
      delete (init as { dispatcher?: unknown }).dispatcher;
      return fetch(url, init);
    },
    renderError: async (ctx, out) => page(ctx, Math.max(ctx.status, 400), errorPage(name, String(out.error), out.error_description as string | undefined)),
  };

  const provider = new Provider(issuer, configuration);
  const sessions = new SessionIndex(provider);
  const app = new Koa({ keys: cookieKeys });
  app.use(async (ctx, next) => {
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
    await next();
  });
  const interactions = interactionRoutes({ provider, name, accounts: () => behaviour.accounts });
  app.use(interactions.routes());
  if (options.testControls) {
    const controls = controlRoutes(behaviour, options.accounts, sessions);
    app.use(controls.routes());
    app.use(tokenMisbehaviour(behaviour, keys));
  }
  app.use(compose(provider.middleware as Koa.Middleware[]));
  return { app, issuer };
}

function page(ctx: Koa.Context | KoaContextWithOIDC, status: number, body: string): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = body;
}
