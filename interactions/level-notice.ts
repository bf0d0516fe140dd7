import type { Context } from 'koa';
import type { InteractionDeps } from './routes.ts';
import { clientNameOf, type InteractionDetails } from './interaction-context.ts';
import { strongestStep, type LoginFlow, type NextStep } from './login-flow.ts';
import type { Translate } from '../src/i18n/index.ts';
import { bindingBelow, higherOf, type AuthenticationLevel } from '../src/trust/index.ts';

/**
 * A level by the name the person meets in public services ("substanziell"); in English with the English
 * term beside it, since portals and letters name the German one (TRUST-AND-CLAIMS.md).
 */
export function levelName(t: Translate, level: AuthenticationLevel): string {
  return t(`level.name.${level}`);
}

/** Why a level cannot be reached here: hoch needs the eID card; anything else is beyond this deployment's methods. */
function reasonKey(requirement: NextStep & { kind: 'unreachable' }): string {
  if (!requirement.requirement) return 'level.reason_unknown';
  if (requirement.requirement.level === 'hoch') return 'level.reason_hoch';
  return 'level.reason_beyond';
}

/** The level a login that goes on below the (voluntary) request ends at. */
function continuesAt(current: AuthenticationLevel, next: Extract<NextStep, { kind: 'unreachable' }>): AuthenticationLevel {
  const floor = next.requirement && bindingBelow(next.requirement);
  return floor ? higherOf(current, floor.level) : current;
}

/**
 * GET: the portal asked for a level none of the person's methods (or none of Kontor's) reaches. The person
 * is told first (TRUST-AND-CLAIMS.md: an unmet requirement fails "after telling the person", never a
 * loop). A portal that insists (essential acr, or its registered floor) gets
 * `unmet_authentication_requirements` by the one button back; a voluntary request lets the person go on
 * at the level they have. A page, not an error: 200.
 */
export async function showUnreachable(
  deps: InteractionDeps,
  ctx: Context,
  details: InteractionDetails,
  flow: LoginFlow,
  next: Extract<NextStep, { kind: 'unreachable' }>,
): Promise<void> {
  const t = deps.views.translator(ctx);
  const clientName = await clientNameOf(deps.provider, details.params.client_id);
  const required = next.requirement ? levelName(t, next.requirement.level) : undefined;
  deps.views.render(
    ctx,
    'interaction/level-unreachable',
    {
      uid: details.uid,
      clientName,
      required,
      // An acr Kontor does not know is named as the portal sent it: that is what its operators will look for.
      asked: next.asked.join(', '),
      reason: t(reasonKey(next), { level: required ?? '', highest: levelName(t, deps.settings.secondFactorLevel) }),
      essential: next.essential,
      // Going on below lands at the level the login has, or at the client's floor when one still binds
      // (the login then goes on to the second factor).
      currentLevel: levelName(t, continuesAt(strongestStep(deps, flow)?.level ?? 'niedrig', next)),
    },
    { title: 'level.title' },
  );
}
