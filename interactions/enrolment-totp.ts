import type { Context } from 'koa';
import type { InteractionDeps } from './routes.ts';
import type { InteractionDetails } from './interaction-context.ts';
import { accountLabel, atEnrolment, attemptContext, requirementText, toCurrentStep, type EnrolStep } from './enrolment-context.ts';
import { enrolled } from './enrolment-done.ts';
import { totpEnrolmentForm } from './enrolment.schemas.ts';
import { renderTooManyRequests, waitText } from './abuse-protection.ts';
import { errorSummary, fieldMessages, parseForm, type FormField } from '../src/http/validate.ts';

interface TotpView {
  secret: string;
  qrSvg: string;
}

/** The secret in blocks of four (easier to type and compare: "ABCD EFGH …"); apps ignore the spaces. */
export function groupedSecret(secret: string): string {
  return secret.match(/.{1,4}/g)?.join(' ') ?? secret;
}

function render(
  deps: InteractionDeps,
  ctx: Context,
  details: InteractionDetails,
  next: EnrolStep,
  view: TotpView,
  extra: { fieldErrors?: Record<string, string>; waitSeconds?: number } = {},
  status = 200,
): void {
  const t = deps.views.translator(ctx);
  const fields: FormField[] = [{ name: 'code', label: t('enrol.totp_code_label') }];
  const errors = fieldMessages(t, fields, extra.fieldErrors ?? {});
  const errorList = [
    ...errorSummary(errors, fields),
    ...(extra.waitSeconds ? [{ field: 'code', text: t('enrol.throttled', { wait: waitText(t, extra.waitSeconds) }) }] : []),
  ];
  deps.views.render(
    ctx,
    'interaction/enrol-totp',
    {
      uid: details.uid,
      requirement: requirementText(deps, ctx, next.requirement),
      qrSvg: view.qrSvg,
      secret: view.secret,
      secretGrouped: groupedSecret(view.secret),
      confirmAction: `/interaction/${details.uid}/enrol/totp`,
      errors,
      errorList,
      backUrl: `/interaction/${details.uid}`,
    },
    { title: 'enrol.totp_title', status },
  );
}

/**
 * GET /enrol/totp: a new pending secret, as QR code and as text. A reload starts another one, which
 * replaces the pending secret in the service, so the page always shows the one that counts.
 */
export async function showTotp(deps: InteractionDeps, ctx: Context, details: InteractionDetails): Promise<void> {
  const at = await atEnrolment(deps, details);
  if (!at) return toCurrentStep(ctx, details);
  const { label } = await accountLabel(deps, at.flow.accountId);
  const enrolment = await deps.secondFactors.startTotpEnrolment(at.flow.accountId, label);
  render(deps, ctx, details, at.next, enrolment);
}

/**
 * POST /enrol/totp: the first code from the app proves it holds the secret. A wrong code shows the same
 * (pending) secret again; a new enrolment here would replace the secret the person just scanned.
 */
export async function submitTotp(deps: InteractionDeps, ctx: Context, details: InteractionDetails): Promise<void> {
  const at = await atEnrolment(deps, details);
  if (!at) return toCurrentStep(ctx, details);
  const form = parseForm(totpEnrolmentForm, ctx.request.body);
  const { label } = await accountLabel(deps, at.flow.accountId);
  const view = await deps.secondFactors.pendingTotpEnrolment(at.flow.accountId, label);
  // Nothing pending (confirmed meanwhile in another tab, or never started): the page itself, with a new one.
  if (!view) {
    ctx.status = 303;
    return ctx.redirect(`/interaction/${details.uid}/enrol/totp`);
  }
  if (!form.ok) return render(deps, ctx, details, at.next, view, { fieldErrors: form.fieldErrors }, 400);
  const outcome = await deps.secondFactors.confirmTotpEnrolment(at.flow.accountId, form.data.code, attemptContext(ctx, details));
  switch (outcome.kind) {
    case 'rate_limited':
      return renderTooManyRequests(deps.views, ctx, outcome.retryAfterSeconds);
    case 'throttled':
      ctx.set('Retry-After', String(outcome.retryAfterSeconds));
      return render(deps, ctx, details, at.next, view, { waitSeconds: outcome.retryAfterSeconds }, 429);
    case 'failed':
      deps.logger.info({ interaction: details.uid }, 'totp enrolment code failed');
      return render(deps, ctx, details, at.next, view, { fieldErrors: { code: 'enrol.code_wrong' } }, 401);
    case 'enrolled':
      return enrolled(deps, ctx, details, at.flow, outcome);
  }
}
