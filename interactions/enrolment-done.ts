import type { Context } from 'koa';
import type { InteractionDeps } from './routes.ts';
import type { InteractionDetails } from './interaction-context.ts';
import { continueFlow, readFlow, recordStep, saveFlow, withStep, type LoginFlow } from './login-flow.ts';
import type { EnrolmentOutcome } from '../src/credentials/index.ts';
import { AppError } from '../src/shared/app-error.ts';
import type { AuthenticatorResult } from '../src/trust/index.ts';

/**
 * The flow with the enrolled factor as its step, stored in the interaction without finishing (what
 * `recordStep` does before it continues): the recovery-code page in between must not lose the step.
 */
export async function holdStep(deps: InteractionDeps, ctx: Context, flow: LoginFlow, result: AuthenticatorResult): Promise<LoginFlow> {
  const updated = withStep(deps, flow, result);
  await saveFlow(deps, ctx, updated);
  return updated;
}

/**
 * The factor is set up and proved: with new recovery codes (the account's first factor) the codes are
 * shown once, in the answer to this POST: they are secrets, so they are never stored where a later
 * request could read them (only their hashes, by the service). Without, the login goes on at once.
 */
export async function enrolled(
  deps: InteractionDeps,
  ctx: Context,
  details: InteractionDetails,
  flow: LoginFlow,
  outcome: Extract<EnrolmentOutcome, { kind: 'enrolled' }>,
): Promise<void> {
  deps.logger.info({ interaction: details.uid, accountId: outcome.result.accountId, method: outcome.result.method }, 'second factor enrolled');
  if (!outcome.recoveryCodes) return recordStep(deps, ctx, details, flow, outcome.result);
  await holdStep(deps, ctx, flow, outcome.result);
  deps.views.render(
    ctx,
    'interaction/enrol-recovery-codes',
    { uid: details.uid, codes: outcome.recoveryCodes, count: outcome.recoveryCodes.length },
    { title: 'enrol.codes_title' },
  );
}

/** POST /enrol/continue ("Weiter" under the recovery codes): the login goes on with the second factor held. */
export async function continueAfterCodes(deps: InteractionDeps, ctx: Context, details: InteractionDetails): Promise<void> {
  if (details.prompt.name !== 'login') throw new AppError('interaction.unexpected_step', 400);
  const flow = await readFlow(deps, details);
  if (!flow.accountId || !flow.steps.some((step) => step.amr.includes('mfa'))) throw new AppError('interaction.unexpected_step', 400);
  await continueFlow(deps, ctx, details, flow);
}
