import type Router from '@koa/router';
import type { Context } from 'koa';
import type { InteractionDeps } from './routes.ts';
import { clientNameOf, finishWithoutSession, type InteractionDetails } from './interaction-context.ts';
import { nextStep, readFlow, recordStep, strongestStep, type LoginFlow, type NextStep } from './login-flow.ts';
import type { AttemptContext, SecondFactorMethod } from '../src/credentials/index.ts';
import { secondFactorForm } from './second-factor.schemas.ts';
import { renderTooManyRequests, waitText } from './abuse-protection.ts';
import { levelName } from './level-notice.ts';
import { parseForm } from '../src/http/validate.ts';
import { AppError } from '../src/shared/app-error.ts';
import { meets } from '../src/trust/index.ts';

type SecondFactorStep = Extract<NextStep, { kind: 'second_factor' }>;

/** The input id of each method's code field (all are named `code`): the error summary links to it. */
const FIELD_IDS: Record<SecondFactorMethod, string> = { totp: 'totp-code', email_code: 'email-code', recovery_code: 'recovery-code' };

export interface SecondFactorExtras {
  /** The method whose field has an error, and the message code (format, or the generic failure). */
  error?: { method: SecondFactorMethod; code: string };
  throttledFor?: number;
}

/**
 * GET (and re-rendered after a failed POST): the second step of the login. It names who is logged in with
 * the password already, why the portal needs more when it asked for a level the login is below (the level
 * by its German name), and offers exactly the person's own methods.
 */
export async function showSecondFactor(
  deps: InteractionDeps,
  ctx: Context,
  details: InteractionDetails,
  flow: LoginFlow,
  next: SecondFactorStep,
  extra: SecondFactorExtras = {},
  status = 200,
): Promise<void> {
  const t = deps.views.translator(ctx);
  const { factors, requirement } = next;
  const level = strongestStep(deps, flow)?.level;
  const below = requirement && !(level && meets(level, requirement.level));
  const label = (method: SecondFactorMethod) => t(`mfa.${method}_label`);
  const errors: Partial<Record<SecondFactorMethod, string>> = {};
  if (extra.error) errors[extra.error.method] = t(extra.error.code, { label: label(extra.error.method) });
  const errorList = [
    ...(extra.error ? [{ field: FIELD_IDS[extra.error.method], text: errors[extra.error.method]! }] : []),
    ...(extra.throttledFor ? [{ text: throttleText(deps, t, extra.throttledFor) }] : []),
  ];
  const clientName = await clientNameOf(deps.provider, details.params.client_id);
  // The code field of the e-mail factor appears once a code was sent (or when a code was typed already).
  const emailSent = ctx.query.sent === 'email' || extra.error?.method === 'email_code';
  deps.views.render(
    ctx,
    'interaction/second-factor',
    {
      uid: details.uid,
      clientName,
      person: flow.accountId ? await deps.displayName(flow.accountId) : undefined,
      levelRequired: below ? levelName(t, requirement.level) : undefined,
      totp: factors.totp,
      emailCode: factors.emailCode,
      emailSent,
      // Only the e-mail factor: its button is the page's main action until the code is on its way.
      emailOnly: factors.emailCode && !factors.totp,
      recovery: factors.recoveryCodesLeft > 0,
      recoveryOpen: extra.error?.method === 'recovery_code',
      errors,
      errorList,
      // Going on below a voluntary level skips the level, never the account's own factor: offered only in a
      // step-up, where the session stands at its level already (login-flow.ts `fromSession`).
      voluntary: Boolean(requirement && !requirement.essential && below && flow.fromSession),
      currentLevel: levelName(t, level ?? 'niedrig'),
    },
    { title: 'mfa.title', status },
  );
}

/** The wait as a duration and as a clock time, as the login page says it. */
function throttleText(deps: InteractionDeps, t: ReturnType<InteractionDeps['views']['translator']>, seconds: number): string {
  const until = new Date(Math.ceil((deps.clock.now().getTime() + seconds * 1000) / 60_000) * 60_000);
  return t('mfa.throttled', { wait: waitText(t, seconds), until });
}

function attemptContext(ctx: Context, details: InteractionDetails): AttemptContext {
  return {
    ip: ctx.ip,
    clientId: typeof details.params.client_id === 'string' ? details.params.client_id : null,
    locale: ctx.state.locale === 'en' ? 'en' : 'de',
  };
}

