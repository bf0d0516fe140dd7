import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { IntlMessageFormat } from 'intl-messageformat';
import { DEFAULT_LOCALE, LOCALES, type Locale } from './locales.ts';

/** One locale's messages: flat dotted keys, ICU MessageFormat texts (plurals, select, time). */
export type Catalogue = Record<string, string>;
export type Catalogues = Record<Locale, Catalogue>;

export interface Translate {
  (key: string, params?: Record<string, unknown>): string;
  /** Whether the key exists (in this locale or the German fallback): field-specific messages fall back to generic ones. */
  has(key: string): boolean;
  /** The locale it translates into (for Intl formatting around messages, e.g. lists). */
  locale: Locale;
}

export interface TranslatorOptions {
  /** IANA time zone for `{x, time}` arguments (the throttle message's "ab 10:42 Uhr"). */
  timeZone?: string;
}

const localesDir = fileURLToPath(new URL('../../templates/locales/', import.meta.url));

/** Loads the message catalogues (templates/locales/<locale>.json). */
export function loadCatalogues(dir = localesDir): Catalogues {
  return Object.fromEntries(LOCALES.map((locale) => [locale, JSON.parse(readFileSync(`${dir}${locale}.json`, 'utf8')) as Catalogue])) as Catalogues;
}

// Compiled messages, per catalogue set, locale, time zone and key: parsing ICU costs more than formatting.
const compiled = new WeakMap<Catalogues, Map<string, IntlMessageFormat>>();

function compile(catalogues: Catalogues, locale: Locale, timeZone: string, key: string, text: string): IntlMessageFormat {
  let cache = compiled.get(catalogues);
  if (!cache) {
    cache = new Map();
    compiled.set(catalogues, cache);
  }
  const id = `${locale}\u0000${timeZone}\u0000${key}`;
  let format = cache.get(id);
  if (!format) {
    const time = { hour: '2-digit', minute: '2-digit', timeZone } as const;
    // ignoreTag: our texts contain "<" and ">" as characters ("ohne die Zeichen < und >"), never markup.
    format = new IntlMessageFormat(text, locale, { time: { short: time } }, { ignoreTag: true });
    cache.set(id, format);
  }
  return format;
}

/**
 * A translator for one locale (ICU MessageFormat through FormatJS's intl-messageformat). Unknown keys fall
 * back to German, then to the key itself; a missing argument is shown as `{name}` rather than failing the page.
 */
export function translator(catalogues: Catalogues, locale: Locale, options: TranslatorOptions = {}): Translate {
  const timeZone = options.timeZone ?? 'Europe/Berlin';
  const t = (key: string, params: Record<string, unknown> = {}): string => {
    const own = catalogues[locale][key];
    const text = own ?? catalogues[DEFAULT_LOCALE][key];
    if (text === undefined) return key;
    const format = compile(catalogues, own === undefined ? DEFAULT_LOCALE : locale, timeZone, key, text);
    try {
      return String(format.format(params as Record<string, string>));
    } catch {
      const filled = Object.fromEntries(messageArguments(text).map((name) => [name, name in params ? params[name] : `{${name}}`]));
      return String(format.format(filled as Record<string, string>));
    }
  };
  return Object.assign(t, { has: (key: string) => key in catalogues[locale] || key in catalogues[DEFAULT_LOCALE], locale });
}

/** The argument names of an ICU message, sorted (the catalogue test compares them across languages). */
export function messageArguments(text: string): string[] {
  const names = new Set<string>();
  const walk = (elements: ReturnType<IntlMessageFormat['getAst']>) => {
    for (const element of elements) {
      if ('value' in element && typeof element.value === 'string' && element.type !== 0 /* literal */) names.add(element.value);
      if ('options' in element) for (const option of Object.values(element.options as Record<string, { value: typeof elements }>)) walk(option.value);
    }
  };
  walk(new IntlMessageFormat(text, DEFAULT_LOCALE, undefined, { ignoreTag: true }).getAst());
  return [...names].sort();
}
