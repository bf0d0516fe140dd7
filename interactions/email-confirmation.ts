import type { Context } from 'koa';
import { normalizeEmail, type ConfirmationProof } from '../src/accounts/index.ts';
import type { TokenSubject } from '../src/verification/index.ts';
import type { Locale } from '../src/i18n/index.ts';
import { errorSummary, parseForm } from '../src/http/validate.ts';
import type { PublicDeps } from './public-routes.ts';
import { liveInteraction, portalOf } from './interaction-origin.ts';
import { confirmForm, emailOnlyForm, interactionQuery, tokenQuery } from './registration.schemas.ts';
import { equalise, renderTooManyRequests, withinHashingLimit, withinIpLimit } from './abuse-protection.ts';

/**
 * A link that does not confirm (anymore). One that already worked for an account that is now active says
 * so and leads to the login, instead of alarming the person who clicks the mail a second time.
 */
async function renderInvalidLink(deps: PublicDeps, ctx: Context, token?: string): Promise<void> {
  const confirmed = token ? await deps.registration.alreadyConfirmed(token) : null;
  if (confirmed) {
    const portal = await portalOf(deps.provider, confirmed.clientId);
    return deps.views.render(ctx, 'registration/link-invalid', { alreadyConfirmed: true, portal }, { title: 'registration.already_confirmed_title' });
  }
  deps.views.render(ctx, 'registration/link-invalid', { resendUrl: '/register/resend' }, { title: 'registration.link_invalid_title', status: 410 });
}

/**
 * Whether this browser started the registration the link is for: its registration cookie, sealed for
 * that interaction, names that very (pending) account.
 */
function registeredHere(deps: PublicDeps, ctx: Context, subject: TokenSubject): boolean {
  return subject.interactionUid ? deps.registrationCookie.read(ctx, subject.interactionUid)?.registeredAccountId === subject.accountId : false;
}

function renderConfirmPage(deps: PublicDeps, ctx: Context, token: string, askPassword: boolean, error?: string, status = 200): void {
  deps.views.render(
    ctx,
    'registration/confirm',
    { token, askPassword, error, errorList: error ? [{ field: 'password', text: error }] : [] },
    { title: 'registration.confirm_title', status },
  );
}

/**
 * GET /register/confirm?token=… — a button, not an automatic confirmation: mail scanners follow links too.
 * In a browser other than the registering one, the page also asks for the password chosen at registration
 * (see docs/registration.md, "Who confirms an address").
 */
export async function showConfirmation(deps: PublicDeps, ctx: Context): Promise<void> {
  const query = tokenQuery.safeParse(ctx.query);
  const subject = query.success ? await deps.registration.peek(query.data.token) : null;
  if (!query.success || !subject) return renderInvalidLink(deps, ctx, query.success ? query.data.token : undefined);
  renderConfirmPage(deps, ctx, query.data.token, !registeredHere(deps, ctx, subject));
}

/**
 * POST /register/confirm — activates the account if the confirming person registered it, then resumes the
 * login it started from, if it still can. Anyone can register any address, so the link alone proves too
 * little: the registering browser's cookie, or the password, must come with it; the password check sits
 * behind the per-IP hashing window and a per-link attempt limit.
 */
export async function submitConfirmation(deps: PublicDeps, ctx: Context): Promise<void> {
  const form = confirmForm.safeParse(ctx.request.body);
  const subject = form.success ? await deps.registration.peek(form.data.token) : null;
  if (!form.success || !subject) return renderInvalidLink(deps, ctx, form.success ? form.data.token : undefined);
  const { token, password } = form.data;
  const here = registeredHere(deps, ctx, subject);
  const t = deps.views.translator(ctx);
  let proof: ConfirmationProof;
  if (here) {
    proof = { kind: 'registering-browser', accountId: subject.accountId };
  } else {
    if (!password) return renderConfirmPage(deps, ctx, token, true, t('registration.confirm_password_required'), 400);
    if (!(await withinHashingLimit(deps, ctx))) return;
    const perLink = await deps.rateLimiter.hit('confirm-link', token, deps.settings.rateLimits.confirmAttemptsPerLink);
    if (!perLink.allowed) return renderTooManyRequests(deps.views, ctx, perLink.retryAfterSeconds);
    proof = { kind: 'password', password };
  }
  const outcome = await deps.registration.confirm(token, { ip: ctx.ip }, proof);
  if (outcome.kind === 'wrong_password') return renderConfirmPage(deps, ctx, token, true, t('registration.confirm_password_wrong'), 400);
  if (outcome.kind === 'invalid') return renderInvalidLink(deps, ctx, token);
  const confirmed = outcome.registration;
  // Only the browser that registered (its registration cookie names the account) continues the login.
  if (here && (await liveInteraction(deps.provider, confirmed.interactionUid))) {
    ctx.status = 303;
    return ctx.redirect(`/interaction/${confirmed.interactionUid}/resume`);
  }
  deps.views.render(ctx, 'registration/confirmed', { portal: await portalOf(deps.provider, confirmed.clientId) }, { title: 'registration.confirmed_title' });
}

/** GET /register/resend — asks for the address; the answer never says whether it is registered. */
export async function showResend(deps: PublicDeps, ctx: Context, input?: { email: string; error?: string }, status = 200): Promise<void> {
  const query = interactionQuery.parse(ctx.query);
  deps.views.render(
    ctx,
    'registration/resend',
    {
      email: input?.email ?? '',
      error: input?.error,
      errorList: errorSummary({ email: input?.error }, [{ name: 'email' }]),
      interaction: query.interaction ?? (ctx.request.body as { interaction?: string } | undefined)?.interaction,
    },
    { title: 'registration.resend_title', status },
  );
}

export async function submitResend(deps: PublicDeps, ctx: Context): Promise<void> {
  const body = (ctx.request.body as Record<string, unknown> | undefined) ?? {};
  const form = parseForm(emailOnlyForm, body);
  if (!form.ok)
    return showResend(
      deps,
      ctx,
      { email: typeof body.email === 'string' ? body.email : '', error: deps.views.translator(ctx)(form.fieldErrors.email ?? 'account.email_invalid') },
      400,
    );
  if (!(await withinIpLimit(deps, ctx, 'resend-ip', deps.settings.rateLimits.resendPerIp))) return;
  const started = Date.now();
  const byAccount = await deps.rateLimiter.hit('resend-account', normalizeEmail(form.data.email), deps.settings.rateLimits.resendPerAccount);
  const origin = await liveInteraction(deps.provider, form.data.interaction);
  await deps.registration.resend(form.data.email, {
    ip: ctx.ip,
    locale: ctx.state.locale as Locale,
    interactionUid: origin?.uid,
    clientId: origin?.clientId,
    mayMail: byAccount.allowed,
  });
  await equalise(started, deps.settings.minimumResponseMs);
  deps.views.render(
    ctx,
    'registration/resent',
    { email: form.data.email, hours: deps.settings.registration.confirmationHours, loginUrl: origin ? `/interaction/${origin.uid}` : undefined },
    { title: 'registration.resent_title' },
  );
}
