import type Router from '@koa/router';
import type { Context } from 'koa';
import type { InteractionDeps } from './routes.ts';
import { clientNameOf, type InteractionDetails } from './interaction-context.ts';
import type { LoginFlow } from './login-flow.ts';
import { requirementText, type EnrolStep } from './enrolment-context.ts';
import { sendEmailCode, submitEmailCode } from './enrolment-email.ts';
import { continueAfterCodes } from './enrolment-done.ts';
import { showTotp, submitTotp } from './enrolment-totp.ts';

type Load = (ctx: Context) => Promise<InteractionDetails>;

/**
 * After the password, when the portal asks for a level only a second factor reaches and the account has
 * none: why, and the choice of the two factors (seed 002, "Zweistufige Verifizierung"); below a
 * voluntary level, the way on without it.
 */
export async function showEnrolment(deps: InteractionDeps, ctx: Context, details: InteractionDetails, _flow: LoginFlow, next: EnrolStep): Promise<void> {
  deps.views.render(
    ctx,
    'interaction/enrol',
    {
      uid: details.uid,
      clientName: await clientNameOf(deps.provider, details.params.client_id),
      requirement: requirementText(deps, ctx, next.requirement),
      totpUrl: `/interaction/${details.uid}/enrol/totp`,
      emailAction: `/interaction/${details.uid}/enrol/email`,
      voluntary: !next.requirement.essential,
    },
    { title: 'enrol.title' },
  );
}

/** The enrolment's routes under /interaction/:uid (CSRF-checked like every route of the router). */
export function registerEnrolmentRoutes(router: Router, deps: InteractionDeps, load: Load): void {
  router.get('/:uid/enrol/totp', async (ctx) => showTotp(deps, ctx, await load(ctx)));
  router.post('/:uid/enrol/totp', async (ctx) => submitTotp(deps, ctx, await load(ctx)));
  router.post('/:uid/enrol/email', async (ctx) => sendEmailCode(deps, ctx, await load(ctx)));
  router.post('/:uid/enrol/email/confirm', async (ctx) => submitEmailCode(deps, ctx, await load(ctx)));
  router.post('/:uid/enrol/continue', async (ctx) => continueAfterCodes(deps, ctx, await load(ctx)));
}
