import type { Context } from 'koa';
import type { InteractionDeps } from './routes.ts';
import type { InteractionDetails } from './interaction-context.ts';
import { accountLabel, atEnrolment, attemptContext, toCurrentStep } from './enrolment-context.ts';
import { enrolled } from './enrolment-done.ts';
import { emailEnrolmentForm } from './enrolment.schemas.ts';
import { renderTooManyRequests, waitText } from './abuse-protection.ts';
import { errorSummary, fieldMessages, parseForm, type FormField } from '../src/http/validate.ts';

interface EmailPageExtras {
  fieldErrors?: Record<string, string>;
  waitSeconds?: number;
  /** A new code went out on request ("Code erneut senden"). */
  resent?: boolean;
}

async function render(
  deps: InteractionDeps,
  ctx: Context,
  details: InteractionDetails,
  accountId: string,
  extra: EmailPageExtras,
  status = 200,
): Promise<void> {
  const t = deps.views.translator(ctx);
  const fields: FormField[] = [{ name: 'code', label: t('enrol.email_code_label') }];
  const errors = fieldMessages(t, fields, extra.fieldErrors ?? {});
  const errorList = [
    ...errorSummary(errors, fields),
    ...(extra.waitSeconds ? [{ field: 'code', text: t('enrol.throttled', { wait: waitText(t, extra.waitSeconds) }) }] : []),
  ];
  const { email } = await accountLabel(deps, accountId);
  deps.views.render(
    ctx,
    'interaction/enrol-email',
    {
      uid: details.uid,
      email,
      // The code's lifetime as the service enforces it (config secondFactor.emailCodeMinutes).
      minutes: deps.settings.emailCodeMinutes,
      resent: extra.resent,
      errors,
      errorList,
      confirmAction: `/interaction/${details.uid}/enrol/email/confirm`,
      resendAction: `/interaction/${details.uid}/enrol/email`,
      backUrl: `/interaction/${details.uid}`,
    },
    { title: 'enrol.email_title', status },
  );
}

/**
 * POST /enrol/email: mails the enrolment code to the account's confirmed address and shows the field for
 * it. Sending again replaces the code; the outbox's per-recipient cap may drop a mail silently (the code
 * sent before stays valid), so the page says the same either way.
 */
export async function sendEmailCode(deps: InteractionDeps, ctx: Context, details: InteractionDetails): Promise<void> {
  const at = await atEnrolment(deps, details);
  if (!at) return toCurrentStep(ctx, details);
  await deps.secondFactors.sendEnrolmentCode(at.flow.accountId, attemptContext(ctx, details));
  const resent = (ctx.request.body as { resend?: unknown } | undefined)?.resend === '1';
  await render(deps, ctx, details, at.flow.accountId, { resent });
}

/** POST /enrol/email/confirm: the code from the mail proves the mailbox; the e-mail code becomes the second factor. */
export async function submitEmailCode(deps: InteractionDeps, ctx: Context, details: InteractionDetails): Promise<void> {
  const at = await atEnrolment(deps, details);
  if (!at) return toCurrentStep(ctx, details);
  const form = parseForm(emailEnrolmentForm, ctx.request.body);
  if (!form.ok) return render(deps, ctx, details, at.flow.accountId, { fieldErrors: form.fieldErrors }, 400);
  const outcome = await deps.secondFactors.confirmEmailEnrolment(at.flow.accountId, form.data.code, attemptContext(ctx, details));
  switch (outcome.kind) {
    case 'rate_limited':
      return renderTooManyRequests(deps.views, ctx, outcome.retryAfterSeconds);
    case 'throttled':
      ctx.set('Retry-After', String(outcome.retryAfterSeconds));
      return render(deps, ctx, details, at.flow.accountId, { waitSeconds: outcome.retryAfterSeconds }, 429);
    case 'failed':
      deps.logger.info({ interaction: details.uid }, 'e-mail enrolment code failed');
      return render(deps, ctx, details, at.flow.accountId, { fieldErrors: { code: 'enrol.email_code_wrong' } }, 401);
    case 'enrolled':
      return enrolled(deps, ctx, details, at.flow, outcome);
  }
}
