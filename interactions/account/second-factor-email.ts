import type { Context } from 'koa';
import { parseForm } from '../../src/http/validate.ts';
import { renderTooManyRequests } from '../abuse-protection.ts';
import type { AccountAreaContext, AccountAreaDeps } from './account-deps.ts';
import { renderAccountPage } from './account-page.ts';
import { emailCodeForm } from './credentials.schemas.ts';
import { changed, codeErrors } from './second-factor-outcome.ts';

function attempt(ctx: Context) {
  return { ip: ctx.ip, clientId: null, locale: ctx.state.locale === 'en' ? ('en' as const) : ('de' as const) };
}

async function context(deps: AccountAreaDeps, ctx: Context) {
  const { accountId } = ctx.state.account as AccountAreaContext;
  const [account, overview] = await Promise.all([deps.accounts.findById(accountId), deps.secondFactorChanges.overviewOf(accountId)]);
  return { accountId, email: account?.email ?? '', method: overview.method };
}

/**
 * GET /account/second-factor/email — e-mail codes as the second factor: a first factor or a switch from
 * the app (seed 002 "Änderung Mobile Token in E-Mail"). The page explains, a button mails the code.
 */
export async function showEmail(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const { email, method } = await context(deps, ctx);
  renderAccountPage(
    deps,
    ctx,
    'account/second-factor-email',
    { email, already: method === 'email_code', replacesApp: method === 'totp' },
    { title: 'account.second_factor.email_title' },
  );
}

async function renderEntry(
  deps: AccountAreaDeps,
  ctx: Context,
  extra: { fieldErrors?: Record<string, string>; waitSeconds?: number; resent?: boolean } = {},
  status = 200,
): Promise<void> {
  const { email, method } = await context(deps, ctx);
  const t = deps.views.translator(ctx);
  renderAccountPage(
    deps,
    ctx,
    'account/second-factor-email-code',
    {
      email,
      replacesApp: method === 'totp',
      minutes: deps.credentialSettings.emailCodeMinutes,
      resent: extra.resent,
      confirmAction: '/account/second-factor/email',
      resendAction: '/account/second-factor/email/send',
      ...codeErrors(t, t('enrol.email_code_label'), extra),
    },
    { title: 'account.second_factor.email_title', status },
  );
}

/**
 * POST /account/second-factor/email/send — mails the code (a new one replaces the open one). The outbox's
 * per-recipient cap may drop it silently; the page says the same either way.
 */
export async function sendEmailCode(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const { accountId, method } = await context(deps, ctx);
  if (method === 'email_code') {
    ctx.status = 303;
    return ctx.redirect('/account/second-factor/email');
  }
  await deps.secondFactorChanges.sendEnrolmentCode(accountId, attempt(ctx));
  await renderEntry(deps, ctx, { resent: (ctx.request.body as { resend?: unknown } | undefined)?.resend === '1' });
}

/** POST /account/second-factor/email — the code from the mail; the app (if any) goes in the same step. */
export async function submitEmailCode(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const { accountId } = ctx.state.account as AccountAreaContext;
  const form = parseForm(emailCodeForm, ctx.request.body);
  if (!form.ok) return renderEntry(deps, ctx, { fieldErrors: form.fieldErrors }, 400);
  const outcome = await deps.secondFactorChanges.confirmEmailChange(accountId, form.data.code, attempt(ctx));
  switch (outcome.kind) {
    case 'rate_limited':
      return renderTooManyRequests(deps.views, ctx, outcome.retryAfterSeconds);
    case 'throttled':
      ctx.set('Retry-After', String(outcome.retryAfterSeconds));
      return renderEntry(deps, ctx, { waitSeconds: outcome.retryAfterSeconds }, 429);
    case 'failed':
      return renderEntry(deps, ctx, { fieldErrors: { code: 'enrol.email_code_wrong' } }, 401);
    case 'changed':
      return changed(deps, ctx, outcome);
  }
}
