import type { Context } from 'koa';
import { z } from 'zod';
import type { InteractionDeps } from './routes.ts';
import { finishInteraction, type InteractionDetails } from './interaction-context.ts';
import { AppError } from '../src/shared/app-error.ts';
import {
  authenticationStepSchema,
  organisationHandoverSchema,
  requirementOfInteraction,
  sessionAuthentication,
  wantsOrganisation,
  type OrganisationHandover,
} from '../src/oidc/index.ts';
import type { AccessDecision, OrganisationOfPerson } from '../src/organisations/index.ts';
import {
  BSI_ACR,
  bindingBelow,
  combineSteps,
  currentAuthentication,
  meets,
  type AuthenticationStep,
  type AuthenticatorResult,
  type LevelRequirement,
} from '../src/trust/index.ts';
import type { SecondFactors } from '../src/credentials/index.ts';

/**
 * The progress of one login, kept in the interaction (oidc-provider's interaction result, merged with
 * each submission) and validated whenever it is read: whose login it is once a first factor succeeded,
 * the steps that hold (with amr, level and time; carried over from the session for a step-up), and
 * whether the person chose to go on below a level the portal asked for without insisting.
 */
export const loginFlowSchema = z.object({
  accountId: z.uuid().optional(),
  steps: z.array(authenticationStepSchema).max(20),
  acceptedBelow: z.boolean().optional(),
  /**
   * The steps came from the browser's session (a step-up), not from this interaction: the session already
   * stands at their level for this account (SSO at that level needs no question), so going on below a
   * voluntary level finishes there instead of asking for the account's second factor anew.
   */
  fromSession: z.boolean().optional(),
  /**
   * The verified upstream request (src/federation) whose identity the person chose to link to the account
   * they are logging in to now: linked at the finish, after that account's own login is complete.
   */
  federationLink: z.uuid().optional(),
  /** The organisation the person picked on the chooser in this interaction (issue 19), for this portal. */
  organisation: organisationHandoverSchema.optional(),
});
export type LoginFlow = z.infer<typeof loginFlowSchema>;

/** What the login needs next; the one decision every login method's success goes through. */
export type NextStep =
  | { kind: 'password' }
  /** The account has a second factor (always asked), or the portal asks for more than the login has. */
  | { kind: 'second_factor'; factors: SecondFactors; requirement?: LevelRequirement }
  /** No second factor yet, and the portal asks for a level one would reach: set one up, inside the login. */
  | { kind: 'enrol'; requirement: LevelRequirement }
  /** None of the person's methods (or none of Kontor's) reaches what the portal asks for. */
  | { kind: 'unreachable'; requirement?: LevelRequirement; asked: string[]; essential: boolean }
  /** The portal asks for `sk_organisation` and the person is in several organisations: which one (issue 19). */
  | { kind: 'organisation'; organisations: OrganisationOfPerson[]; current?: string }
  /** The decided organisation may not use this portal (seed 002): the person is told, the portal gets access_denied. */
  | { kind: 'organisation_refused'; organisationId: string; reason: RefusalReason }
  /** Done; `organisation` is this login's decision for a portal that asked for `sk_organisation`. */
  | { kind: 'finish'; organisation?: OrganisationHandover };

type RefusalReason = Extract<AccessDecision, { allowed: false }>['reason'];

const FLOW_KEY = 'kontorFlow';

/** Reasons after which the person logs in anew, whatever the session holds (OIDC Core §3.1.2.1 max_age, prompt=login). */
const FRESH_LOGIN_REASONS = new Set(['no_session', 'login_prompt', 'max_age', 'id_token_hint', 'claims_id_token_sub_value']);

export function nowSeconds(deps: InteractionDeps): number {
  return Math.floor(deps.clock.now().getTime() / 1000);
}

/**
 * The flow of this interaction: as stored, or at its start: empty for a fresh login, the session's
 * account and steps that still hold when only the level is missing (a step-up asks for the missing step
 * only).
 */
export async function readFlow(deps: InteractionDeps, details: InteractionDetails): Promise<LoginFlow> {
  const stored = loginFlowSchema.safeParse((details.result as Record<string, unknown> | undefined)?.[FLOW_KEY]);
  if (stored.success) return stored.data;
  if (!details.prompt.reasons.some((reason) => FRESH_LOGIN_REASONS.has(reason))) {
    const clientId = typeof details.params.client_id === 'string' ? details.params.client_id : undefined;
    const session = await sessionAuthentication(deps.provider, details.session?.cookie, nowSeconds(deps), deps.settings.sessionLimits, clientId);
    if (session) return { accountId: session.accountId, steps: session.steps, fromSession: true };
  }
  return { steps: [] };
}

