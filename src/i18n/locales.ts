export const LOCALES = ['de', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'de';

/** Picks the first supported locale: explicit ui_locales, then the cookie, then Accept-Language, then German. */
export function negotiateLocale(candidates: Array<string | undefined>): Locale {
  for (const candidate of candidates) {
    if (!candidate) continue;
    for (const part of candidate.split(/[\s,]+/)) {
      const tag = part.split(';')[0]?.trim().toLowerCase().slice(0, 2);
      if (tag && (LOCALES as readonly string[]).includes(tag)) return tag as Locale;
    }
  }
  return DEFAULT_LOCALE;
}
