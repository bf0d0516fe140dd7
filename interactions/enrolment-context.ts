import type { Context } from 'koa';
import type { InteractionDeps } from './routes.ts';
import type { InteractionDetails } from './interaction-context.ts';
import { nextStep, readFlow, type LoginFlow, type NextStep } from './login-flow.ts';
import type { AttemptContext } from '../src/credentials/index.ts';
import { AppError } from '../src/shared/app-error.ts';
import type { LevelRequirement } from '../src/trust/index.ts';
import { levelName } from './level-notice.ts';

export type EnrolStep = Extract<NextStep, { kind: 'enrol' }>;

/** The person's words for the level the portal asks for, and why it needs a second factor. */
export function requirementText(deps: InteractionDeps, ctx: Context, requirement: LevelRequirement): string {
  const t = deps.views.translator(ctx);
  // The same sentence as the second-factor step and the level notice (level-notice.ts names the level).
  return t('level.required', { level: levelName(t, requirement.level) });
}

/** What the code services need to know of the attempt (audit, per-IP window, the mail's language). */
export function attemptContext(ctx: Context, details: InteractionDetails): AttemptContext {
  return {
    ip: ctx.ip,
    clientId: typeof details.params.client_id === 'string' ? details.params.client_id : null,
    locale: ctx.state.locale === 'en' ? 'en' : 'de',
  };
}

/**
 * The name the account is known by: the username in username mode, else the e-mail address (the label
 * in the authenticator app's list, RFC 6238 key URI format).
 */
export async function accountLabel(deps: InteractionDeps, accountId: string): Promise<{ label: string; email: string }> {
  const names = await deps.loginNames(accountId);
  if (!names) throw new AppError('interaction.unexpected_step', 400);
  return { label: deps.settings.registration.usernameMode === 'username' && names.username ? names.username : names.email, email: names.email };
}

/**
 * The login is at the enrolment step (password done, no second factor yet, a level that needs one), or
 * undefined. Reached any other way (a bookmarked or reloaded page after the step), the caller sends the
 * browser to the step the flow is at.
 */
export async function atEnrolment(
  deps: InteractionDeps,
  details: InteractionDetails,
): Promise<{ flow: LoginFlow & { accountId: string }; next: EnrolStep } | undefined> {
  if (details.prompt.name !== 'login') return undefined;
  const flow = await readFlow(deps, details);
  const next = await nextStep(deps, details, flow);
  if (next.kind !== 'enrol' || !flow.accountId) return undefined;
  return { flow: { ...flow, accountId: flow.accountId }, next };
}

/** 303 to the interaction: the page of the step the login is at (PRG after a POST that came too late). */
export function toCurrentStep(ctx: Context, details: InteractionDetails): void {
  ctx.status = 303;
  ctx.redirect(`/interaction/${details.uid}`);
}
