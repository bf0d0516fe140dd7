import type { PasswordPolicy } from '../../config/registration.ts';
import { isCommonPassword } from './common-passwords.ts';
import { containsPersonalWord, type PersonalDetails } from './personal-words.ts';

/** One rule of a policy as the form shows it: a translation key and its parameters. */
export interface PasswordRule {
  key: string;
  params: Record<string, string | number>;
}

interface CheckedRule extends PasswordRule {
  holds(password: string): boolean;
}

const count = (password: string, pattern: RegExp) => [...password].filter((char) => pattern.test(char)).length;
const UPPER = /\p{Lu}/u;
const LOWER = /\p{Ll}/u;
const LETTER = /\p{L}/u;
const DIGIT = /[0-9]/;
const isSpecial = (char: string) => !LETTER.test(char) && !DIGIT.test(char) && !/\s/u.test(char);

const GROUP_TESTS = {
  mixedCase: (password: string) => count(password, UPPER) > 0 && count(password, LOWER) > 0,
  digits: (password: string) => count(password, DIGIT) > 0,
  special: (password: string) => [...password].some(isSpecial),
} as const;

/**
 * The rules of a policy, in the order the form lists them. The personal-details rule is there only when the
 * caller knows the person (see passwordViolations).
 */
function rulesOf(policy: PasswordPolicy, person?: PersonalDetails): CheckedRule[] {
  const rules: CheckedRule[] = [
    {
      key: 'password.rule.length',
      params: { min: policy.minLength, max: policy.maxLength },
      holds: (pw) => [...pw].length >= policy.minLength && [...pw].length <= policy.maxLength,
    },
  ];
  if (policy.forbidWhitespace) rules.push({ key: 'password.rule.no_whitespace', params: {}, holds: (pw) => !/\s/u.test(pw) });
  if (policy.forbiddenCharacters) {
    const forbidden = [...policy.forbiddenCharacters];
    rules.push({
      key: 'password.rule.forbidden_characters',
      params: { characters: forbidden.join(' ') },
      holds: (pw) => !forbidden.some((char) => pw.includes(char)),
    });
  }
  const min = policy.minimum;
  // A deployment's own set of special characters may include the space (Servicekonto.NRW): then it counts.
  const special = (char: string) => isSpecial(char) || (policy.allowedSpecialCharacters?.includes(char) ?? false);
  if (min.letters) rules.push({ key: 'password.rule.min_letters', params: { count: min.letters }, holds: (pw) => count(pw, LETTER) >= min.letters });
  if (min.uppercase) rules.push({ key: 'password.rule.min_uppercase', params: { count: min.uppercase }, holds: (pw) => count(pw, UPPER) >= min.uppercase });
  if (min.lowercase) rules.push({ key: 'password.rule.min_lowercase', params: { count: min.lowercase }, holds: (pw) => count(pw, LOWER) >= min.lowercase });
  if (min.digits) rules.push({ key: 'password.rule.min_digits', params: { count: min.digits }, holds: (pw) => count(pw, DIGIT) >= min.digits });
  if (min.special)
    rules.push({ key: 'password.rule.min_special', params: { count: min.special }, holds: (pw) => [...pw].filter(special).length >= min.special });
  if (policy.allowedSpecialCharacters !== undefined) {
    const allowed = new Set(policy.allowedSpecialCharacters);
    const shown = [...allowed].filter((char) => char !== ' ').join(' ') + (allowed.has(' ') ? ' ␣' : '');
    rules.push({
      key: 'password.rule.allowed_special',
      params: { characters: shown },
      holds: (pw) => [...pw].every((char) => LETTER.test(char) || DIGIT.test(char) || allowed.has(char)),
    });
  }
  if (policy.groups) {
    const { required, of } = policy.groups;
    rules.push({
      key: 'password.rule.groups',
      params: { count: required, groups: of.join(',') },
      holds: (pw) => of.filter((group) => GROUP_TESTS[group](pw)).length >= required,
    });
  }
  if (policy.rejectCommonPasswords) {
    // The rule names no example: the list beside the field must not hand out the passwords it refuses.
    rules.push({ key: 'password.rule.not_common', params: {}, holds: (pw) => !isCommonPassword(pw) });
    if (person) rules.push({ key: 'password.rule.not_personal', params: {}, holds: (pw) => !containsPersonalWord(pw, person) });
  }
  return rules;
}

/**
 * What the form shows next to the password field; with `person` (the form checks against the person's
 * details) the personal-details rule too.
 */
export function describePasswordPolicy(policy: PasswordPolicy, person?: PersonalDetails): PasswordRule[] {
  return rulesOf(policy, person).map(({ key, params }) => ({ key, params }));
}

/**
 * Every rule the password breaks (empty when it complies). Given the person's details (names, e-mail
 * address, username), a policy that refuses common passwords also refuses one that contains them:
 * NIST SP 800-63B §5.1.1.2 "context-specific words, such as … the username".
 */
export function passwordViolations(policy: PasswordPolicy, password: string, person?: PersonalDetails): PasswordRule[] {
  return rulesOf(policy, person)
    .filter((rule) => !rule.holds(password))
    .map(({ key, params }) => ({ key, params }));
}