/** The flow and step of a POST to this step; anything else is a request out of order. */
async function currentSecondFactor(
  deps: InteractionDeps,
  details: InteractionDetails,
): Promise<{ flow: LoginFlow; next: SecondFactorStep; accountId: string }> {
  if (details.prompt.name !== 'login') throw new AppError('interaction.unexpected_step', 400);
  const flow = await readFlow(deps, details);
  const next = await nextStep(deps, details, flow);
  if (next.kind !== 'second_factor' || !flow.accountId) throw new AppError('interaction.unexpected_step', 400);
  return { flow, next, accountId: flow.accountId };
}

/** Whether the account has `method` (a recovery code only while unused ones are left). */
function offers(next: SecondFactorStep, method: SecondFactorMethod): boolean {
  if (method === 'totp') return next.factors.totp;
  if (method === 'email_code') return next.factors.emailCode;
  return next.factors.recoveryCodesLeft > 0;
}

/** POST: checks the code of one method; success is a step of the login like the password's. */
export async function submitSecondFactor(deps: InteractionDeps, ctx: Context, details: InteractionDetails): Promise<void> {
  const { flow, next, accountId } = await currentSecondFactor(deps, details);
  const form = parseForm(secondFactorForm, ctx.request.body);
  const rawMethod = (ctx.request.body as { method?: unknown } | undefined)?.method;
  const method = typeof rawMethod === 'string' && rawMethod in FIELD_IDS ? (rawMethod as SecondFactorMethod) : undefined;
  if (!method || !offers(next, method)) throw new AppError('request.invalid', 400);
  if (!form.ok) return showSecondFactor(deps, ctx, details, flow, next, { error: { method, code: form.fieldErrors.code ?? 'mfa.code_required' } }, 400);
  const outcome = await deps.secondFactors.verify(accountId, method, form.data.code, attemptContext(ctx, details));
  switch (outcome.kind) {
    case 'rate_limited':
      return renderTooManyRequests(deps.views, ctx, outcome.retryAfterSeconds);
    case 'throttled':
      ctx.set('Retry-After', String(outcome.retryAfterSeconds));
      return showSecondFactor(deps, ctx, details, flow, next, { throttledFor: outcome.retryAfterSeconds }, 429);
    case 'failed':
      deps.logger.info({ interaction: details.uid, method }, 'second factor failed');
      return showSecondFactor(deps, ctx, details, flow, next, { error: { method, code: 'mfa.failed' } }, 401);
    case 'succeeded':
      deps.logger.info({ interaction: details.uid, accountId, method }, 'second factor succeeded');
      return recordStep(deps, ctx, details, flow, outcome.result);
  }
}

/**
 * POST send-code: mails a login code (only on this explicit request, never on a GET: a reload must not
 * send mail), then shows the page with the code field (PRG).
 */
export async function sendSecondFactorCode(deps: InteractionDeps, ctx: Context, details: InteractionDetails): Promise<void> {
  const { next, accountId } = await currentSecondFactor(deps, details);
  if (!next.factors.emailCode) throw new AppError('request.invalid', 400);
  await deps.secondFactors.sendLoginCode(accountId, attemptContext(ctx, details));
  ctx.status = 303;
  ctx.redirect(`/interaction/${details.uid}?sent=email`);
}

/**
 * POST "Nicht Sie?": the password was someone else's (a shared computer, a session left open). The login
 * session ends and the same authorization request starts over at the password (as consent.ts's
 * switchAccount does).
 */
export async function notYou(deps: InteractionDeps, ctx: Context, details: InteractionDetails): Promise<void> {
  await currentSecondFactor(deps, details);
  const accountId = details.session?.accountId;
  const clientId = typeof details.params.client_id === 'string' ? details.params.client_id : null;
  if (accountId) await deps.audit({ type: 'session.ended', accountId, clientId, ip: ctx.ip, details: { reason: 'switch_account' } });
  await finishWithoutSession(deps.provider, ctx, details, {});
}

/** The routes of this step, beside the interaction's others (interactions/routes.ts). */
export function registerSecondFactorRoutes(router: Router, deps: InteractionDeps, load: (ctx: Context) => Promise<InteractionDetails>): void {
  router.post('/:uid/second-factor', async (ctx) => submitSecondFactor(deps, ctx, await load(ctx)));
  router.post('/:uid/second-factor/send-code', async (ctx) => sendSecondFactorCode(deps, ctx, await load(ctx)));
  router.post('/:uid/second-factor/not-you', async (ctx) => notYou(deps, ctx, await load(ctx)));
}
