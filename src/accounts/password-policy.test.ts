import { MAX_PASSWORD_LENGTH, PASSWORD_POLICY_PRESETS, type PasswordPolicy } from '../../config/registration.ts';
import { describePasswordPolicy, passwordViolations } from './password-policy.ts';

const keysOf = (policy: PasswordPolicy, password: string) => passwordViolations(policy, password).map((rule) => rule.key);

describe('password policy preset sachsen-anhalt (the default)', () => {
  const policy = PASSWORD_POLICY_PRESETS['sachsen-anhalt'];
  const violated = (password: string) => keysOf(policy, password);

  it('lists its rules in form order: length 8–40, no whitespace, no < >, two of three groups, not a common password', () => {
    expect(describePasswordPolicy(policy)).toEqual([
      { key: 'password.rule.length', params: { min: 8, max: 40 } },
      { key: 'password.rule.no_whitespace', params: {} },
      { key: 'password.rule.forbidden_characters', params: { characters: '< >' } },
      { key: 'password.rule.groups', params: { count: 2, groups: 'mixedCase,digits,special' } },
      { key: 'password.rule.not_common', params: {} },
    ]);
  });

  it.each(['ABab1234', 'Aa12Bb34', 'ABab§$%?', 'A§B$a%b?', '7890?!+-', '7?8!9+0-'])('accepts the seed example %s', (password) => {
    expect(violated(password)).toEqual([]);
  });

  it('refuses a password shorter than 8 characters and accepts exactly 8', () => {
    expect(violated('Ab1-xyz')).toEqual(['password.rule.length']);
    expect(violated('Ab1-xyzw')).toEqual([]);
  });

  it('refuses a password longer than 40 characters and accepts exactly 40', () => {
    const forty = 'Ab1-'.repeat(10);
    expect([...forty]).toHaveLength(40);
    expect(violated(forty)).toEqual([]);
    expect(violated(`${forty}x`)).toEqual(['password.rule.length']);
  });

  it('counts characters, not UTF-16 units, for the length (umlauts and § are one character each)', () => {
    expect(violated('Ääöü§§1')).toEqual(['password.rule.length']);
    expect(violated(`${'Ä'.repeat(19) + 'ä'.repeat(20)}1`)).toEqual([]);
    expect(violated(`${'Ä'.repeat(20) + 'ä'.repeat(20)}1`)).toEqual(['password.rule.length']);
  });

  it('refuses whitespace: space, tab and non-breaking space', () => {
    expect(violated('Abcd 1234')).toEqual(['password.rule.no_whitespace']);
    expect(violated('Abcd\t1234')).toEqual(['password.rule.no_whitespace']);
    expect(violated('Abcd\u00a01234')).toEqual(['password.rule.no_whitespace']);
  });

  it('refuses the characters < and >', () => {
    expect(violated('Abcd<1234')).toEqual(['password.rule.forbidden_characters']);
    expect(violated('Abcd>1234')).toEqual(['password.rule.forbidden_characters']);
  });

  it.each([
    ['lower case only', 'abcdefgh'],
    ['upper case only', 'ABCDEFGH'],
    ['digits only', '80467913'],
    ['special characters only', '§$%?!+-_'],
    ['upper and lower case but nothing else', 'ABCdefgh'],
  ])('refuses characters from only one group (%s)', (_name, password) => {
    expect(violated(password)).toEqual(['password.rule.groups']);
  });

  it('counts umlauts and ß as letters for the mixed-case group', () => {
    // Mixed case through umlauts, but no second group.
    expect(violated('ÄBCdefgh')).toEqual(['password.rule.groups']);
    // Ä is the only upper-case letter: mixed case plus digits.
    expect(violated('Äbcdefg1')).toEqual([]);
    // Only umlauts and ß provide both cases.
    expect(violated('ÄÖÜäöüß1')).toEqual([]);
    // Lower-case umlauts and ß alone are not mixed case: digits are the only group.
    expect(violated('äöüßäöü1')).toEqual(['password.rule.groups']);
    // Upper-case umlauts alone are not mixed case either.
    expect(violated('ÄÖÜ12345')).toEqual(['password.rule.groups']);
  });

  it('names every rule a password breaks, not just the first', () => {
    expect(violated('a <b')).toEqual(['password.rule.length', 'password.rule.no_whitespace', 'password.rule.forbidden_characters', 'password.rule.groups']);
    expect(passwordViolations(policy, 'a <b')).toEqual([
      { key: 'password.rule.length', params: { min: 8, max: 40 } },
      { key: 'password.rule.no_whitespace', params: {} },
      { key: 'password.rule.forbidden_characters', params: { characters: '< >' } },
      { key: 'password.rule.groups', params: { count: 2, groups: 'mixedCase,digits,special' } },
    ]);
  });

  it('treats the empty password as breaking the length and group rules', () => {
    expect(violated('')).toEqual(['password.rule.length', 'password.rule.groups']);
  });
});

