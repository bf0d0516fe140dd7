import type { Context, Middleware, Next } from 'koa';
import { ACCOUNT_CLIENT_ID, isFresh, safeReturnPath } from '../../src/self-service/index.ts';
import type { AccountAreaContext, AccountAreaDeps } from './account-deps.ts';
import { clearAccountCookie, sessionCookieName } from './account-cookies.ts';

/** The page a request stands for: a GET's own path and query, a POST's path (our forms post to the page that shows them). */
function pageOf(ctx: Context): string {
  return safeReturnPath(ctx.method === 'GET' || ctx.method === 'HEAD' ? `${ctx.path}${ctx.querystring ? `?${ctx.querystring}` : ''}` : ctx.path);
}

/** 303 to the account area's login, coming back to `page` afterwards. */
export function toAccountLogin(ctx: Context, page: string, reauth = false): void {
  ctx.status = 303;
  ctx.redirect(`/account/login?return=${encodeURIComponent(page)}${reauth ? '&reauth=1' : ''}`);
}

/**
 * The guard of every page under /account: an account-area session (its cookie, not idle, not expired),
 * an active account, and a live IdP login session whose authorization of the account client carries this
 * session's `sid` (issue 17 item 1: the area ends with the IdP session, e.g. a logout at any portal).
 * Otherwise the row is deleted and the person goes to /account/login, which comes back here. A page load
 * after `settings.refreshAfterSeconds` without an authorization request also goes through the login (which
 * passes silently while the IdP session holds), so the IdP session's idle limit does not end a busy area. Sets
 * `ctx.state.account` ({@link AccountAreaContext}).
 */
export function requireAccount(deps: AccountAreaDeps): Middleware {
  const cookieName = sessionCookieName(deps.settings.secureCookies);
  return async (ctx: Context, next: Next) => {
    const row = await deps.areaSessions.find(ctx.cookies.get(cookieName));
    const account = row ? await deps.accounts.findById(row.accountId) : null;
    const idp = row && account?.status === 'active' ? await deps.loginSessions.findByClientSid(row.accountId, ACCOUNT_CLIENT_ID, row.idpSid) : undefined;
    if (!row || !idp) {
      if (row) await deps.areaSessions.end(row.id);
      clearAccountCookie(ctx, cookieName, deps.settings.secureCookies);
      return toAccountLogin(ctx, pageOf(ctx));
    }
    // The IdP session's idle time runs only at the authorization endpoint: a person busy in the area passes
    // through it again (silently: the IdP session holds, no prompt) before it runs out, on a page load.
    const now = Math.floor(deps.clock.now().getTime() / 1000);
    if (ctx.method === 'GET' && now - idp.lastActiveAt > deps.settings.refreshAfterSeconds) return toAccountLogin(ctx, pageOf(ctx));
    const factors = await deps.secondFactors.factorsOf(row.accountId);
    const context: AccountAreaContext = {
      accountId: row.accountId,
      session: { id: row.id, authTime: row.authTime, amr: row.amr, acr: row.acr, idpSid: row.idpSid, idpUid: idp.uid },
      hasSecondFactor: factors.totp || factors.emailCode,
    };
    ctx.state.account = context;
    await next();
  };
}

/** What the freshness check needs of the area's deps (an AccountAreaDeps is one). */
export type FreshnessDeps = Pick<AccountAreaDeps, 'clock'> & { settings: Pick<AccountAreaDeps['settings'], 'reauthMinutes' | 'secondFactorLevel'> };

/**
 * Step-up before a change (issue 17 item 2): behind `requireAccount`, on the GET of a change page and on
 * every POST of a change. When the login is older than `account.reauthMinutes`, or is weaker than one with
 * the second factor the account has (isFresh), the request changes nothing and goes to /account/login?reauth=1 (which says why, then
 * asks Kontor for `max_age=0`) and comes back to `page` (default: the page of this request).
 */
export function requireFreshLogin(deps: FreshnessDeps, page?: string): Middleware {
  return async (ctx: Context, next: Next) => {
    const account = ctx.state.account as AccountAreaContext;
    const now = Math.floor(deps.clock.now().getTime() / 1000);
    const fresh = isFresh(account.session, now, {
      reauthMinutes: deps.settings.reauthMinutes,
      hasSecondFactor: account.hasSecondFactor,
      secondFactorLevel: deps.settings.secondFactorLevel,
    });
    if (!fresh) return toAccountLogin(ctx, page ?? pageOf(ctx), true);
    await next();
  };
}
