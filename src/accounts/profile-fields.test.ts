import { readFileSync } from 'node:fs';
import { profileFieldSchema, registrationSchema, type ProfileField } from '../../config/registration.ts';
import { parseProfileFields, profileValueToInput } from './profile-fields.ts';

/** The "Mein ias" example deployment's registration settings, parsed exactly as the configuration loader does. */
function meinIasFields(): ProfileField[] {
  const file = JSON.parse(readFileSync(new URL('../../docs/examples/mein-ias.json', import.meta.url), 'utf8')) as { registration: Record<string, unknown> };
  const registration = registrationSchema.parse({ confirmationHours: 24, resetMinutes: 60, ...file.registration });
  return registration.profileFields;
}

const NOW = new Date('2026-11-24T12:00:00Z');
const VALID = { hasDirectReports: 'yes', birthYear: '1980', gender: 'female', language: 'de' };

describe('profile fields of the Mein-ias example (docs/examples/mein-ias.json)', () => {
  const fields = meinIasFields();

  it('parses the four fields with their types and requirements', () => {
    expect(fields.map((field) => [field.name, field.type, field.required])).toEqual([
      ['hasDirectReports', 'boolean', true],
      ['birthYear', 'integer', true],
      ['gender', 'select', true],
      ['language', 'select', true],
    ]);
    expect(fields[1]).toMatchObject({ min: 1900, max: 'currentYear' });
  });

  it('returns typed values for a complete, valid form', () => {
    expect(parseProfileFields(fields, VALID, NOW)).toEqual({
      values: { hasDirectReports: true, birthYear: 1980, gender: 'female', language: 'de' },
      errors: {},
    });
  });

  it('reports every missing required field: "choose" for choices, "required" for inputs', () => {
    expect(parseProfileFields(fields, {}, NOW)).toEqual({
      values: {},
      errors: { hasDirectReports: 'profile.choose', birthYear: 'profile.required', gender: 'profile.choose', language: 'profile.choose' },
    });
  });

  it('treats blank input as missing', () => {
    const result = parseProfileFields(fields, { ...VALID, birthYear: '   ', gender: '' }, NOW);
    expect(result.errors).toEqual({ birthYear: 'profile.required', gender: 'profile.choose' });
    expect(result.values).toEqual({ hasDirectReports: true, language: 'de' });
  });

  it('refuses a birth year before 1900', () => {
    expect(parseProfileFields(fields, { ...VALID, birthYear: '1899' }, NOW).errors).toEqual({ birthYear: 'profile.out_of_range' });
    expect(parseProfileFields(fields, { ...VALID, birthYear: '1900' }, NOW).values.birthYear).toBe(1900);
  });

  it('refuses a birth year after the current year', () => {
    expect(parseProfileFields(fields, { ...VALID, birthYear: '2027' }, NOW).errors).toEqual({ birthYear: 'profile.out_of_range' });
    expect(parseProfileFields(fields, { ...VALID, birthYear: '2026' }, NOW).values.birthYear).toBe(2026);
  });

  it('follows the clock for "currentYear"', () => {
    const nextYear = new Date().getFullYear() + 1;
    expect(parseProfileFields(fields, { ...VALID, birthYear: String(nextYear) }).errors).toEqual({ birthYear: 'profile.out_of_range' });
    expect(parseProfileFields(fields, { ...VALID, birthYear: String(nextYear - 1) }).errors).toEqual({});
  });

  it.each(['19.8', '1980.0', 'neunzehnhundert', '1980a', '1e3', '0x7bc'])('refuses the non-integer birth year %j', (birthYear) => {
    expect(parseProfileFields(fields, { ...VALID, birthYear }, NOW)).toEqual({
      values: { hasDirectReports: true, gender: 'female', language: 'de' },
      errors: { birthYear: 'profile.integer' },
    });
  });

  it('trims surrounding spaces from an integer', () => {
    expect(parseProfileFields(fields, { ...VALID, birthYear: ' 1980 ' }, NOW).values.birthYear).toBe(1980);
  });

  it('refuses a select value that is not offered', () => {
    expect(parseProfileFields(fields, { ...VALID, gender: 'other' }, NOW).errors).toEqual({ gender: 'profile.choose' });
    expect(parseProfileFields(fields, { ...VALID, language: 'fr' }, NOW).errors).toEqual({ language: 'profile.choose' });
    // Option values are compared exactly: a label is not a value.
    expect(parseProfileFields(fields, { ...VALID, gender: 'weiblich' }, NOW).errors).toEqual({ gender: 'profile.choose' });
  });

  it('reads a boolean as yes/no only', () => {
    expect(parseProfileFields(fields, { ...VALID, hasDirectReports: 'yes' }, NOW).values.hasDirectReports).toBe(true);
    expect(parseProfileFields(fields, { ...VALID, hasDirectReports: 'no' }, NOW).values.hasDirectReports).toBe(false);
    for (const other of ['ja', 'true', 'on', '1']) {
      expect(parseProfileFields(fields, { ...VALID, hasDirectReports: other }, NOW).errors).toEqual({ hasDirectReports: 'profile.choose' });
    }
  });

  it('ignores input that is not a string (a repeated field arrives as an array)', () => {
    expect(parseProfileFields(fields, { ...VALID, gender: ['female', 'male'] }, NOW).errors).toEqual({ gender: 'profile.choose' });
  });

  it('turns stored values back into form input for the "back" step', () => {
    expect(fields.map((field) => profileValueToInput(field, { hasDirectReports: false, birthYear: 1980, gender: 'none', language: 'en' }[field.name]))).toEqual(
      ['no', '1980', 'none', 'en'],
    );
    expect(profileValueToInput(fields[0]!, undefined)).toBe('');
  });
});

