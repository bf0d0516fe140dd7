import type { AuthenticationLevel } from './trust-level.ts';

/** BSI TR-03107-1 / TR-03130 URIs: what Kontor emits unless the portal asked in another vocabulary. */
export const BSI_ACR = {
  niedrig: 'http://bsi.bund.de/eID/LoA/normal',
  substanziell: 'http://bsi.bund.de/eID/LoA/substantiell',
  hoch: 'http://bsi.bund.de/eID/LoA/hoch',
} as const satisfies Record<AuthenticationLevel, string>;

/** eIDAS (Implementing Regulation (EU) 2015/1502) levels of assurance. */
export const EIDAS_ACR = {
  low: 'http://eidas.europa.eu/LoA/low',
  substantial: 'http://eidas.europa.eu/LoA/substantial',
  high: 'http://eidas.europa.eu/LoA/high',
} as const;

/**
 * Every acr value Kontor understands in `acr_values`, `claims.id_token.acr` and `default_acr_values`, with
 * the level that satisfies it. eIDAS "low" needs at least substanziell: a password alone does not meet
 * eIDAS (TRUST-AND-CLAIMS.md). STORK QAA 1 and 2 are both niedrig.
 */
export const ACR_LEVELS: Readonly<Record<string, AuthenticationLevel>> = {
  [BSI_ACR.niedrig]: 'niedrig',
  [BSI_ACR.substanziell]: 'substanziell',
  [BSI_ACR.hoch]: 'hoch',
  [EIDAS_ACR.low]: 'substanziell',
  [EIDAS_ACR.substantial]: 'substanziell',
  [EIDAS_ACR.high]: 'hoch',
  'STORK-QAA-Level-1': 'niedrig',
  'STORK-QAA-Level-2': 'niedrig',
  'STORK-QAA-Level-3': 'substanziell',
  'STORK-QAA-Level-4': 'hoch',
};

/** The level an acr value asks for; undefined for a value Kontor does not know. */
export function levelOfAcr(value: string): AuthenticationLevel | undefined {
  return Object.hasOwn(ACR_LEVELS, value) ? ACR_LEVELS[value] : undefined;
}

/** The acr values a login at `reachable` can satisfy (discovery's `acr_values_supported`). */
export function acrValuesUpTo(reachable: AuthenticationLevel): string[] {
  const order: AuthenticationLevel[] = ['niedrig', 'substanziell', 'hoch'];
  const limit = order.indexOf(reachable);
  return Object.entries(ACR_LEVELS)
    .filter(([, level]) => order.indexOf(level) <= limit)
    .map(([value]) => value);
}
