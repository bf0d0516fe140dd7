import type { Context } from 'koa';
import type { Locale } from '../src/i18n/index.ts';
import { errorSummary, parseForm } from '../src/http/validate.ts';
import type { PublicDeps } from './public-routes.ts';
import { liveInteraction, portalOf } from './interaction-origin.ts';
import { forgotPasswordForm, interactionQuery, resetPasswordForm, tokenQuery } from './registration.schemas.ts';
import { checkNewPassword, passwordRuleViews } from './password-fields.ts';
import { equalise, withinHashingLimit, withinIpLimit } from './abuse-protection.ts';

/** GET /password/forgot — asks for the login name. */
export async function showForgot(deps: PublicDeps, ctx: Context, input?: { identifier: string; error?: string }, status = 200): Promise<void> {
  const query = interactionQuery.parse(ctx.query);
  deps.views.render(
    ctx,
    'password/forgot',
    {
      identifier: input?.identifier ?? '',
      error: input?.error,
      errorList: errorSummary({ identifier: input?.error }, [{ name: 'identifier' }]),
      usernameMode: deps.settings.registration.usernameMode === 'username',
      interaction: query.interaction ?? (ctx.request.body as { interaction?: string } | undefined)?.interaction,
    },
    { title: 'password.forgot_title', status },
  );
}

/** POST /password/forgot — the same page and timing whether or not an account exists. */
export async function submitForgot(deps: PublicDeps, ctx: Context): Promise<void> {
  const body = (ctx.request.body as Record<string, unknown> | undefined) ?? {};
  const form = parseForm(forgotPasswordForm, body);
  if (!form.ok) {
    // In e-mail mode the address is the only login name: the message asks for it alone (seed 001).
    const code = form.fieldErrors.identifier ?? 'password.identifier_required';
    const error = deps.views.translator(ctx)(deps.settings.registration.usernameMode === 'email' ? `${code}_email` : code);
    return showForgot(deps, ctx, { identifier: typeof body.identifier === 'string' ? body.identifier : '', error }, 400);
  }
  if (!(await withinIpLimit(deps, ctx, 'reset-ip', deps.settings.rateLimits.resetPerIp))) return;
  const started = Date.now();
  const byAccount = await deps.rateLimiter.hit('reset-account', form.data.key, deps.settings.rateLimits.resetPerAccount);
  const origin = await liveInteraction(deps.provider, form.data.interaction);
  await deps.passwordReset.request({
    identifier: form.data.identifier,
    ip: ctx.ip,
    locale: ctx.state.locale as Locale,
    interactionUid: origin?.uid,
    clientId: origin?.clientId,
    mayMail: byAccount.allowed,
  });
  await equalise(started, deps.settings.minimumResponseMs);
  deps.views.render(
    ctx,
    'password/sent',
    { minutes: deps.settings.registration.resetMinutes, loginUrl: origin ? `/interaction/${origin.uid}` : undefined },
    { title: 'password.sent_title' },
  );
}

function renderInvalidLink(deps: PublicDeps, ctx: Context): void {
  deps.views.render(ctx, 'password/link-invalid', { forgotUrl: '/password/forgot' }, { title: 'password.link_invalid_title', status: 410 });
}

/** GET /password/reset?token=… — the new-password form while the link is good. */
export async function showReset(
  deps: PublicDeps,
  ctx: Context,
  input?: { token: string; errors: Record<string, string>; violated: Set<string> },
  status = 200,
): Promise<void> {
  const token = input?.token ?? tokenQuery.safeParse(ctx.query).data?.token;
  // The page names the account, so a person with several knows which one the new password is for.
  const link = token ? await deps.passwordReset.peek(token) : null;
  if (!token || !link) return renderInvalidLink(deps, ctx);
  const errors = input?.errors ?? {};
  deps.views.render(
    ctx,
    'password/reset',
    {
      token,
      email: link.email,
      errors,
      errorList: errorSummary(errors, [{ name: 'password' }, { name: 'passwordConfirmation' }]),
      passwordNote: Object.keys(errors).length ? 'form.password_cleared' : undefined,
      passwordRules: passwordRuleViews(deps.settings.passwordPolicy, deps.views.translator(ctx), input?.violated, link.person),
    },
    { title: 'password.reset_title', status },
  );
}

/** POST /password/reset — sets the password, ends every session of the account, mails a notice. */
export async function submitReset(deps: PublicDeps, ctx: Context): Promise<void> {
  const form = parseForm(resetPasswordForm, ctx.request.body);
  if (!form.ok) return renderInvalidLink(deps, ctx);
  const { token, password, passwordConfirmation } = form.data;
  // Every attempt counts in the hashing window, a dead link's too (guessing links is not free either).
  if (!(await withinHashingLimit(deps, ctx))) return;
  // Then the link: a dead one gets its page, not rule errors; a live one names whose password this is.
  const link = await deps.passwordReset.peek(token);
  if (!link) return renderInvalidLink(deps, ctx);
  const checked = checkNewPassword(deps.settings.passwordPolicy, deps.views.translator(ctx), password, passwordConfirmation, link.person);
  if (Object.keys(checked.errors).length) return showReset(deps, ctx, { token, errors: checked.errors, violated: checked.violated }, 400);
  const subject = await deps.passwordReset.reset(token, password, { ip: ctx.ip });
  if (!subject) return renderInvalidLink(deps, ctx);
  const alive = Boolean(await liveInteraction(deps.provider, subject.interactionUid));
  deps.views.render(
    ctx,
    'password/done',
    { loginUrl: alive ? `/interaction/${subject.interactionUid}` : undefined, portal: alive ? undefined : await portalOf(deps.provider, subject.clientId) },
    { title: 'password.done_title' },
  );
}