describe('password policy preset nrw (Servicekonto.NRW)', () => {
  const policy = PASSWORD_POLICY_PRESETS.nrw;
  const violated = (password: string) => keysOf(policy, password);

  it('lists its rules: length, letters, upper, lower, digit, special, the allowed special characters', () => {
    expect(describePasswordPolicy(policy).map((rule) => rule.key)).toEqual([
      'password.rule.length',
      'password.rule.min_letters',
      'password.rule.min_uppercase',
      'password.rule.min_lowercase',
      'password.rule.min_digits',
      'password.rule.min_special',
      'password.rule.allowed_special',
      'password.rule.not_common',
    ]);
    expect(describePasswordPolicy(policy).find((rule) => rule.key === 'password.rule.allowed_special')!.params.characters).toBe(
      '- + _ [ ] ( ) $ § ! ? % & / * , . ; : < > | @ ␣',
    );
  });

  it('accepts a password with 2 letters (1 upper, 1 lower), a digit and an allowed special character', () => {
    expect(violated('Aa1!5678')).toEqual([]);
    expect(violated('Xy9§0000')).toEqual([]);
    expect(violated('Aa1<>|@/')).toEqual([]);
  });

  it('refuses a password shorter than 8 characters', () => {
    expect(violated('Aa1!567')).toEqual(['password.rule.length']);
  });

  it('needs at least two letters', () => {
    expect(violated('A1!23456')).toEqual(['password.rule.min_letters', 'password.rule.min_lowercase']);
  });

  it('needs an upper-case letter', () => {
    expect(violated('aa1!5678')).toEqual(['password.rule.min_uppercase']);
  });

  it('needs a lower-case letter', () => {
    expect(violated('AA1!5678')).toEqual(['password.rule.min_lowercase']);
  });

  it('needs a digit', () => {
    expect(violated('Aa!!bbbb')).toEqual(['password.rule.min_digits']);
  });

  it('needs a special character', () => {
    expect(violated('Aa135792')).toEqual(['password.rule.min_special']);
  });

  it('allows a space in the password', () => {
    expect(violated('Aa1! 678')).toEqual([]);
  });

  it('counts a space as the special character (the documented set is "-+_[]()$§!?%&/*,.;:<>|@ or space")', () => {
    expect(violated('Aa1 5678')).toEqual([]);
  });

  it('refuses a special character outside its allowed set', () => {
    expect(violated('Aa1#5678')).toEqual(['password.rule.allowed_special']);
    expect(violated('Aa1!567€')).toEqual(['password.rule.allowed_special']);
    expect(violated('Aa1!567~')).toEqual(['password.rule.allowed_special']);
  });

  it('counts umlauts as letters of their case', () => {
    expect(violated('Üß1!5678')).toEqual([]);
  });
});

