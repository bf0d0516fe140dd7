import Router from '@koa/router';
import { koaBody } from 'koa-body';
import type Koa from 'koa';
import type Provider from 'oidc-provider';
import type { UpstreamAccount } from './options.ts';
import { consentPage, loginPage } from './pages.ts';

/** Claims per scope (OIDC Core §5.4), the same table the provider is configured with. */
export const SCOPE_CLAIMS: Record<string, string[]> = {
  profile: ['given_name', 'family_name', 'name', 'birthdate', 'gender', 'locale'],
  email: ['email', 'email_verified'],
  address: ['address'],
  phone: ['phone_number', 'phone_number_verified'],
};

/** Claims about the login itself: never listed as data being transferred. */
const LOGIN_CLAIMS = new Set(['sub', 'sid', 'auth_time', 'acr', 'amr', 'iss']);

export interface InteractionDeps {
  provider: Provider;
  name: string;
  accounts: () => UpstreamAccount[];
}

interface ConsentDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

/**
 * The login and consent pages behind `/interaction/:uid` (oidc-provider's interaction pattern). The forms
 * carry no CSRF token of their own: every handler needs the interaction cookie (SameSite=Lax, so a
 * cross-site POST arrives without it) and an interaction it names. The seed's journey: the person logs
 * in, then agrees to the transfer of the data listed with their values; "Abbrechen" and "Ablehnen" end
 * the request with `access_denied` (OIDC Core §3.1.2.6).
 */
export function interactionRoutes(deps: InteractionDeps): Router {
  const { provider } = deps;
  const router = new Router();
  const form = koaBody({ urlencoded: true, json: false, text: false, multipart: false, formLimit: '8kb' });
  const html = (ctx: Koa.Context, status: number, body: string) => {
    ctx.status = status;
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = body;
  };
  // interactionResult, then Koa's own redirect (interactionFinished would end the response behind Koa's back).
  const finish = async (ctx: Koa.Context, result: Parameters<Provider['interactionResult']>[2], mergeWithLastSubmission: boolean) => {
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission });
    ctx.status = 303;
    ctx.redirect(returnTo);
  };
  const clientName = async (clientId: string) => {
    const client = await provider.Client.find(clientId);
    return client?.clientName ?? clientId;
  };

  router.get('/interaction/:uid', async (ctx) => {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const name = await clientName(String(details.params.client_id));
    if (details.prompt.name === 'login') {
      html(ctx, 200, loginPage({ provider: deps.name, uid: details.uid, clientName: name }));
      return;
    }
    const account = deps.accounts().find((candidate) => candidate.sub === details.session?.accountId);
    html(ctx, 200, consentPage({ provider: deps.name, uid: details.uid, clientName: name, claims: account ? releasedClaims(details, account) : [] }));
  });

  router.post('/interaction/:uid/login', form, async (ctx) => {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const body = ctx.request.body as Record<string, string | undefined>;
    const account = deps.accounts().find((candidate) => candidate.username === body.username && candidate.password === body.password);
    if (!account) {
      const name = await clientName(String(details.params.client_id));
      html(ctx, 401, loginPage({ provider: deps.name, uid: details.uid, clientName: name, username: body.username, failed: true }));
      return;
    }
    // The account's configured level is reported whatever acr_values asked for (a too-low upstream level).
    await finish(ctx, { login: { accountId: account.sub, acr: account.acr, amr: account.amr } }, false);
  });

  router.post('/interaction/:uid/consent', async (ctx) => {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const accountId = details.session?.accountId;
    if (details.prompt.name !== 'consent' || !accountId) ctx.throw(400, 'no consent is asked in this interaction');
    const clientId = String(details.params.client_id);
    const grant = (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ?? new provider.Grant({ accountId, clientId });
    const missing = details.prompt.details as ConsentDetails;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
    const grantId = await grant.save();
    await finish(ctx, { consent: { grantId } }, true);
  });

  router.post('/interaction/:uid/abort', async (ctx) => {
    await provider.interactionDetails(ctx.req, ctx.res);
    const result = { error: 'access_denied', error_description: 'Die Person hat die Anmeldung abgebrochen oder der Übermittlung nicht zugestimmt.' };
    await finish(ctx, result, false);
  });

  return router;
}

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

/** What the consent releases: the claims of the requested scopes and of the `claims` parameter the account has. */
function releasedClaims(details: Details, account: UpstreamAccount): Array<[string, unknown]> {
  const scopes = String(details.params.scope ?? '').split(' ');
  const names = new Set([...scopes.flatMap((scope) => SCOPE_CLAIMS[scope] ?? []), ...((details.prompt.details as ConsentDetails).missingOIDCClaims ?? [])]);
  return [...names].filter((name) => !LOGIN_CLAIMS.has(name) && account.claims[name] !== undefined).map((name) => [name, account.claims[name]]);
}
