import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { InteractionDeps } from './routes.ts';
import { clientNameOf, finishInteraction, type InteractionDetails } from './interaction-context.ts';
import { continueFlow, nextStep, readFlow, type LoginFlow, type NextStep } from './login-flow.ts';
import { AppError } from '../src/shared/app-error.ts';

type Load = (ctx: Context) => Promise<InteractionDetails>;

/** The chooser's one field: one of the person's organisations (checked against them, not trusted). */
const choiceForm = z.object({ organisation: z.uuid() });

/** What the portal is told, per refusal reason (OIDC Core §3.1.2.6: access_denied with a description). */
const REFUSAL_DESCRIPTIONS = {
  no_role: 'the person has no role for this service in the chosen organisation',
  not_subscribed: 'the chosen organisation does not use this service',
  pending_approval: "the chosen organisation's use of this service awaits the responsible authority's approval",
  not_member: 'the person is not a member of the chosen organisation',
} as const satisfies Record<Extract<NextStep, { kind: 'organisation_refused' }>['reason'], string>;

/**
 * GET: the person belongs to several organisations and the portal asks for `sk_organisation`: which one
 * they act for in this service (issue 19; the choice is remembered for this portal and offered again with
 * `prompt=select_account`).
 */
export async function showOrganisationChoice(
  deps: InteractionDeps,
  ctx: Context,
  details: InteractionDetails,
  next: Extract<NextStep, { kind: 'organisation' }>,
  error?: string,
): Promise<void> {
  const t = deps.views.translator(ctx);
  const first = next.organisations[0]?.id ?? '';
  deps.views.render(
    ctx,
    'interaction/organisation-choice',
    {
      uid: details.uid,
      clientName: await clientNameOf(deps.provider, details.params.client_id),
      organisations: next.organisations.map((organisation) => ({
        ...organisation,
        checked: organisation.id === next.current,
        admin: organisation.role === 'admin',
      })),
      errors: error ? { organisation: t(error) } : {},
      errorList: error ? [{ field: `organisation-${first}`, text: t(error) }] : [],
    },
    { title: 'organisation_login.choose_title' },
  );
}

/** GET: the decided organisation may not use this portal; the page says why and what to do, one button goes back. */
export async function showOrganisationRefused(
  deps: InteractionDeps,
  ctx: Context,
  details: InteractionDetails,
  flow: LoginFlow,
  next: Extract<NextStep, { kind: 'organisation_refused' }>,
): Promise<void> {
  const organisations = flow.accountId ? await deps.organisations.organisationsOf(flow.accountId) : [];
  const organisation = organisations.find((candidate) => candidate.id === next.organisationId);
  deps.views.render(
    ctx,
    'interaction/organisation-refused',
    {
      uid: details.uid,
      clientName: await clientNameOf(deps.provider, details.params.client_id),
      organisationName: organisation?.name ?? '',
      reasonKey: `organisation_login.reason.${next.reason}`,
      adviceKey: `organisation_login.advice.${next.reason}`,
    },
    { title: 'organisation_login.refused_title' },
  );
}

/** POST organisation: the person picked one; remembered for this portal, then the access rule decides. */
async function submitChoice(deps: InteractionDeps, ctx: Context, details: InteractionDetails): Promise<void> {
  const flow = await readFlow(deps, details);
  const next = await nextStep(deps, details, flow);
  if (next.kind !== 'organisation' || !flow.accountId || typeof details.params.client_id !== 'string') throw new AppError('interaction.unexpected_step', 400);
  const parsed = choiceForm.safeParse(ctx.request.body);
  const chosen = parsed.success ? next.organisations.find((organisation) => organisation.id === parsed.data.organisation) : undefined;
  if (!chosen) {
    ctx.status = 400;
    return showOrganisationChoice(deps, ctx, details, next, 'organisation_login.choose_required');
  }
  // Remembered at once (changeable: prompt=select_account asks again); the domain checks the membership.
  await deps.organisations.choose(flow.accountId, details.params.client_id, chosen.id);
  await continueFlow(deps, ctx, details, { ...flow, organisation: { clientId: details.params.client_id, id: chosen.id } });
}

/** POST organisation/refuse: back to the portal with access_denied naming the reason, never a token. */
async function refuseOrganisation(deps: InteractionDeps, ctx: Context, details: InteractionDetails): Promise<void> {
  const next = await nextStep(deps, details, await readFlow(deps, details));
  if (next.kind !== 'organisation_refused') throw new AppError('interaction.unexpected_step', 400);
  await finishInteraction(deps.provider, ctx, { error: 'access_denied', error_description: REFUSAL_DESCRIPTIONS[next.reason] });
}

/** The organisation step's two forms, on the interaction router. */
export function registerOrganisationRoutes(router: Router, deps: InteractionDeps, load: Load): void {
  const loginPrompt = async (ctx: Context) => {
    const details = await load(ctx);
    if (details.prompt.name !== 'login') throw new AppError('interaction.unexpected_step', 400);
    return details;
  };
  router.post('/:uid/organisation', async (ctx) => submitChoice(deps, ctx, await loginPrompt(ctx)));
  router.post('/:uid/organisation/refuse', async (ctx) => refuseOrganisation(deps, ctx, await loginPrompt(ctx)));
}