describe('password policy preset ihk (meine ihk)', () => {
  const policy = PASSWORD_POLICY_PRESETS.ihk;
  const violated = (password: string) => keysOf(policy, password);

  it('accepts a password with upper and lower case letters, digits and special characters', () => {
    expect(violated('Abcdef1!')).toEqual([]);
    expect(violated('Äbcdef1§')).toEqual([]);
  });

  it.each([
    ['an upper-case letter', 'abcdef1!', 'password.rule.min_uppercase'],
    ['a lower-case letter', 'ABCDEF1!', 'password.rule.min_lowercase'],
    ['a digit', 'Abcdefg!', 'password.rule.min_digits'],
    ['a special character', 'Abcdefg7', 'password.rule.min_special'],
  ])('needs %s', (_name, password, rule) => {
    expect(violated(password)).toEqual([rule]);
  });

  it('needs all four classes where the default preset is content with two', () => {
    expect(keysOf(PASSWORD_POLICY_PRESETS['sachsen-anhalt'], 'ABab1234')).toEqual([]);
    expect(violated('ABab1234')).toEqual(['password.rule.min_special']);
    expect(violated('7890?!+-')).toEqual(['password.rule.min_uppercase', 'password.rule.min_lowercase']);
  });

  it('refuses whitespace and short passwords', () => {
    expect(violated('Abc 1!xy')).toEqual(['password.rule.no_whitespace']);
    expect(violated('Ab1!xyz')).toEqual(['password.rule.length']);
  });
});

describe('the check against common and breached passwords (on in every preset)', () => {
  const presets = Object.keys(PASSWORD_POLICY_PRESETS) as (keyof typeof PASSWORD_POLICY_PRESETS)[];

  // "p@ssw0rd" is on the shipped list; capitalised it meets the composition rules of all three presets.
  it.each(presets)('refuses P@ssw0rd under the preset %s, although it meets every composition rule', (name) => {
    expect(keysOf(PASSWORD_POLICY_PRESETS[name], 'P@ssw0rd')).toEqual(['password.rule.not_common']);
  });

  it.each(['Passwort1', 'Hallo123', 'Pa$$w0rd'])('refuses the listed %s under the default preset', (password) => {
    expect(keysOf(PASSWORD_POLICY_PRESETS['sachsen-anhalt'], password)).toEqual(['password.rule.not_common']);
  });

  it('ignores case and Unicode compatibility forms (upper case, full-width letters)', () => {
    const policy = PASSWORD_POLICY_PRESETS['sachsen-anhalt'];
    expect(keysOf(policy, 'P@SSW0RD')).toEqual(['password.rule.not_common']);
    expect(keysOf(policy, '\uff30@ssw0rd')).toEqual(['password.rule.not_common']);
  });

  it('accepts passwords that are not on the list', () => {
    expect(keysOf(PASSWORD_POLICY_PRESETS.ihk, 'Musterstadt-2026')).toEqual([]);
    expect(keysOf(PASSWORD_POLICY_PRESETS.ihk, 'P@ssw0rd-Elbe-7')).toEqual([]);
  });

  it('names the rule beside every other one a listed password breaks', () => {
    expect(keysOf(PASSWORD_POLICY_PRESETS['sachsen-anhalt'], '12345678')).toEqual(['password.rule.groups', 'password.rule.not_common']);
  });

  it('lists the rule without any example from the list', () => {
    expect(describePasswordPolicy(PASSWORD_POLICY_PRESETS.nrw).at(-1)).toEqual({ key: 'password.rule.not_common', params: {} });
  });

  it('accepts a listed password and no longer lists the rule when the policy turns the check off', () => {
    const policy: PasswordPolicy = { ...PASSWORD_POLICY_PRESETS.ihk, rejectCommonPasswords: false };
    expect(keysOf(policy, 'P@ssw0rd')).toEqual([]);
    expect(describePasswordPolicy(policy).map((rule) => rule.key)).not.toContain('password.rule.not_common');
  });
});

describe('long passphrases', () => {
  const policy: PasswordPolicy = { ...PASSWORD_POLICY_PRESETS.ihk, maxLength: MAX_PASSWORD_LENGTH };
  const passphrase = (length: number) => 'Elbe-Saale 7 Harz '.repeat(60).replaceAll(' ', '_').slice(0, length);

  it('accepts a passphrase of exactly the highest allowed maximum (1024 characters) and refuses one more', () => {
    expect(MAX_PASSWORD_LENGTH).toBe(1024);
    expect(keysOf(policy, passphrase(1024))).toEqual([]);
    expect(keysOf(policy, `${passphrase(1024)}x`)).toEqual(['password.rule.length']);
  });
});
