import type { Context } from 'koa';
import type { InteractionDeps } from './routes.ts';
import type { InteractionDetails } from './interaction-context.ts';
import type { LoginFlow, NextStep } from './login-flow.ts';
import { AppError } from '../src/shared/app-error.ts';

/** PLACEHOLDER (replaced by the page of this step before the branch lands). */
export async function showEnrolment(
  _deps: InteractionDeps,
  _ctx: Context,
  _details: InteractionDetails,
  _flow: LoginFlow,
  _next: Extract<NextStep, { kind: 'enrol' }>,
): Promise<void> {
  throw new AppError('interaction.unexpected_step', 400);
}
