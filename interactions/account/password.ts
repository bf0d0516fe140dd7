import type Router from '@koa/router';
import type { Context } from 'koa';
import { errorSummary, fieldMessages, parseForm } from '../../src/http/validate.ts';
import { renderTooManyRequests, waitText } from '../abuse-protection.ts';
import { checkNewPassword, passwordRuleViews } from '../password-fields.ts';
import type { AccountAreaContext, AccountAreaDeps } from './account-deps.ts';
import { requireFreshLogin } from './account-guard.ts';
import { redirectDone, renderAccountPage } from './account-page.ts';
import { passwordChangeForm } from './credentials.schemas.ts';

const FIELDS = [{ name: 'currentPassword' }, { name: 'password' }, { name: 'passwordConfirmation' }];

/** The account's names and address: the new password must contain none of them (as at registration and reset). */
async function personOf(deps: AccountAreaDeps, accountId: string) {
  const account = await deps.accounts.findById(accountId);
  return account ? { email: account.email, username: account.username, givenName: account.givenName, familyName: account.familyName } : undefined;
}

async function render(deps: AccountAreaDeps, ctx: Context, input: { errors?: Record<string, string>; violated?: Set<string> } = {}, status = 200) {
  const { accountId } = ctx.state.account as AccountAreaContext;
  const errors = input.errors ?? {};
  const t = deps.views.translator(ctx);
  renderAccountPage(
    deps,
    ctx,
    'account/password',
    {
      errors,
      errorList: errorSummary(errors, FIELDS),
      // Passwords are never sent back into a form (OWASP ASVS 4.0 V2.1.x: no prefill); the page says so.
      passwordNote: Object.keys(errors).length ? 'form.password_cleared' : undefined,
      passwordLabel: 'account.password.new',
      passwordRules: passwordRuleViews(deps.credentialSettings.passwordPolicy, t, input.violated, await personOf(deps, accountId)),
    },
    { title: 'account.password.title', status },
  );
}

/**
 * POST /account/password (issue 17 item 5): the new password's rules are checked here first (no hash, no
 * count); then the service checks the current password through the login's gates, stores the new one and
 * ends every other login session with back-channel logout. This browser's IdP session (`idpUid`) stays.
 */
async function submit(deps: AccountAreaDeps, ctx: Context): Promise<void> {
  const account = ctx.state.account as AccountAreaContext;
  const t = deps.views.translator(ctx);
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const form = parseForm(passwordChangeForm, body);
  const person = await personOf(deps, account.accountId);
  const checked = checkNewPassword(deps.credentialSettings.passwordPolicy, t, text(body.password), text(body.passwordConfirmation), person);
  const errors = { ...(form.ok ? {} : fieldMessages(t, FIELDS, form.fieldErrors)), ...checked.errors };
  if (!form.ok || Object.keys(errors).length) return render(deps, ctx, { errors, violated: checked.violated }, 400);

  const outcome = await deps.passwordChange.changePassword(account.accountId, form.data.currentPassword, form.data.password, {
    ip: ctx.ip,
    keepSessionUid: account.session.idpUid,
  });
  switch (outcome.kind) {
    case 'rate_limited':
      return renderTooManyRequests(deps.views, ctx, outcome.retryAfterSeconds);
    case 'throttled':
      ctx.set('Retry-After', String(outcome.retryAfterSeconds));
      return render(deps, ctx, { errors: { currentPassword: t('account.password.throttled', { wait: waitText(t, outcome.retryAfterSeconds) }) } }, 429);
    case 'wrong_password':
      return render(deps, ctx, { errors: { currentPassword: t('account.password.current_wrong') } }, 401);
    case 'rejected': {
      const violated = new Set(outcome.violations.map((rule) => rule.key));
      const text = violated.has('password.rule.not_current') ? t('password.fix.not_current') : t('error.password.policy');
      return render(deps, ctx, { errors: { password: text }, violated }, 400);
    }
    case 'changed':
      deps.logger.info({ accountId: account.accountId, sessionsEnded: outcome.sessionsEnded }, 'password changed in the account area');
      return redirectDone(ctx, 'password_changed');
  }
}

/** GET/POST /account/password, both behind a fresh login (issue 17 item 2). */
export function registerPasswordRoutes(router: Router, deps: AccountAreaDeps): void {
  const fresh = requireFreshLogin(deps);
  router.get('/account/password', fresh, async (ctx) => render(deps, ctx));
  router.post('/account/password', fresh, async (ctx) => submit(deps, ctx));
}
