/**
 * The trust level ("Vertrauensniveau") of a login or of an attribute, as an ordinal (TRUST-AND-CLAIMS.md,
 * BSI TR-03107-1). `basisregistrierung` means self-entered data only: it is never an authentication level.
 */
export const TRUST_LEVELS = ['basisregistrierung', 'niedrig', 'substanziell', 'hoch'] as const;
export type TrustLevel = (typeof TRUST_LEVELS)[number];

/** The levels a login can reach. */
export const AUTHENTICATION_LEVELS = ['niedrig', 'substanziell', 'hoch'] as const;
export type AuthenticationLevel = (typeof AUTHENTICATION_LEVELS)[number];

/** 1 (basisregistrierung) … 4 (hoch). */
export function ordinalOf(level: TrustLevel): number {
  return TRUST_LEVELS.indexOf(level) + 1;
}

/** Whether `level` is `required` or higher. */
export function meets(level: TrustLevel, required: TrustLevel): boolean {
  return ordinalOf(level) >= ordinalOf(required);
}

/** The higher of two levels. */
export function higherOf<L extends TrustLevel>(a: L, b: L): L {
  return ordinalOf(a) >= ordinalOf(b) ? a : b;
}

/** The lower of two levels. */
export function lowerOf<L extends TrustLevel>(a: L, b: L): L {
  return ordinalOf(a) <= ordinalOf(b) ? a : b;
}

/** A level by its short German name ("substanziell"), as operators write it in configuration and the CLI. */
export function levelNamed(name: string): TrustLevel | undefined {
  return (TRUST_LEVELS as readonly string[]).includes(name) ? (name as TrustLevel) : undefined;
}
