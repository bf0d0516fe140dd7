import type { Context } from 'koa';
import type { AccountAreaContext, AccountAreaDeps } from './account-deps.ts';
import { renderAccountPage } from './account-page.ts';
import { dashboardQuery } from './account.schemas.ts';

/** The dashboard's tiles (seed 002 "Weitere Funktionen im Dashboard", seed 004 "Mein Bereich"), in this order. */
const TILES = [
  { key: 'profile', href: '/account/profile' },
  { key: 'email', href: '/account/email' },
  { key: 'password', href: '/account/password' },
  { key: 'second_factor', href: '/account/second-factor' },
  { key: 'organisations', href: '/account/organisations' },
  { key: 'data_access', href: '/account/data-access' },
  { key: 'sessions', href: '/account/sessions' },
  { key: 'export', href: '/account/export' },
  { key: 'lock', href: '/account/lock' },
  { key: 'delete', href: '/account/delete' },
] as const;

/**
 * GET /account — "Mein Bereich": who is logged in (name, e-mail address, the second factor's state), a
 * tile per function, and after a change its notice (`?done=<key>` → `account.done.<key>`, only keys the
 * catalogue has: a crafted key shows nothing).
 */
export async function showDashboard(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const { accountId } = ctx.state.account as AccountAreaContext;
  const [account, factors] = await Promise.all([deps.accounts.findById(accountId), deps.secondFactors.factorsOf(accountId)]);
  if (!account) return; // the guard has just found it; deleted in between: 404
  const t = deps.views.translator(ctx);
  const done = dashboardQuery.parse(ctx.query).done;
  const secondFactor = factors.totp ? 'totp' : factors.emailCode ? 'email_code' : 'none';
  renderAccountPage(
    deps,
    ctx,
    'account/dashboard',
    {
      name: `${account.givenName} ${account.familyName}`.trim(),
      email: account.email,
      secondFactorKey: `account.second_factor_state.${secondFactor}`,
      recoveryCodesLeft: factors.recoveryCodesLeft,
      notice: done && t.has(`account.done.${done}`) ? `account.done.${done}` : undefined,
      tiles: TILES.map((tile) => ({ ...tile, titleKey: `account.tile.${tile.key}.title`, textKey: `account.tile.${tile.key}.text` })),
    },
    { title: 'account.title' },
  );
}
