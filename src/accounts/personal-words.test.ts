import { PASSWORD_POLICY_PRESETS } from '../../config/registration.ts';
import { describePasswordPolicy, passwordViolations } from './password-policy.ts';

const keysOf = (...args: Parameters<typeof passwordViolations>) => passwordViolations(...args).map((rule) => rule.key);

describe('personal details in the password (NIST context-specific words)', () => {
  const policy = PASSWORD_POLICY_PRESETS.nrw;
  const person = { email: 'renee.mueller@example.org', username: 'rmueller77', givenName: 'Renée', familyName: 'Müller-Lüdenscheidt' };
  const violated = (password: string, details: typeof person | Record<string, never> = person) => keysOf(policy, password, details);

  it.each([
    ['the given name', 'Renée-2026!'],
    ['a part of the family name, in another case', 'LÜDENSCHEIDT-1a'],
    ['the whole family name', 'xMüller-Lüdenscheidt1'],
    ['the e-mail address', 'renee.mueller@example.org1A'],
    ['the local part of the e-mail address', 'Renee.Mueller!9'],
    ['a part of the local part', 'Aa1!mueller'],
    ['the username', 'Rmueller77!'],
  ])('refuses a password containing %s', (_name, password) => {
    expect(violated(password)).toEqual(['password.rule.not_personal']);
  });

  it('ignores words shorter than 5 characters and the mail domain', () => {
    const short = { email: 'li@example.org', username: 'anna', givenName: 'Li', familyName: 'Anna' };
    expect(passwordViolations(policy, 'Hosianna-Liebe1', short)).toEqual([]);
    expect(violated('Example-Harz-7')).toEqual([]);
  });

  it('checks only when the caller gives the details, and lists the rule only then', () => {
    expect(keysOf(policy, 'Renée-2026!')).toEqual([]);
    expect(describePasswordPolicy(policy).map((rule) => rule.key)).not.toContain('password.rule.not_personal');
    expect(describePasswordPolicy(policy, {}).at(-1)).toEqual({ key: 'password.rule.not_personal', params: {} });
    expect(violated('Renée-2026!', {})).toEqual([]);
  });

  it('is part of the common-password check: off when the policy turns that off', () => {
    expect(passwordViolations({ ...policy, rejectCommonPasswords: false }, 'Renée-2026!', person)).toEqual([]);
  });
});
