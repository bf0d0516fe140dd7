import type { Context } from 'koa';
import type { InteractionDeps } from './routes.ts';
import { loginForm } from './interaction.schemas.ts';
import { clientNameOf, finishInteraction, type InteractionDetails } from './interaction-context.ts';
import { parseForm } from '../src/http/validate.ts';
import { LEVEL_TO_ACR } from '../src/oidc/index.ts';

/** GET: the login form for prompt=login. */
export async function showLogin(deps: InteractionDeps, ctx: Context, details: InteractionDetails, extra: { username?: string; failed?: boolean; fieldErrors?: Record<string, string> } = {}, status = 200): Promise<void> {
  deps.views.render(
    ctx,
    'interaction/login',
    {
      uid: details.uid,
      clientName: await clientNameOf(deps.provider, details.params.client_id),
      username: extra.username ?? (typeof details.params.login_hint === 'string' ? details.params.login_hint : ''),
      failed: extra.failed ?? false,
      fieldErrors: extra.fieldErrors ?? {},
    },
    { title: 'login.title', status },
  );
}

/** POST: checks the password; one generic failure message whatever went wrong. */
export async function submitLogin(deps: InteractionDeps, ctx: Context, details: InteractionDetails): Promise<void> {
  const form = parseForm(loginForm, ctx.request.body);
  if (!form.ok) {
    const body = ctx.request.body as { username?: unknown } | undefined;
    return showLogin(deps, ctx, details, { username: typeof body?.username === 'string' ? body.username : '', fieldErrors: form.fieldErrors }, 400);
  }
  const result = await deps.passwords.authenticate(form.data.username, form.data.password);
  if (!result) {
    deps.logger.info({ interaction: details.uid }, 'login failed');
    return showLogin(deps, ctx, details, { username: form.data.username, failed: true }, 401);
  }
  deps.logger.info({ interaction: details.uid, accountId: result.accountId, amr: result.amr }, 'login succeeded');
  await finishInteraction(deps.provider, ctx, {
    // remember: false → a browser-session cookie: closing the browser on a shared computer ends the login.
    login: { accountId: result.accountId, acr: LEVEL_TO_ACR[result.level], amr: result.amr, remember: false },
  });
}
