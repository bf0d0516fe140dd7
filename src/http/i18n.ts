import { readFileSync } from 'node:fs';
import type Handlebars from 'handlebars';
import { fileURLToPath } from 'node:url';

export const LOCALES = ['de', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'de';

type Catalogue = Record<string, string>;

const localesDir = fileURLToPath(new URL('../../templates/locales/', import.meta.url));

/** Loads the message catalogues (templates/locales/<locale>.json, flat dotted keys). */
export function loadCatalogues(dir = localesDir): Record<Locale, Catalogue> {
  return Object.fromEntries(LOCALES.map((locale) => [locale, JSON.parse(readFileSync(`${dir}${locale}.json`, 'utf8')) as Catalogue])) as Record<Locale, Catalogue>;
}

export type Translate = (key: string, params?: Record<string, unknown>) => string;

/** A translator for one locale; unknown keys fall back to German, then to the key itself. */
export function translator(catalogues: Record<Locale, Catalogue>, locale: Locale): Translate {
  return (key, params = {}) => {
    const template = catalogues[locale][key] ?? catalogues[DEFAULT_LOCALE][key] ?? key;
    return template.replace(/\{(\w+)\}/g, (match, name: string) => (name in params ? String(params[name]) : match));
  };
}

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

/** Registers `{{t "key" name=value}}` on a Handlebars instance; the locale comes from the template's root data. */
export function registerTranslateHelper(handlebars: typeof Handlebars, catalogues: Record<Locale, Catalogue>): void {
  handlebars.registerHelper('t', (key: string, options: Handlebars.HelperOptions) => {
    const t = translator(catalogues, (options.data.root as { locale: Locale }).locale);
    return t(key, options.hash as Record<string, unknown>);
  });
}