/** Stores the flow in the interaction without finishing it. */
export async function saveFlow(deps: InteractionDeps, ctx: Context, flow: LoginFlow): Promise<void> {
  await deps.provider.interactionResult(ctx.req, ctx.res, { [FLOW_KEY]: flow }, { mergeWithLastSubmission: true });
}

/** The strongest step that holds, if any. */
export function strongestStep(deps: InteractionDeps, flow: LoginFlow): AuthenticationStep | undefined {
  const now = nowSeconds(deps);
  const current = currentAuthentication(flow.steps, now, now, deps.settings.sessionLimits);
  return current && flow.steps.find((step) => step.level === current.level && step.at === current.authTime);
}

/**
 * The one function that decides what comes next: the first factor, the second factor when the account has
 * one, the enrolment or the notice when the portal asks for more than the login reached, or the finish.
 */
export async function nextStep(deps: InteractionDeps, details: InteractionDetails, flow: LoginFlow): Promise<NextStep> {
  const outcome = await requirementOfInteraction(deps.provider, details.params);
  if (outcome.kind === 'unknown') return { kind: 'unreachable', asked: outcome.asked, essential: outcome.essential };
  // Going on below a voluntary level leaves what still binds: the client's floor beneath it, if any.
  const requirement = outcome.kind === 'level' ? (flow.acceptedBelow ? bindingBelow(outcome.requirement) : outcome.requirement) : undefined;
  // Beyond every method Kontor has (hoch needs the eID card): say so before asking for anything.
  if (requirement && !meets(deps.settings.secondFactorLevel, requirement.level)) {
    return { kind: 'unreachable', requirement, asked: requirement.asked, essential: requirement.essential };
  }
  if (!flow.accountId) return { kind: 'password' };
  const secondDone = flow.steps.some((step) => step.amr.includes('mfa'));
  // Which factors the account has matters only while none has been used in this login (one query saved
  // on the step after the second factor, the hot one). Another state's account stands on its own: its level is the upstream's (mapped and capped), the
  // account's second factor belongs to the logins at Kontor.
  const federated = flow.steps.some((step) => step.method === 'federated');
  // A session that already meets what this request needs (SSO into a portal that asks only for the
  // organisation; going on below a voluntary level) is not asked for its second factor again.
  const sessionSuffices = flow.fromSession === true && (!requirement || meetsRequirement(deps, flow, requirement));
  if (!secondDone && !federated && !sessionSuffices) {
    const factors = await deps.secondFactors.factorsOf(flow.accountId);
    const hasFactor = factors.totp || factors.emailCode;
    // Always asked in a fresh login.
    if (hasFactor) return { kind: 'second_factor', factors, requirement };
    if (requirement && !meetsRequirement(deps, flow, requirement)) return { kind: 'enrol', requirement };
  }
  if (requirement && !meetsRequirement(deps, flow, requirement)) {
    return { kind: 'unreachable', requirement, asked: requirement.asked, essential: requirement.essential };
  }
  return organisationStep(deps, details, flow, flow.accountId);
}

/**
 * The last step, only for a portal that asks for `sk_organisation` (its registration allows the scope, or
 * oidc-provider refused the request): which organisation the person acts for and whether they may use the
 * portal there. `prompt=select_account` (OIDC Core §3.1.2.1) offers the chooser again although a choice is
 * remembered: that is how a person changes it.
 */
async function organisationStep(deps: InteractionDeps, details: InteractionDetails, flow: LoginFlow, accountId: string): Promise<NextStep> {
  const clientId = details.params.client_id;
  if (typeof clientId !== 'string' || !wantsOrganisation(details.params.scope)) return { kind: 'finish' };
  const decide = async (organisationId: string): Promise<NextStep> => {
    const decision = await deps.organisations.accessDecision(accountId, organisationId, clientId);
    return decision.allowed
      ? { kind: 'finish', organisation: { clientId, id: organisationId } }
      : { kind: 'organisation_refused', organisationId, reason: decision.reason };
  };
  const picked = flow.organisation?.clientId === clientId ? flow.organisation : undefined;
  if (picked) return picked.id ? decide(picked.id) : { kind: 'finish', organisation: picked };
  const step = await deps.organisations.loginStep(accountId, clientId);
  if (step.kind === 'none') return { kind: 'finish', organisation: { clientId, id: null } };
  if (step.kind === 'choose') return { kind: 'organisation', organisations: step.organisations };
  const selectAgain = typeof details.params.prompt === 'string' && details.params.prompt.split(' ').includes('select_account');
  if (selectAgain) {
    const organisations = await deps.organisations.organisationsOf(accountId);
    if (organisations.length > 1) return { kind: 'organisation', organisations, current: step.organisationId };
  }
  return step.decision.allowed
    ? { kind: 'finish', organisation: { clientId, id: step.organisationId } }
    : { kind: 'organisation_refused', organisationId: step.organisationId, reason: step.decision.reason };
}

