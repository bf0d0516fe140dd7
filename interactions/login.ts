import type { Context } from 'koa';
import type { InteractionDeps } from './routes.ts';
import { loginForm } from './interaction.schemas.ts';
import { clientNameOf, type InteractionDetails } from './interaction-context.ts';
import { errorSummary, fieldMessages, parseForm, type FormField } from '../src/http/validate.ts';
import type { Translate } from '../src/i18n/index.ts';
import { readFlow, recordStep, showLocked } from './login-flow.ts';
import { renderTooManyRequests, waitText } from './abuse-protection.ts';

export interface LoginPageExtras {
  username?: string;
  failed?: boolean;
  /** Translation key of a notice above the form (e.g. "address confirmed, please log in"). */
  notice?: string;
  throttledFor?: number;
  fieldErrors?: Record<string, string>;
  /** Failed attempts left before the next one starts a delay (from the throttle, the same for any name). */
  triesBeforeDelay?: number;
  /** The delay that next failure would start. */
  nextDelaySeconds?: number;
  /** The delay this failure started (0: none). */
  delayStartedSeconds?: number;
}

/** The login form's fields; the wording follows the username mode (seed 001: the address is the username). */
function loginFields(t: Translate, usernameMode: boolean): FormField[] {
  return [
    { name: 'username', label: t(usernameMode ? 'login.username_only' : 'login.email') },
    { name: 'password', label: t('login.password') },
  ];
}

/** The wait as a duration and as a clock time ("in 30 Sekunden, ab 10:42 Uhr"), rounded up to the minute. */
function throttleText(t: Translate, mode: 'email' | 'username', seconds: number): string {
  const until = new Date(Math.ceil((Date.now() + seconds * 1000) / 60_000) * 60_000);
  return t(`login.throttled_${mode}`, { wait: waitText(t, seconds), until });
}

/** GET: the login form for prompt=login, with the ways to register and to reset a password. */
export async function showLogin(deps: InteractionDeps, ctx: Context, details: InteractionDetails, extra: LoginPageExtras = {}, status = 200): Promise<void> {
  const t = deps.views.translator(ctx);
  const mode = deps.settings.registration.usernameMode;
  const fields = loginFields(t, mode === 'username');
  const errors = fieldMessages(t, fields, extra.fieldErrors ?? {});
  const errorList = [
    ...errorSummary(errors, fields),
    ...(extra.failed ? [{ field: 'username', text: t(`login.failed_${mode}`) }] : []),
    ...(extra.throttledFor || extra.delayStartedSeconds ? [{ text: throttleText(t, mode, (extra.throttledFor || extra.delayStartedSeconds)!) }] : []),
  ];
  // The attempt that would start a delay is announced before it is made, with the delay it costs.
  const warning =
    extra.failed && extra.triesBeforeDelay === 1 && extra.nextDelaySeconds
      ? t('login.delay_warning', { tries: extra.triesBeforeDelay, wait: waitText(t, extra.nextDelaySeconds) })
      : undefined;
  deps.views.render(
    ctx,
    'interaction/login',
    {
      uid: details.uid,
      clientName: await clientNameOf(deps.provider, details.params.client_id),
      username: extra.username ?? (typeof details.params.login_hint === 'string' ? details.params.login_hint : ''),
      usernameMode: mode === 'username',
      usernameLabel: fields[0]!.label,
      notice: extra.notice,
      warning,
      errors,
      errorList,
      // A password is never sent back into the page: say so when the form comes back.
      passwordCleared: errorList.length > 0,
      registerUrl: `/interaction/${details.uid}/register`,
      forgotUrl: `/password/forgot?interaction=${details.uid}`,
      // "Mit anderem Servicekonto" only when upstreams are configured (issue 18).
      federationUrl: deps.federation?.directory.any ? `/interaction/${details.uid}/federation` : undefined,
    },
    { title: 'login.title', status },
  );
}

/** POST: rate limits, then the password; one generic failure message whatever went wrong. */
export async function submitLogin(deps: InteractionDeps, ctx: Context, details: InteractionDetails): Promise<void> {
  const form = parseForm(loginForm(deps.settings.registration.usernameMode), ctx.request.body);
  if (!form.ok) {
    const body = ctx.request.body as { username?: unknown } | undefined;
    return showLogin(deps, ctx, details, { username: typeof body?.username === 'string' ? body.username : '', fieldErrors: form.fieldErrors }, 400);
  }
  const outcome = await deps.logins.login({
    identifier: form.data.username,
    password: form.data.password,
    ip: ctx.ip,
    deviceProof: ctx.cookies.get(deps.settings.deviceCookieName, { signed: false }),
    clientId: typeof details.params.client_id === 'string' ? details.params.client_id : null,
  });
  switch (outcome.kind) {
    case 'rate_limited':
      return renderTooManyRequests(deps.views, ctx, outcome.retryAfterSeconds);
    case 'throttled':
      ctx.set('Retry-After', String(outcome.retryAfterSeconds));
      return showLogin(deps, ctx, details, { username: form.data.username, throttledFor: outcome.retryAfterSeconds }, 429);
    case 'failed':
      deps.logger.info({ interaction: details.uid }, 'login failed');
      return showLogin(deps, ctx, details, { username: form.data.username, failed: true, ...outcome }, 401);
    case 'unconfirmed':
      return deps.views.render(
        ctx,
        'registration/unconfirmed',
        { uid: details.uid, email: outcome.email, resendAction: '/register/resend' },
        { title: 'registration.unconfirmed_title', status: 403 },
      );
    case 'locked':
      // Only after the right password (a wrong one got the generic failure above): the owner learns why, and
      // how to unlock; nobody without the password can tell a locked account from any other.
      return showLocked(deps, ctx, { username: form.data.username, interaction: details.uid });
    case 'succeeded': {
      const { result } = outcome;
      deps.logger.info({ interaction: details.uid, accountId: result.accountId, amr: result.amr }, 'login succeeded');
      // Marks this browser as one the person logs in from: failures elsewhere never slow it down.
      ctx.cookies.set(deps.settings.deviceCookieName, outcome.deviceProof, {
        httpOnly: true,
        sameSite: 'lax',
        secure: deps.settings.secureCookies,
        path: '/',
        maxAge: 180 * 86_400_000,
        overwrite: true,
        signed: false,
      });
      await recordStep(deps, ctx, details, await readFlow(deps, details), { method: 'password', ...result });
    }
  }
}
