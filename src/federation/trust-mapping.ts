import type { UpstreamTrust } from '../../config/federation.ts';
import { AUTHENTICATION_LEVELS, lowerOf, meets, ordinalOf, type AuthenticationLevel } from '../trust/index.ts';

/**
 * The level a login at an upstream reaches at Kontor (TRUST-AND-CLAIMS.md, row "another state's account"):
 * the level its `acr` maps to, lowered to the highest level whose `amr` demands the login meets, and never
 * above the upstream's ceiling. An acr the mapping does not name gives no level at all: the login is
 * refused rather than guessed at (Keycloak issue #25335 drops the upstream level instead).
 */
export function mappedLevel(trust: UpstreamTrust, acr: string | undefined, amr: readonly string[] | undefined): AuthenticationLevel | undefined {
  const fromAcr = acr === undefined ? undefined : trust.acr[acr];
  if (!fromAcr) return undefined;
  let level = lowerOf(fromAcr, trust.ceiling);
  while (!amrAllows(trust, level, amr ?? [])) {
    const below = AUTHENTICATION_LEVELS[ordinalOf(level) - 3];
    if (!below) return undefined; // not even niedrig's demands are met
    level = below;
  }
  return level;
}

/** Whether the login's amr carries every value the rules demand for `level` (rules for lower levels apply too). */
function amrAllows(trust: UpstreamTrust, level: AuthenticationLevel, amr: readonly string[]): boolean {
  return (trust.amr ?? []).filter((rule) => meets(level, rule.level)).every((rule) => rule.requires.every((value) => amr.includes(value)));
}

/** The highest level this upstream can give a login: its ceiling, or less when no acr maps that high. */
export function highestLevel(trust: UpstreamTrust): AuthenticationLevel | undefined {
  const levels = Object.values(trust.acr).map((level) => lowerOf(level, trust.ceiling));
  return levels.reduce<AuthenticationLevel | undefined>((best, level) => (!best || ordinalOf(level) > ordinalOf(best) ? level : best), undefined);
}

/**
 * The upstream acr values to ask for (`acr_values`, OIDC Core §3.1.2.1) when the portal needs `required`:
 * every upstream value that maps to at least that level within the ceiling, weakest first, so the upstream
 * may pick the cheapest one that suffices. Empty when the upstream cannot reach the level.
 */
export function acrValuesFor(trust: UpstreamTrust, required: AuthenticationLevel | undefined): string[] {
  return Object.entries(trust.acr)
    .filter(([, level]) => !required || meets(lowerOf(level, trust.ceiling), required))
    .sort(([, a], [, b]) => ordinalOf(a) - ordinalOf(b))
    .map(([acr]) => acr);
}
