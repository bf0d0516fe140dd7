import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import type { AccountLockService } from '../src/accounts/index.ts';
import { errorSummary, parseForm } from '../src/http/validate.ts';
import type { Views } from '../src/http/views.ts';
import type { RateLimiter, RateRule } from '../src/rate-limits/index.ts';
import { equalise, withinIpLimit } from './abuse-protection.ts';
import { forgotPasswordForm, interactionQuery, tokenQuery } from './registration.schemas.ts';

export interface UnlockDeps {
  views: Views;
  rateLimiter: RateLimiter;
  accountLock: AccountLockService;
  settings: {
    rateLimits: { resendPerIp: RateRule; resendPerAccount: RateRule };
    registration: { usernameMode: 'email' | 'username' };
    minimumResponseMs: number;
  };
}

const unlockForm = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{43}$/) });

function renderInvalid(deps: UnlockDeps, ctx: Context): void {
  deps.views.render(ctx, 'account-lock/link-invalid', { resendUrl: '/account/unlock/resend' }, { title: 'account.lock.link_invalid_title', status: 410 });
}

function renderResend(deps: UnlockDeps, ctx: Context, input: { identifier: string; interaction?: string; error?: string }, status = 200): void {
  deps.views.render(
    ctx,
    'account-lock/resend',
    {
      ...input,
      errorList: errorSummary({ identifier: input.error }, [{ name: 'identifier' }]),
      usernameMode: deps.settings.registration.usernameMode === 'username',
    },
    { title: 'account.lock.resend_title', status },
  );
}

/**
 * The unlock journey, reached from the mail or the login page, without any session (the locked account has
 * none): GET /account/unlock shows a button, since mail scanners fetch links (as /register/confirm); the POST
 * uses the single-use link. "Send the unlock link again" answers the same page whatever the name denotes.
 * Mounted before the account area's router, whose guard would otherwise send these to the login.
 */
export function accountUnlockRoutes(deps: UnlockDeps, pageMiddleware: Middleware[]): Router {
  const router = new Router();
  const paths = ['/account/unlock', '/account/locked'];
  router.use(paths, ...pageMiddleware);
  router.use(paths, async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });

  // Where locking in the account area ends (its session is gone with everything else): what happened, what next.
  router.get('/account/locked', (ctx) => {
    deps.views.render(
      ctx,
      'account-lock/locked',
      { resendUrl: '/account/unlock/resend', forgotUrl: '/password/forgot' },
      { title: 'account.lock.locked_title' },
    );
  });

  router.get('/account/unlock', async (ctx) => {
    const query = tokenQuery.safeParse(ctx.query);
    const link = query.success ? await deps.accountLock.peek(query.data.token) : null;
    if (!query.success || !link) return renderInvalid(deps, ctx);
    deps.views.render(ctx, 'account-lock/unlock', { token: query.data.token, email: link.email }, { title: 'account.lock.unlock_title' });
  });

  router.post('/account/unlock', async (ctx) => {
    const form = unlockForm.safeParse(ctx.request.body);
    const outcome = form.success ? await deps.accountLock.unlockWithLink(form.data.token, { ip: ctx.ip }) : { kind: 'invalid' as const };
    if (outcome.kind === 'invalid') return renderInvalid(deps, ctx);
    deps.views.render(ctx, 'account-lock/unlocked', { loginUrl: '/account' }, { title: 'account.lock.unlocked_title' });
  });

  router.get('/account/unlock/resend', async (ctx) => renderResend(deps, ctx, { identifier: '', interaction: interactionQuery.parse(ctx.query).interaction }));

  router.post('/account/unlock/resend', async (ctx) => {
    const body = (ctx.request.body as Record<string, unknown> | undefined) ?? {};
    const form = parseForm(forgotPasswordForm, body);
    const identifier = typeof body.identifier === 'string' ? body.identifier : '';
    if (!form.ok) {
      const error = deps.views.translator(ctx)(form.fieldErrors.identifier ?? 'password.identifier_required');
      return renderResend(deps, ctx, { identifier, error }, 400);
    }
    if (!(await withinIpLimit(deps, ctx, 'unlock-resend-ip', deps.settings.rateLimits.resendPerIp))) return;
    const started = Date.now();
    const byAccount = await deps.rateLimiter.hit('unlock-resend-account', form.data.key, deps.settings.rateLimits.resendPerAccount);
    await deps.accountLock.resendLink(form.data.identifier, { ip: ctx.ip, mayMail: byAccount.allowed });
    // Known, unknown, locked or not: the same page after the same time.
    await equalise(started, deps.settings.minimumResponseMs);
    deps.views.render(
      ctx,
      'account-lock/resent',
      { loginUrl: form.data.interaction ? `/interaction/${form.data.interaction}` : undefined },
      { title: 'account.lock.resent_title' },
    );
  });
  return router;
}
