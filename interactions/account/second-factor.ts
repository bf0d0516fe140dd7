import type Router from '@koa/router';
import type { Context } from 'koa';
import type { AccountAreaContext, AccountAreaDeps } from './account-deps.ts';
import { requireFreshLogin } from './account-guard.ts';
import { renderAccountPage } from './account-page.ts';
import { showApp, submitApp } from './second-factor-app.ts';
import { sendEmailCode, showEmail, submitEmailCode } from './second-factor-email.ts';
import { showRecoveryCodes, showRemove, submitRecoveryCodes, submitRemove } from './second-factor-codes.ts';

/**
 * GET /account/second-factor — "Zweistufige Verifizierung" (seed 002): the method in use and since when,
 * the recovery codes left, and the actions (switch method, new device, new recovery codes, remove; set one
 * up when there is none). Reading needs only the session; each action's page needs a fresh login.
 */
async function showOverview(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const { accountId } = ctx.state.account as AccountAreaContext;
  const overview = await deps.secondFactorChanges.overviewOf(accountId);
  const format = new Intl.DateTimeFormat(ctx.state.locale === 'en' ? 'en-GB' : 'de-DE', { dateStyle: 'long', timeZone: deps.settings.timeZone });
  renderAccountPage(
    deps,
    ctx,
    'account/second-factor',
    {
      method: overview.method,
      totp: overview.method === 'totp',
      email: overview.method === 'email_code',
      methodKey: `account.second_factor.method_${overview.method ?? 'none'}`,
      since: overview.since ? format.format(overview.since) : undefined,
      sinceIso: overview.since?.toISOString(),
      codesLeft: overview.recoveryCodesLeft,
      removable: !deps.credentialSettings.secondFactorRequired,
    },
    { title: 'account.second_factor.title' },
  );
}

/**
 * The pages under /account/second-factor. Every change page — GET and POST — is behind a fresh login
 * with the current factor (`requireFreshLogin`: `mfa` in amr when the account has one), which is what the
 * seed asks before a new device is linked ("erst nach Ihrem nächsten Login"). A POST that is refused this
 * way changes nothing; it returns to the page's GET after the login.
 */
export function registerSecondFactorRoutes(router: Router, deps: AccountAreaDeps): void {
  const freshAt = (page: string) => requireFreshLogin(deps, page);
  router.get('/account/second-factor', async (ctx) => showOverview(deps, ctx));
  router.get('/account/second-factor/app', freshAt('/account/second-factor/app'), async (ctx) => showApp(deps, ctx));
  router.post('/account/second-factor/app', freshAt('/account/second-factor/app'), async (ctx) => submitApp(deps, ctx));
  router.get('/account/second-factor/email', freshAt('/account/second-factor/email'), async (ctx) => showEmail(deps, ctx));
  router.post('/account/second-factor/email/send', freshAt('/account/second-factor/email'), async (ctx) => sendEmailCode(deps, ctx));
  router.post('/account/second-factor/email', freshAt('/account/second-factor/email'), async (ctx) => submitEmailCode(deps, ctx));
  router.get('/account/second-factor/recovery-codes', freshAt('/account/second-factor/recovery-codes'), async (ctx) => showRecoveryCodes(deps, ctx));
  router.post('/account/second-factor/recovery-codes', freshAt('/account/second-factor/recovery-codes'), async (ctx) => submitRecoveryCodes(deps, ctx));
  router.get('/account/second-factor/remove', freshAt('/account/second-factor/remove'), async (ctx) => showRemove(deps, ctx));
  router.post('/account/second-factor/remove', freshAt('/account/second-factor/remove'), async (ctx) => submitRemove(deps, ctx));
}
