import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import type { Clock } from '../shared/clock.ts';
import { acrToEmit, bindingBelow, currentAuthentication, meets, requirementOf, secondsLeft, stepsStillHolding, type SessionLimits } from '../trust/index.ts';
import { acrRequestOf, deviceOf, loginHandoverSchema, trustOf } from './session-trust.ts';

const { Check, base } = interactionPolicy;

/** The reason the login prompt names when the session is below what the request needs (a step-up). */
export const LEVEL_BELOW_REQUIREMENT = 'level_below_requirement';

interface SessionFields {
  accountId?: string;
  acr?: string;
  amr?: string[];
  loginTs?: number;
  kontor?: unknown;
}

/**
 * The interaction policy: oidc-provider's own prompts, with its exact-match acr checks (`essential_acr`,
 * `essential_acrs`) replaced by one ordinal check that also judges the session's level now. On every
 * authorization request it
 * - takes the steps a finished login handed over (interaction result `kontor`) into the session,
 * - lets levels whose TR-03160-1 limit ran out fall back to what the remaining steps support, and asks for
 *   a new login when nothing holds,
 * - asks for a step-up when the level is below the portal's request or the client's floor
 *   (`default_acr_values`), unless the person went on below a voluntary request,
 * - and sets the session's `acr` (in the portal's own vocabulary), `amr` and `auth_time` for the tokens of
 *   this request.
 */
export function trustPolicy(clock: Clock, limits: SessionLimits): ReturnType<typeof base> {
  const policy = base();
  const login = policy.get('login');
  if (!login) throw new Error('oidc-provider policy without a login prompt');
  login.checks.remove('essential_acr');
  login.checks.remove('essential_acrs');
  // oidc-provider's max_age check reads the session's loginTs, which the check below sets only after it: a
  // level that fell back since the last request would be judged by the auth_time of the step that no longer
  // holds (OIDC Core §3.1.2.1: the authentication the tokens stand on must be younger than max_age).
  const maxAgeAt = login.checks.findIndex((check) => check.reason === 'max_age');
  login.checks.add(
    new Check('level_auth_time', 'the auth_time of the level the session holds now', (ctx: KoaContextWithOIDC) => {
      const session = ctx.oidc.session as unknown as SessionFields;
      const trust = session.accountId && !(ctx.oidc.result as { login?: unknown } | undefined)?.login ? trustOf(session) : undefined;
      const now = Math.floor(clock.now().getTime() / 1000);
      const current = trust && currentAuthentication(trust.steps, trust.lastActiveAt, now, limits);
      if (current) session.loginTs = current.authTime;
      return Check.NO_NEED_TO_PROMPT;
    }),
    maxAgeAt === -1 ? 0 : maxAgeAt,
  );
  login.checks.add(
    new Check(LEVEL_BELOW_REQUIREMENT, 'the login does not reach the requested trust level', 'login_required', (ctx: KoaContextWithOIDC) => {
      const { oidc } = ctx;
      const session = oidc.session as unknown as SessionFields;
      if (!session.accountId) return Check.NO_NEED_TO_PROMPT; // no_session asks for the login
      const now = Math.floor(clock.now().getTime() / 1000);
      const result = oidc.result as { login?: unknown; kontor?: unknown } | undefined;
      const handover = result?.login ? loginHandoverSchema.safeParse(result.kontor) : undefined;
      const trust = handover?.success ? { steps: handover.data.steps, lastActiveAt: now } : trustOf(session);
      const current = trust && currentAuthentication(trust.steps, trust.lastActiveAt, now, limits);
      if (!trust || !current) return Check.REQUEST_PROMPT; // nothing holds any more: a new login
      // This request uses the session: the idle time of every level starts again. Other fields of `kontor`
      // stay; a finished login records the browser it came from (the account area's sessions list).
      const kept = session.kontor && typeof session.kontor === 'object' ? (session.kontor as Record<string, unknown>) : {};
      const device = handover?.success ? deviceOf(ctx.get('user-agent')) : trustOf(session)?.device;
      session.kontor = { ...kept, steps: stepsStillHolding(trust.steps, trust.lastActiveAt, now, limits), lastActiveAt: now, device };
      const acrRequest = acrRequestOf(oidc.params as { claims?: unknown; acr_values?: unknown });
      const requirement = requirementOf(acrRequest, oidc.client?.defaultAcrValues);
      // A later step of the same authorization request (consent) resumes with its own result: the person's
      // choice to go on below travels in the last submission of that step's interaction, the login's result.
      const earlier = (oidc.entities as { Interaction?: { lastSubmission?: { login?: unknown; kontor?: unknown } } }).Interaction?.lastSubmission;
      const earlierHandover = !result?.login && earlier?.login ? loginHandoverSchema.safeParse(earlier.kontor) : undefined;
      const wentOnBelow = [handover, earlierHandover].some((candidate) => candidate?.success === true && candidate.data.acceptedBelow === true);
      if (requirement.kind === 'unknown') return Check.REQUEST_PROMPT;
      // Going on below a voluntary level leaves the client's floor beneath it binding (acr-policy.ts bindingBelow).
      const binding = requirement.kind === 'level' ? (wentOnBelow ? bindingBelow(requirement.requirement) : requirement.requirement) : undefined;
      if (binding && !meets(current.level, binding.level)) return Check.REQUEST_PROMPT;
      session.acr = acrToEmit(current.level, acrRequest);
      session.amr = current.amr;
      session.loginTs = current.authTime;
      return Check.NO_NEED_TO_PROMPT;
    }),
  );
  return policy;
}

/** Seconds the session lives from this use: as long as one of its steps still holds (at least 1). */
export function sessionTtl(clock: Clock, limits: SessionLimits, session: { kontor?: unknown }): number {
  const trust = trustOf(session);
  const now = Math.floor(clock.now().getTime() / 1000);
  if (!trust) return limits.niedrig.idleSeconds;
  return Math.max(1, secondsLeft(trust.steps, now, limits));
}
