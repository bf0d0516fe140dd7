import type { Context } from 'koa';
import { PENDING_LOGIN_SECONDS, safeReturnPath } from '../../src/self-service/index.ts';
import { AppError } from '../../src/shared/app-error.ts';
import type { AccountAreaDeps } from './account-deps.ts';
import { clearAccountCookie, pendingCookieName, sessionCookieName, setAccountCookie } from './account-cookies.ts';
import { loginQuery } from './account.schemas.ts';

/**
 * GET /account/login — starts the account area's login at Kontor's authorization endpoint, like any portal
 * (client `kontor-account`, PKCE, state, nonce; no consent page: first party). With `reauth=1` it first
 * says why a new login is needed (a change needs one, issue 17 item 2) with a button; that button sends
 * `max_age=0` (OIDC Core §3.1.2.1), so Kontor asks for the password and, once enrolled, the second factor.
 */
export async function startAccountLogin(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const query = loginQuery.parse(ctx.query);
  const returnTo = safeReturnPath(query.return);
  if (query.reauth && !query.start) {
    ctx.set('Cache-Control', 'no-store');
    deps.views.render(ctx, 'account/reauth', { returnTo }, { title: 'account.reauth.title' });
    return;
  }
  const { url, sealed } = await deps.accountLogin.start({
    returnTo,
    maxAge: query.reauth ? 0 : query.max_age,
    prompt: query.prompt,
    acrValues: query.acr_values,
    uiLocales: ctx.state.locale as string | undefined,
  });
  setAccountCookie(ctx, pendingCookieName(deps.settings.secureCookies), sealed, deps.settings.secureCookies, PENDING_LOGIN_SECONDS);
  ctx.status = 303;
  ctx.redirect(url);
}

/**
 * GET /account/callback — the code comes back: openid-client redeems it and validates the ID token, a new
 * account-area session is stored (the cookie carries only its random token), and the person goes on to
 * the page they came for. A cancelled or failed login is the error page, with the way back to the start.
 */
export async function finishAccountLogin(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const secure = deps.settings.secureCookies;
  const pendingName = pendingCookieName(secure);
  const sealed = ctx.cookies.get(pendingName);
  clearAccountCookie(ctx, pendingName, secure);
  const callback = new URL(`${ctx.path}${ctx.search}`, deps.settings.issuer);
  const { login, returnTo } = await deps.accountLogin.finish(callback, sealed);
  const account = await deps.accounts.findById(login.accountId);
  if (account?.status !== 'active') throw new AppError('account.login_failed', 400);
  // A session this browser had before (another login) ends: one account-area session per browser.
  const previous = await deps.areaSessions.find(ctx.cookies.get(sessionCookieName(secure)));
  if (previous) await deps.areaSessions.end(previous.id);
  const token = await deps.areaSessions.create(login);
  setAccountCookie(ctx, sessionCookieName(secure), token, secure);
  ctx.status = 303;
  ctx.redirect(returnTo);
}

/**
 * POST /account/logout — ends the account-area session and sends the browser to Kontor's logout
 * (`end_session_endpoint` with `id_token_hint`, RP-Initiated Logout 1.0 §2), so the IdP session and with
 * it every portal's login ends too (back-channel logout); Kontor then returns to /account/logged-out.
 */
export async function logoutOfAccountArea(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const secure = deps.settings.secureCookies;
  const row = await deps.areaSessions.find(ctx.cookies.get(sessionCookieName(secure)));
  const url = await deps.accountLogin.logoutUrl(row ? deps.areaSessions.idTokenOf(row) : undefined);
  if (row) await deps.areaSessions.end(row.id);
  clearAccountCookie(ctx, sessionCookieName(secure), secure);
  ctx.status = 303;
  ctx.redirect(url);
}

/** GET /account/logged-out — where Kontor's logout returns to: says so, with the way to log in again. */
export function showLoggedOut(deps: AccountAreaDeps, ctx: Context): void {
  ctx.set('Cache-Control', 'no-store');
  deps.views.render(ctx, 'account/logged-out', {}, { title: 'account.logged_out.title' });
}
