import { loadCatalogues, negotiateLocale, translator } from './index.ts';

describe('message catalogues', () => {
  const catalogues = loadCatalogues();

  it('German and English have the same keys', () => {
    expect(Object.keys(catalogues.en).sort()).toEqual(Object.keys(catalogues.de).sort());
  });

  it('every message has the same placeholders in both languages', () => {
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
    for (const key of Object.keys(catalogues.de)) {
      expect([key, placeholders(catalogues.en[key] ?? '')]).toEqual([key, placeholders(catalogues.de[key]!)]);
    }
  });

  it('fills placeholders', () => {
    expect(translator(catalogues, 'en')('login.for_client', { client: 'Portal' })).toContain('“Portal”');
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
