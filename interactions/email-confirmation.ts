import type { Context } from 'koa';
import { normalizeEmail } from '../src/accounts/index.ts';
import type { Locale } from '../src/http/i18n.ts';
import { parseForm } from '../src/http/validate.ts';
import type { PublicDeps } from './public-routes.ts';
import { liveInteraction } from './interaction-origin.ts';
import { emailOnlyForm, interactionQuery, tokenQuery } from './registration.schemas.ts';
import { equalise, withinIpLimit } from './abuse-protection.ts';

/** Where a person goes to log in when their interaction is gone: the portal's login start or home page. */
export async function portalLink(deps: PublicDeps, clientId: string | null): Promise<{ url: string; name: string } | undefined> {
  if (!clientId) return undefined;
  const client = await deps.provider.Client.find(clientId);
  const url = (client?.initiateLoginUri ?? client?.clientUri) as string | undefined;
  return client && url ? { url, name: client.clientName ?? clientId } : undefined;
}

function renderInvalidLink(deps: PublicDeps, ctx: Context): void {
  deps.views.render(ctx, 'registration/link-invalid', { resendUrl: '/register/resend' }, { title: 'registration.link_invalid_title', status: 410 });
}

/** GET /register/confirm?token=… — a button, not an automatic confirmation: mail scanners follow links too. */
export async function showConfirmation(deps: PublicDeps, ctx: Context): Promise<void> {
  const query = tokenQuery.safeParse(ctx.query);
  if (!query.success || !(await deps.registration.peek(query.data.token))) return renderInvalidLink(deps, ctx);
  deps.views.render(ctx, 'registration/confirm', { token: query.data.token }, { title: 'registration.confirm_title' });
}

/** POST /register/confirm — activates the account, then resumes the login it started from, if it still can. */
export async function submitConfirmation(deps: PublicDeps, ctx: Context): Promise<void> {
  const form = tokenQuery.safeParse(ctx.request.body);
  const confirmed = form.success ? await deps.registration.confirm(form.data.token, { ip: ctx.ip }) : null;
  if (!confirmed) return renderInvalidLink(deps, ctx);
  // Only the browser that registered (its registration cookie names the account) continues the login.
  const registeredHere = confirmed.interactionUid ? deps.registrationCookie.read(ctx, confirmed.interactionUid)?.registeredAccountId === confirmed.accountId : false;
  if (registeredHere && (await liveInteraction(deps.provider, confirmed.interactionUid))) {
    ctx.status = 303;
    return ctx.redirect(`/interaction/${confirmed.interactionUid}/resume`);
  }
  deps.views.render(ctx, 'registration/confirmed', { portal: await portalLink(deps, confirmed.clientId) }, { title: 'registration.confirmed_title' });
}

/** GET /register/resend — asks for the address; the answer never says whether it is registered. */
export async function showResend(deps: PublicDeps, ctx: Context, input?: { email: string; error?: string }, status = 200): Promise<void> {
  const query = interactionQuery.parse(ctx.query);
  deps.views.render(ctx, 'registration/resend', { email: input?.email ?? '', error: input?.error, interaction: query.interaction ?? (ctx.request.body as { interaction?: string } | undefined)?.interaction }, { title: 'registration.resend_title', status });
}

export async function submitResend(deps: PublicDeps, ctx: Context): Promise<void> {
  const body = (ctx.request.body as Record<string, unknown> | undefined) ?? {};
  const form = parseForm(emailOnlyForm, body);
  if (!form.ok) return showResend(deps, ctx, { email: typeof body.email === 'string' ? body.email : '', error: deps.views.translator(ctx)(form.fieldErrors.email ?? 'account.email_invalid') }, 400);
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
  deps.views.render(ctx, 'registration/resent', { email: form.data.email, hours: deps.settings.registration.confirmationHours, loginUrl: origin ? `/interaction/${origin.uid}` : undefined }, { title: 'registration.resent_title' });
}
