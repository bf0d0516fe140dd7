import type Router from '@koa/router';
import type { Context } from 'koa';
import type { AccountAreaContext, AccountAreaDeps } from './account-deps.ts';
import { clearAccountCookie, sessionCookieName } from './account-cookies.ts';
import { requireFreshLogin } from './account-guard.ts';
import { renderAccountPage } from './account-page.ts';

/** GET: what locking does (every session ends, no login until the mailed link unlocks), and the button. */
async function showLock(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const { accountId } = ctx.state.account as AccountAreaContext;
  const account = await deps.accounts.findById(accountId);
  if (!account) return;
  renderAccountPage(deps, ctx, 'account-lock/lock', { email: account.email, days: deps.settings.unlockLinkDays }, { title: 'account.lock.title' });
}

/**
 * POST: locks the account (issue 17 item 8). Everything of it ends, this area's session with it (the
 * guard would find no IdP session on the next request; it is ended here at once), so the answer is the
 * public "locked" page, not the dashboard.
 */
async function submitLock(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const account = ctx.state.account as AccountAreaContext;
  await deps.accountLock.lock(account.accountId, { actor: 'self', ip: ctx.ip });
  await deps.areaSessions.end(account.session.id);
  clearAccountCookie(ctx, sessionCookieName(deps.settings.secureCookies), deps.settings.secureCookies);
  ctx.status = 303;
  ctx.redirect('/account/locked');
}

/**
 * /account/lock. A lock is a change (issue 17 item 2), so it needs a fresh login, with the second factor
 * where the account has one; a person who fears misuse still reaches it with their own factor. The unlock
 * pages need no session and live in interactions/account-unlock.ts.
 */
export function registerLockRoutes(router: Router, deps: AccountAreaDeps): void {
  router.get('/account/lock', requireFreshLogin(deps), async (ctx) => showLock(deps, ctx));
  router.post('/account/lock', requireFreshLogin(deps), async (ctx) => submitLock(deps, ctx));
}