/** Whether the strongest step that holds reaches the requirement. */
function meetsRequirement(deps: InteractionDeps, flow: LoginFlow, requirement: LevelRequirement): boolean {
  const level = strongestStep(deps, flow)?.level;
  return level !== undefined && meets(level, requirement.level);
}

/**
 * A login method succeeded: the step joins the flow (another account's first factor starts it over), then
 * the login finishes or the browser goes on to the next step (303 to the interaction).
 */
export async function recordStep(
  deps: InteractionDeps,
  ctx: Context,
  details: InteractionDetails,
  flow: LoginFlow,
  result: AuthenticatorResult,
): Promise<void> {
  await continueFlow(deps, ctx, details, withStep(deps, flow, result));
}

/** The flow with a method's success joined in (another account's first factor starts it over). */
export function withStep(deps: InteractionDeps, flow: LoginFlow, result: AuthenticatorResult): LoginFlow {
  const same = flow.accountId === result.accountId;
  const step = combineSteps(same ? strongestStep(deps, flow) : undefined, result, nowSeconds(deps));
  const base = same ? flow.steps : [];
  return {
    ...flow,
    accountId: result.accountId,
    fromSession: same ? flow.fromSession : undefined,
    steps: [...base.filter((kept) => kept.level !== step.level), step],
  };
}

/** Finishes when nothing is missing, else stores the flow and shows the next step. */
export async function continueFlow(deps: InteractionDeps, ctx: Context, details: InteractionDetails, flow: LoginFlow): Promise<void> {
  const next = await nextStep(deps, details, flow);
  if (next.kind === 'finish') return finishLogin(deps, ctx, flow, next.organisation);
  await saveFlow(deps, ctx, flow);
  ctx.status = 303;
  ctx.redirect(`/interaction/${details.uid}`);
}

/**
 * The completion point: `{accountId, acr, amr}` to oidc-provider, the steps to the session (trust policy,
 * src/oidc/trust-policy.ts, takes them over and sets the acr in the portal's vocabulary), and the
 * organisation decided for this portal (src/oidc/organisation-policy.ts keeps it in the session).
 */
export async function finishLogin(deps: InteractionDeps, ctx: Context, flow: LoginFlow, organisation?: OrganisationHandover): Promise<void> {
  const strongest = strongestStep(deps, flow);
  if (!flow.accountId || !strongest) throw new Error('finishLogin without a completed step');
  // The lock holds for every way in (password, federation, later eID) here, at the one completion point: a
  // locked account never reaches a portal, whichever method proved who the person is (issue 17 item 8).
  const status = await deps.accountStatus(flow.accountId);
  if (status === 'locked') {
    const names = await deps.loginNames(flow.accountId);
    return showLocked(deps, ctx, { username: names?.username ?? names?.email ?? '' });
  }
  if (status !== 'active') throw new AppError('interaction.unexpected_step', 403);
  // "Link my account": the account's own login is complete now (password, and its second factor if any).
  if (flow.federationLink) await deps.federation?.linkPending?.(ctx, flow.federationLink, flow.accountId);
  await finishInteraction(deps.provider, ctx, {
    // remember: false → a browser-session cookie: closing the browser on a shared computer ends the login.
    login: { accountId: flow.accountId, acr: BSI_ACR[strongest.level], amr: strongest.amr, ts: strongest.at, remember: false },
    kontor: { steps: flow.steps, acceptedBelow: flow.acceptedBelow, ...(organisation ? { organisation } : {}) },
  });
}

/**
 * The owner of a locked account learns why and how to unlock: after the right password (login.ts) or at the
 * completion point for any other method. Nobody without the credential gets this far.
 */
export function showLocked(deps: InteractionDeps, ctx: Context, input: { username: string; interaction?: string }): void {
  deps.views.render(
    ctx,
    'account-lock/login-locked',
    { ...input, resendAction: '/account/unlock/resend' },
    { title: 'account.lock.login_locked_title', status: 403 },
  );
}

/**
 * The portal insisted on a level the person cannot reach (essential acr, or the client's floor): it gets
 * the error, after the person was told (OpenID Connect Core Unmet Authentication Requirements 1.0 §2).
 */
export async function refuseRequirement(deps: InteractionDeps, ctx: Context, next: Extract<NextStep, { kind: 'unreachable' }>): Promise<void> {
  const wanted = next.requirement ? `trust level ${next.requirement.level}` : 'an acr Kontor does not know';
  await finishInteraction(deps.provider, ctx, {
    error: 'unmet_authentication_requirements',
    error_description: `the service requires ${wanted} (${next.asked.join(' ')}), which the login could not reach`,
  });
}
