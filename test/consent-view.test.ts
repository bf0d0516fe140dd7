import { loadCatalogues, translator } from '../src/i18n/index.ts';
import { consentModeOf, consentPreviewInput, unavailableDescription } from '../src/oidc/index.ts';
import { consentClaims, formatValue } from '../interactions/consent-view.ts';

const catalogues = loadCatalogues();
const de = translator(catalogues, 'de');
const en = translator(catalogues, 'en');

describe('the consent page presenter', () => {
  it('writes an address on its lines and a birth date as a date in the person’s language', () => {
    const address = { street_address: 'Heidestraße 17', postal_code: '51147', locality: 'Köln', country: 'DE', formatted: 'Heidestraße 17\n51147 Köln\nDE' };
    expect(formatValue(de, 'de', 'address', address)).toEqual(['Heidestraße 17', '51147 Köln', 'DE']);
    expect(formatValue(de, 'de', 'address', { formatted: 'Heidestraße 17\n51147 Köln' })).toEqual(['Heidestraße 17', '51147 Köln']);
    expect(formatValue(de, 'de', 'birthdate', '1964-08-12')).toEqual(['12. August 1964']);
    expect(formatValue(en, 'en', 'birthdate', '1964-08-12')).toEqual(['August 12, 1964']);
    // OIDC Core §5.1: only the year known.
    expect(formatValue(de, 'de', 'birthdate', '1964')).toEqual(['1964']);
    expect(formatValue(de, 'de', 'email_verified', true)).toEqual(['ja']);
    expect(formatValue(en, 'en', 'nationalities', ['DEU', 'FRA'])).toEqual(['DEU, FRA']);
  });

  it('lists released claims with value and level, withheld ones with the reason, and hides protocol claims', () => {
    const claims = consentClaims(
      de,
      'de',
      [
        { name: 'sub', status: 'released', essential: false, value: 'x', level: 'niedrig' },
        { name: 'given_name', status: 'released', essential: true, value: 'Erika', level: 'basisregistrierung' },
        { name: 'family_name', status: 'released', essential: false, value: 'Mustermann', level: 'hoch' },
        { name: 'birthdate', status: 'below_level', essential: false, level: 'basisregistrierung', requiredLevel: 'substanziell' },
        { name: 'title', status: 'missing', essential: false },
        { name: 'gender', status: 'missing', essential: false },
      ],
      new Set(['gender']),
    );
    expect(claims.released).toEqual([
      { name: 'given_name', id: 'claim-given_name', label: 'Vorname', lines: ['Erika'], level: 'Basisregistrierung (selbst eingegeben)', required: true },
      { name: 'family_name', id: 'claim-family_name', label: 'Familienname', lines: ['Mustermann'], level: 'hoch', required: false },
    ]);
    // A scope's claim without data (title) is left out; one asked for by name (gender) is shown.
    expect(claims.withheld.map((row) => row.name)).toEqual(['birthdate', 'gender']);
    expect(claims.withheld[0]!.reason).toBe(
      'Der Dienst verlangt für diese Angabe das Vertrauensniveau substanziell; Ihre Angabe oder Ihre Anmeldung erreicht nur Basisregistrierung (selbst eingegeben).',
    );
  });
});

describe('the consent policy', () => {
  it('merges the claims parameter’s members: essential in either is essential', () => {
    const input = consentPreviewInput({
      accountId: 'a',
      clientId: 'c',
      acr: 'http://bsi.bund.de/eID/LoA/substantiell',
      scope: 'openid profile',
      claims: JSON.stringify({ id_token: { birthdate: { essential: true }, email: null }, userinfo: { birthdate: null, address: { essential: false } } }),
    });
    expect(input).toEqual({
      accountId: 'a',
      clientId: 'c',
      sessionLevel: 'substanziell',
      scopes: ['openid', 'profile'],
      requested: { birthdate: { essential: true }, email: null, address: null },
      rejected: [],
      use: 'consent',
    });
    expect(consentPreviewInput({ accountId: 'a', clientId: 'c', claims: 'not json' }).requested).toEqual({});
  });

  it('asks every time unless the client is registered for remembered consent or as first party', () => {
    expect(consentModeOf({})).toBe('every_time');
    expect(consentModeOf({ sk_consent: 'remembered' })).toBe('remembered');
    expect(consentModeOf({ sk_consent: 'remembered', sk_first_party: true })).toBe('first_party');
  });

  it('names the claims and why in the error description, in RFC 6749 characters', () => {
    const description = unavailableDescription([
      { name: 'birthdate', status: 'missing' },
      { name: 'address', status: 'below_level' },
    ]);
    expect(description).toBe('essential claims cannot be released: birthdate (missing), address (below_level)');
    expect(description).toMatch(/^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/);
  });
});
