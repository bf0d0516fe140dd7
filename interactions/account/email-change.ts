import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Locale } from '../../src/i18n/index.ts';
import { errorSummary, fieldMessages, parseForm, type FormField } from '../../src/http/validate.ts';
import { AppError } from '../../src/shared/app-error.ts';
import { equalise, renderTooManyRequests } from '../abuse-protection.ts';
import type { AccountAreaContext, AccountAreaDeps } from './account-deps.ts';
import { requireFreshLogin } from './account-guard.ts';
import { renderAccountPage } from './account-page.ts';
import { emailChangeForm, emailTokenQuery } from './profile.schemas.ts';

// "E-Mail-Adresse ändern" (issue 17 item 4, seed 001 steps 1–10). The request needs a fresh login; the
// link from the mail works without the area's session (it may be opened on another device), with the token only.

/** The confirmation link's paths: open without the account area's session (routes.ts OPEN_PATHS). */
export const EMAIL_CONFIRM_PATH = '/account/email/confirm';

export function registerEmailChangeRoutes(router: Router, deps: AccountAreaDeps): void {
  const fresh = requireFreshLogin(deps);
  router.get('/account/email', fresh, async (ctx) => showEmailForm(deps, ctx));
  router.post('/account/email', fresh, async (ctx) => submitEmailForm(deps, ctx));
  router.get(EMAIL_CONFIRM_PATH, async (ctx) => showConfirm(deps, ctx));
  router.post(EMAIL_CONFIRM_PATH, async (ctx) => submitConfirm(deps, ctx));
}

function emailFields(t: (key: string) => string): FormField[] {
  return [
    { name: 'newEmail', label: t('account.email.new') },
    { name: 'newEmailConfirmation', label: t('account.email.repeat') },
  ];
}

async function showEmailForm(deps: AccountAreaDeps, ctx: Context, input?: { values: Record<string, string>; errors: Record<string, string> }, status = 200) {
  const { accountId } = ctx.state.account as AccountAreaContext;
  const account = await deps.accounts.findById(accountId);
  if (!account) throw new AppError('account.not_found', 404);
  const errors = input?.errors ?? {};
  renderAccountPage(
    deps,
    ctx,
    'account/email',
    {
      currentEmail: account.email,
      hours: deps.settings.emailChangeHours,
      values: input?.values ?? {},
      errors,
      errorList: errorSummary(errors, emailFields(deps.views.translator(ctx))),
    },
    { title: 'account.email.title', status },
  );
}

/** POST /account/email: the same page, status and (padded) timing whether the new address is free or taken. */
async function submitEmailForm(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const { accountId } = ctx.state.account as AccountAreaContext;
  const t = deps.views.translator(ctx);
  const body = (ctx.request.body as Record<string, unknown> | undefined) ?? {};
  const values = { newEmail: String(body.newEmail ?? '').slice(0, 254), newEmailConfirmation: String(body.newEmailConfirmation ?? '').slice(0, 254) };
  const form = parseForm(emailChangeForm, body);
  if (!form.ok) return showEmailForm(deps, ctx, { values, errors: fieldMessages(t, emailFields(t), form.fieldErrors) }, 400);
  const started = Date.now();
  let outcome: Awaited<ReturnType<AccountAreaDeps['emailChanges']['requestEmailChange']>>;
  try {
    outcome = await deps.emailChanges.requestEmailChange(accountId, form.data.newEmail, { ip: ctx.ip, locale: ctx.state.locale as Locale });
  } catch (error) {
    if (error instanceof AppError && error.status === 400)
      return showEmailForm(deps, ctx, { values, errors: fieldMessages(t, emailFields(t), { newEmail: error.code }) }, 400);
    throw error;
  }
  if (outcome.kind === 'limited') return renderTooManyRequests(deps.views, ctx, outcome.retryAfterSeconds);
  await equalise(started, deps.settings.minimumResponseMs);
  renderAccountPage(
    deps,
    ctx,
    'account/email-sent',
    { email: form.data.newEmail, hours: deps.settings.emailChangeHours },
    { title: 'account.email.sent_title' },
  );
}

function renderLinkPage(deps: AccountAreaDeps, ctx: Context, taken: boolean): void {
  deps.views.render(
    ctx,
    'account/email-link-invalid',
    { taken, hours: deps.settings.emailChangeHours },
    { title: taken ? 'account.email.taken_title' : 'account.email.link_invalid_title', status: taken ? 409 : 410 },
  );
}

/** GET /account/email/confirm?token=… — a page with a button: mail scanners prefetch links, a GET changes nothing. */
async function showConfirm(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const query = emailTokenQuery.safeParse(ctx.query);
  const link = query.success ? await deps.emailChanges.peek(query.data.token) : null;
  if (!query.success || !link) return renderLinkPage(deps, ctx, false);
  deps.views.render(ctx, 'account/email-confirm', { token: query.data.token }, { title: 'account.email.confirm_title' });
}

/** POST /account/email/confirm — uses the link: from now on only the new address logs in. */
async function submitConfirm(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const form = emailTokenQuery.safeParse(ctx.request.body ?? {});
  if (!form.success) return renderLinkPage(deps, ctx, false);
  const outcome = await deps.emailChanges.confirmEmailChange(form.data.token, { ip: ctx.ip });
  if (outcome.kind !== 'changed') return renderLinkPage(deps, ctx, outcome.kind === 'taken');
  deps.views.render(ctx, 'account/email-confirmed', {}, { title: 'account.email.confirmed_title' });
}
