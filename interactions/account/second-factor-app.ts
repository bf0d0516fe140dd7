import type { Context } from 'koa';
import type { TotpEnrolment } from '../../src/credentials/index.ts';
import { parseForm } from '../../src/http/validate.ts';
import { renderTooManyRequests } from '../abuse-protection.ts';
import { groupedSecret } from '../enrolment-totp.ts';
import type { AccountAreaContext, AccountAreaDeps } from './account-deps.ts';
import { renderAccountPage } from './account-page.ts';
import { appCodeForm } from './credentials.schemas.ts';
import { changed, codeErrors } from './second-factor-outcome.ts';

/** The name the app lists the account under: the username where the deployment has them, else the address. */
async function labelOf(deps: AccountAreaDeps, accountId: string): Promise<string> {
  const account = await deps.accounts.findById(accountId);
  return account?.username ?? account?.email ?? '';
}

async function render(
  deps: AccountAreaDeps,
  ctx: Context,
  view: TotpEnrolment,
  extra: { fieldErrors?: Record<string, string>; waitSeconds?: number } = {},
  status = 200,
): Promise<void> {
  const { accountId } = ctx.state.account as AccountAreaContext;
  const t = deps.views.translator(ctx);
  const overview = await deps.secondFactorChanges.overviewOf(accountId);
  const device = overview.method === 'totp';
  renderAccountPage(
    deps,
    ctx,
    'account/second-factor-app',
    {
      headingKey: device ? 'account.second_factor.app_title_device' : 'account.second_factor.app_title',
      keepsKey: device ? 'account.second_factor.app_keeps_old' : overview.method === 'email_code' ? 'account.second_factor.app_replaces_email' : undefined,
      qrSvg: view.qrSvg,
      secretGrouped: groupedSecret(view.secret),
      confirmAction: '/account/second-factor/app',
      ...codeErrors(t, t('enrol.totp_code_label'), extra),
    },
    { title: device ? 'account.second_factor.app_title_device' : 'account.second_factor.app_title', status },
  );
}

/**
 * GET /account/second-factor/app — a new app: a first factor, a switch from e-mail codes, or a new device
 * (seed 002 "Neue Verknüpfung mit Mobilgerät herstellen"). Each load starts a new pending secret; the
 * factor in use stays until the new app's first code confirms it.
 */
export async function showApp(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const { accountId } = ctx.state.account as AccountAreaContext;
  const enrolment = await deps.secondFactorChanges.startTotpEnrolment(accountId, await labelOf(deps, accountId));
  await render(deps, ctx, enrolment);
}

/** POST /account/second-factor/app — the new app's first code; a wrong one shows the same pending secret again. */
export async function submitApp(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const { accountId } = ctx.state.account as AccountAreaContext;
  const view = await deps.secondFactorChanges.pendingTotpEnrolment(accountId, await labelOf(deps, accountId));
  if (!view) {
    // Nothing pending (confirmed in another tab, or abandoned and purged): the page with a new secret.
    ctx.status = 303;
    return ctx.redirect('/account/second-factor/app');
  }
  const form = parseForm(appCodeForm, ctx.request.body);
  if (!form.ok) return render(deps, ctx, view, { fieldErrors: form.fieldErrors }, 400);
  const outcome = await deps.secondFactorChanges.confirmTotpChange(accountId, form.data.code, {
    ip: ctx.ip,
    clientId: null,
    locale: ctx.state.locale === 'en' ? 'en' : 'de',
  });
  switch (outcome.kind) {
    case 'rate_limited':
      return renderTooManyRequests(deps.views, ctx, outcome.retryAfterSeconds);
    case 'throttled':
      ctx.set('Retry-After', String(outcome.retryAfterSeconds));
      return render(deps, ctx, view, { waitSeconds: outcome.retryAfterSeconds }, 429);
    case 'failed':
      return render(deps, ctx, view, { fieldErrors: { code: 'enrol.code_wrong' } }, 401);
    case 'changed':
      return changed(deps, ctx, outcome);
  }
}
