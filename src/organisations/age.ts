/** Seed 001: "Nur volljährige Personen können Admin-Funktionen wahrnehmen" (§2 BGB: of age at 18). */
export const AGE_OF_MAJORITY = 18;

/** Today's calendar date (YYYY-MM-DD) in the operator's time zone: a birthday starts at local midnight. */
export function localDate(now: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/**
 * Whether a person with this `birthdate` claim (`YYYY-MM-DD`, or `YYYY` when only the year is known) is of
 * age today. With only the year the latest possible birthday counts (31 December): never of age too early.
 * Undefined when the value is no date.
 */
export function isOfAge(birthdate: string, today: string): boolean | undefined {
  const match = /^(\d{4})(?:-(\d{2})-(\d{2}))?$/.exec(birthdate.trim());
  if (!match) return undefined;
  const [, year, month = '12', day = '31'] = match;
  const adult = `${String(Number(year) + AGE_OF_MAJORITY).padStart(4, '0')}-${month}-${day}`;
  return adult <= today;
}
