import { BSI_ACR, levelOfAcr } from './acr-vocabulary.ts';
import { higherOf, meets, type AuthenticationLevel } from './trust-level.ts';

/** `claims.id_token.acr` of the request (OIDC Core §5.5.1.1), or `acr_values` as oidc-provider folds it in. */
export interface AcrClaimRequest {
  essential?: unknown;
  value?: unknown;
  values?: unknown;
}

/**
 * What the portal asked for. `level` is the lowest level that satisfies one of its values (any listed
 * value satisfies the request); `essential` means the login must not finish below it. `unknownOnly`: the
 * portal named values, none of which Kontor knows (an essential request of that kind cannot be met).
 */
export interface LevelRequirement {
  level: AuthenticationLevel;
  essential: boolean;
  /** The value asked for, to name it to the person and to the portal. */
  asked: string[];
  /**
   * The client's floor beneath a higher voluntary request: it still binds once the person goes on below
   * the request (see {@link bindingBelow}).
   */
  floor?: { level: AuthenticationLevel; asked: string[] };
}

export type RequirementOutcome = { kind: 'none' } | { kind: 'level'; requirement: LevelRequirement } | { kind: 'unknown'; asked: string[]; essential: boolean };

/** The values of an acr claim request, in the portal's order. */
export function acrValuesOf(request: AcrClaimRequest | null | undefined): string[] {
  if (!request) return [];
  if (Array.isArray(request.values)) return request.values.filter((value): value is string => typeof value === 'string');
  if (typeof request.value === 'string') return [request.value];
  return [];
}

/**
 * The level a request needs: the portal's acr request (essential or voluntary, compared by ordinal) and
 * the client's registered `default_acr_values`, which is a floor: a login below it never reaches the
 * portal (TRUST-AND-CLAIMS.md "Per-client default_acr_values sets the floor").
 */
export function requirementOf(request: AcrClaimRequest | null | undefined, clientDefaults: readonly string[] | undefined): RequirementOutcome {
  const asked = acrValuesOf(request);
  const essential = request?.essential === true;
  const askedLevels = asked.map(levelOfAcr).filter((level): level is AuthenticationLevel => level !== undefined);
  const floorLevels = (clientDefaults ?? []).map(levelOfAcr).filter((level): level is AuthenticationLevel => level !== undefined);
  if (asked.length > 0 && askedLevels.length === 0 && essential) return { kind: 'unknown', asked, essential };
  const requested = askedLevels.length ? askedLevels.reduce((a, b) => (meets(b, a) ? a : b)) : undefined;
  const floor = floorLevels.length ? floorLevels.reduce((a, b) => (meets(b, a) ? a : b)) : undefined;
  if (!requested && !floor) return { kind: 'none' };
  if (requested && floor) {
    const level = higherOf(requested, floor);
    // The floor binds like an essential request; the portal's own request binds only when essential.
    if (essential || level === floor) return { kind: 'level', requirement: { level, essential: true, asked } };
    return { kind: 'level', requirement: { level, essential: false, asked, floor: { level: floor, asked: [...(clientDefaults ?? [])] } } };
  }
  if (floor) return { kind: 'level', requirement: { level: floor, essential: true, asked: asked.length ? asked : [...(clientDefaults ?? [])] } };
  return { kind: 'level', requirement: { level: requested!, essential, asked } };
}

/**
 * What still binds once the person chose to go on below a voluntary request: nothing, or the client's
 * floor beneath it. An essential requirement is never gone below.
 */
export function bindingBelow(requirement: LevelRequirement): LevelRequirement | undefined {
  if (requirement.essential) return requirement;
  return requirement.floor && { level: requirement.floor.level, essential: true, asked: requirement.floor.asked };
}

/**
 * The `acr` to put in the ID token for a login at `achieved`: the first value the portal asked for that
 * the login satisfies, in the portal's own vocabulary; otherwise the BSI URI (TRUST-AND-CLAIMS.md).
 */
export function acrToEmit(achieved: AuthenticationLevel, request: AcrClaimRequest | null | undefined): string {
  for (const value of acrValuesOf(request)) {
    const level = levelOfAcr(value);
    if (level && meets(achieved, level)) return value;
  }
  return BSI_ACR[achieved];
}
