import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCatalogues, messageArguments, negotiateLocale, translator } from './index.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(suffix) && !entry.name.endsWith('.test.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Literal keys of the `t` helper in templates: `{{t "key" …}}` and the sub-expression `(t "key" …)`. */
function templateKeys(): Set<string> {
  const keys = new Set<string>();
  for (const file of filesUnder('templates', '.hbs')) {
    for (const match of readFileSync(file, 'utf8').matchAll(/[{(]\s*t\s+"([^"]+)"/g)) keys.add(match[1]!);
  }
  return keys;
}

/** Codes of every AppError thrown in src/ and interactions/ (`new AppError('code'` and subclasses' `super('code'`). */
function appErrorCodes(): Set<string> {
  const codes = new Set<string>();
  for (const file of [...filesUnder('src', '.ts'), ...filesUnder('interactions', '.ts')]) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/new AppError\(\s*'([^']+)'/g)) codes.add(match[1]!);
    if (/extends AppError/.test(text)) for (const match of text.matchAll(/super\(\s*'([^']+)'/g)) codes.add(match[1]!);
  }
  return codes;
}

/** Keys that handlers hand to pages and the layout: titles, notices, the error page's message. */
function handlerKeys(): Set<string> {
  const keys = new Set<string>();
  for (const file of [...filesUnder('src', '.ts'), ...filesUnder('interactions', '.ts')]) {
    for (const line of readFileSync(file, 'utf8')
      .split('\n')
      .filter((text) => /\b(?:title|notice|messageKey|passwordNote):/.test(text))) {
      for (const match of line.matchAll(
        /(?:title|notice|messageKey|passwordNote):[^']*'([a-z_]+\.[a-z0-9_.-]+)'|\? '([a-z_]+\.[a-z0-9_.-]+)'|: '([a-z_]+\.[a-z0-9_.-]+)'/g,
      ))
        keys.add((match[1] ?? match[2] ?? match[3])!);
    }
  }
  return keys;
}

describe('message catalogues', () => {
  const catalogues = loadCatalogues();

  it('German and English have the same keys', () => {
    expect(Object.keys(catalogues.en).sort()).toEqual(Object.keys(catalogues.de).sort());
  });

  it('every message parses as ICU MessageFormat with the same arguments in both languages', () => {
    for (const key of Object.keys(catalogues.de)) {
      expect([key, messageArguments(catalogues.en[key] ?? '')]).toEqual([key, messageArguments(catalogues.de[key]!)]);
    }
  });

  it('has every key the templates use, in both languages', () => {
    const keys = [...templateKeys()];
    expect(keys.length).toBeGreaterThan(100);
    expect(keys.filter((key) => !(key in catalogues.de) || !(key in catalogues.en))).toEqual([]);
  });

  it('has every key the handlers pass as a page title, notice or message, in both languages', () => {
    const keys = [...handlerKeys()];
    expect(keys).toEqual(expect.arrayContaining(['login.title', 'registration.keep_password', 'not_found.title']));
    expect(keys.filter((key) => !(key in catalogues.de) || !(key in catalogues.en))).toEqual([]);
  });

  it('has error.<code> for every AppError code thrown, in both languages', () => {
    const codes = [...appErrorCodes()];
    expect(codes).toEqual(expect.arrayContaining(['interaction.expired', 'password.busy', 'registration.incomplete']));
    expect(codes.map((code) => `error.${code}`).filter((key) => !(key in catalogues.de) || !(key in catalogues.en))).toEqual([]);
  });

  it('fills placeholders', () => {
    expect(translator(catalogues, 'en')('login.for_client', { client: 'Portal' })).toContain('“Portal”');
  });

  it('says one and several in each language’s plural forms', () => {
    const de = translator(catalogues, 'de');
    const en = translator(catalogues, 'en');
    expect([de('wait.seconds', { count: 1 }), de('wait.seconds', { count: 2 })]).toEqual(['1 Sekunde', '2 Sekunden']);
    expect([en('wait.minutes', { count: 1 }), en('wait.minutes', { count: 15 })]).toEqual(['1 minute', '15 minutes']);
    expect([de('password.rule.min_digits', { count: 1 }), de('password.rule.min_digits', { count: 2 })]).toEqual([
      'mindestens eine Ziffer',
      'mindestens 2 Ziffern',
    ]);
  });

  it('names clock times in the configured time zone', () => {
    const until = new Date('2026-12-01T09:42:00Z');
    expect(translator(catalogues, 'de', { timeZone: 'Europe/Berlin' })('login.throttled_email', { wait: 'x', until })).toContain('ab 10:42 Uhr');
    expect(translator(catalogues, 'de', { timeZone: 'UTC' })('login.throttled_email', { wait: 'x', until })).toContain('ab 09:42 Uhr');
  });

  it('keeps "<" and ">" as characters, not markup', () => {
    expect(translator(catalogues, 'de')('account.email_forbidden_characters')).toBe('Die Zeichen < und > sind in der E-Mail-Adresse nicht erlaubt.');
  });

  it('shows a missing argument as its name instead of failing the page', () => {
    expect(translator(catalogues, 'en')('login.for_client')).toContain('{client}');
  });
});

describe('locale negotiation', () => {
  it('prefers ui_locales, then cookie, then Accept-Language, then German', () => {
    expect(negotiateLocale(['fr en', 'de'])).toBe('en');
    expect(negotiateLocale([undefined, 'en'])).toBe('en');
    expect(negotiateLocale([undefined, undefined, 'en-GB,en;q=0.9,de;q=0.8'])).toBe('en');
    expect(negotiateLocale([undefined, undefined, 'fr-FR'])).toBe('de');
  });
});

describe('the catalogue files', () => {
  // JSON.parse keeps the last of two equal keys without a word: a key written twice (by a merge, say)
  // silently replaces a text somebody wrote on purpose.
  it.each(['de', 'en'])('%s.json names every key once', (locale) => {
    const text = readFileSync(join(root, 'templates', 'locales', `${locale}.json`), 'utf8');
    const keys = [...text.matchAll(/^\s*"([^"]+)"\s*:/gm)].map((match) => match[1]!);
    const twice = keys.filter((key, index) => keys.indexOf(key) !== index);
    expect(twice).toEqual([]);
  });
});