describe('optional text fields and patterns', () => {
  const fields = [
    profileFieldSchema.parse({ name: 'department', type: 'text', label: { de: 'Abteilung', en: 'Department' } }),
    profileFieldSchema.parse({ name: 'postalCode', type: 'text', label: { de: 'Postleitzahl', en: 'Postcode' }, pattern: '[0-9]{5}' }),
  ];

  it('makes fields optional by default', () => {
    expect(fields.map((field) => field.required)).toEqual([false, false]);
  });

  it('leaves an empty optional text out of the values', () => {
    const result = parseProfileFields(fields, { department: '', postalCode: '  ' });
    expect(result).toEqual({ values: {}, errors: {} });
    expect('department' in result.values).toBe(false);
  });

  it('keeps a filled optional text, trimmed', () => {
    expect(parseProfileFields(fields, { department: '  Vertrieb ', postalCode: '06108' })).toEqual({
      values: { department: 'Vertrieb', postalCode: '06108' },
      errors: {},
    });
  });

  it('refuses a value that does not match the whole pattern', () => {
    expect(parseProfileFields(fields, { postalCode: '0610' }).errors).toEqual({ postalCode: 'profile.pattern' });
    expect(parseProfileFields(fields, { postalCode: '061080' }).errors).toEqual({ postalCode: 'profile.pattern' });
    expect(parseProfileFields(fields, { postalCode: 'x06108' }).errors).toEqual({ postalCode: 'profile.pattern' });
  });

  it('refuses < > in text, and control, bidi and zero-width characters with their own message', () => {
    expect(parseProfileFields(fields, { department: '<b>Vertrieb</b>' }).errors).toEqual({ department: 'profile.characters' });
    for (const invisible of ['Ver\u0007trieb', 'Ver\u202Etrieb', 'Ver\u2066trieb\u2069', 'Ver\u200Btrieb']) {
      expect(parseProfileFields(fields, { department: invisible }).errors).toEqual({ department: 'input.invisible_characters' });
    }
  });

  it('refuses web addresses in text, but not abbreviations followed by a space', () => {
    for (const url of ['https://evil.example/x', 'www.evil', 'evil.example', 'mailto:a@b', 'siehe 10.0.0.1']) {
      expect(parseProfileFields(fields, { department: url }).errors).toEqual({ department: 'input.no_urls' });
    }
    expect(parseProfileFields(fields, { department: 'Abt. Bürgerdienste, z. B. Meldewesen' }).errors).toEqual({});
  });

  it('limits text to 200 characters unless configured', () => {
    expect(parseProfileFields(fields, { department: 'x'.repeat(200) }).errors).toEqual({});
    expect(parseProfileFields(fields, { department: 'x'.repeat(201) }).errors).toEqual({ department: 'profile.length' });
  });
});
