import type { Context } from 'koa';
import type { InteractionDeps } from './routes.ts';
import type { InteractionDetails } from './interaction-context.ts';
import { continueFlow, finishLogin, nextStep, readFlow, refuseRequirement } from './login-flow.ts';
import { showLogin } from './login.ts';
import { showSecondFactor } from './second-factor.ts';
import { showEnrolment } from './enrolment.ts';
import { showUnreachable } from './level-notice.ts';
import { showOrganisationChoice, showOrganisationRefused } from './organisation-choice.ts';
import { AppError } from '../src/shared/app-error.ts';

/** GET /interaction/:uid during the login prompt: the page of the step the flow needs next. */
export async function showCurrentStep(deps: InteractionDeps, ctx: Context, details: InteractionDetails): Promise<void> {
  const flow = await readFlow(deps, details);
  const next = await nextStep(deps, details, flow);
  switch (next.kind) {
    case 'password':
      return showLogin(deps, ctx, details, flow.federationLink ? { notice: 'federation.link_notice' } : {});
    case 'second_factor':
      return showSecondFactor(deps, ctx, details, flow, next);
    case 'enrol':
      return showEnrolment(deps, ctx, details, flow, next);
    case 'unreachable':
      return showUnreachable(deps, ctx, details, flow, next);
    case 'organisation':
      return showOrganisationChoice(deps, ctx, details, next);
    case 'organisation_refused':
      return showOrganisationRefused(deps, ctx, details, flow, next);
    case 'finish':
      // Reached when the session already holds everything (e.g. after going on below a voluntary level).
      return finishLogin(deps, ctx, flow, next.organisation);
  }
}

/** POST continue-below: the portal asked for a level without insisting; the person goes on without it. */
export async function continueBelow(deps: InteractionDeps, ctx: Context, details: InteractionDetails): Promise<void> {
  const flow = await readFlow(deps, details);
  const next = await nextStep(deps, details, flow);
  if (next.kind !== 'unreachable' && next.kind !== 'enrol' && !(next.kind === 'second_factor' && next.requirement))
    throw new AppError('interaction.unexpected_step', 400);
  const requirement = next.kind === 'unreachable' ? next.requirement : next.requirement;
  if (!requirement || requirement.essential) throw new AppError('interaction.unexpected_step', 400);
  await continueFlow(deps, ctx, details, { ...flow, acceptedBelow: true });
}

/** POST refuse: back to the portal with the error, after the page said why (essential or floor not reachable). */
export async function refuseLevel(deps: InteractionDeps, ctx: Context, details: InteractionDetails): Promise<void> {
  const flow = await readFlow(deps, details);
  const next = await nextStep(deps, details, flow);
  if (next.kind !== 'unreachable') throw new AppError('interaction.unexpected_step', 400);
  await refuseRequirement(deps, ctx, next);
}
