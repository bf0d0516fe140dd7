import Router from '@koa/router';
import { koaBody } from 'koa-body';
import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { PasswordService } from '../src/credentials/index.ts';
import type { CsrfVerifier } from '../src/http/csrf.ts';
import { CSRF_FIELD } from '../src/http/csrf.ts';
import type { Views } from '../src/http/views.ts';
import type { Logger } from '../src/shared/logger.ts';
import { AppError } from '../src/shared/app-error.ts';
import { uidParams } from './interaction.schemas.ts';
import { loadInteraction } from './interaction-context.ts';
import { showLogin, submitLogin } from './login.ts';
import { abortInteraction, showConsent, submitConsent } from './consent.ts';

export interface InteractionDeps {
  provider: Provider;
  views: Views;
  passwords: PasswordService;
  verifyCsrf: CsrfVerifier;
  logger: Logger;
}

/** /interaction/:uid — the pages a person sees between the portal's redirect and the return to it. */
export function interactionRoutes(deps: InteractionDeps, pageMiddleware: Middleware[]): Router {
  const router = new Router({ prefix: '/interaction' });
  router.use(...pageMiddleware);
  const body = koaBody({ urlencoded: true, json: false, text: false, multipart: false, formLimit: '32kb' });

  const uidOf = (ctx: Context) => {
    const parsed = uidParams.safeParse(ctx.params);
    if (!parsed.success) throw new AppError('interaction.expired', 400);
    return parsed.data.uid;
  };
  const csrf = (ctx: Context) => deps.verifyCsrf(ctx, (ctx.request.body as Record<string, unknown> | undefined)?.[CSRF_FIELD]);

  router.get('/:uid', async (ctx) => {
    const details = await loadInteraction(deps.provider, ctx, uidOf(ctx));
    ctx.set('Cache-Control', 'no-store');
    if (details.prompt.name === 'login') return showLogin(deps, ctx, details);
    if (details.prompt.name === 'consent') return showConsent(deps, ctx, details);
    throw new AppError('interaction.unexpected_step', 400);
  });

  router.post('/:uid/login', body, async (ctx) => {
    const details = await loadInteraction(deps.provider, ctx, uidOf(ctx));
    csrf(ctx);
    if (details.prompt.name !== 'login') throw new AppError('interaction.unexpected_step', 400);
    await submitLogin(deps, ctx, details);
  });

  router.post('/:uid/consent', body, async (ctx) => {
    const details = await loadInteraction(deps.provider, ctx, uidOf(ctx));
    csrf(ctx);
    await submitConsent(deps, ctx, details);
  });

  router.post('/:uid/abort', body, async (ctx) => {
    await loadInteraction(deps.provider, ctx, uidOf(ctx));
    csrf(ctx);
    await abortInteraction(deps, ctx);
  });

  return router;
}
