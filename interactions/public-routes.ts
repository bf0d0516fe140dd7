import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { InteractionDeps } from './routes.ts';
import { showConfirmation, showResend, submitConfirmation, submitResend } from './email-confirmation.ts';
import { showForgot, showReset, submitForgot, submitReset } from './password-reset.ts';

/** The journey pages reached from mails or from the login page, outside any one interaction. */
export type PublicDeps = InteractionDeps;

/** /register/confirm, /register/resend, /password/forgot, /password/reset; forms arrive parsed and CSRF-checked. */
export function publicRoutes(deps: PublicDeps, pageMiddleware: Middleware[]): Router {
  const router = new Router();
  router.use(['/register', '/password'], ...pageMiddleware);
  router.use(['/register', '/password'], async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });

  router.get('/register/confirm', async (ctx) => showConfirmation(deps, ctx));
  router.post('/register/confirm', async (ctx) => submitConfirmation(deps, ctx));
  router.get('/register/resend', async (ctx) => showResend(deps, ctx));
  router.post('/register/resend', async (ctx) => submitResend(deps, ctx));
  router.get('/password/forgot', async (ctx) => showForgot(deps, ctx));
  router.post('/password/forgot', async (ctx) => submitForgot(deps, ctx));
  router.get('/password/reset', async (ctx) => showReset(deps, ctx));
  router.post('/password/reset', async (ctx) => submitReset(deps, ctx));
  return router;
}
