import type { PasswordPolicy } from '../config/registration.ts';
import { describePasswordPolicy, passwordViolations, type PasswordRule, type PersonalDetails } from '../src/accounts/index.ts';
import type { Translate } from '../src/i18n/index.ts';

export interface RuleView {
  text: string;
  violated: boolean;
}

/**
 * The policy's rules as the form lists them next to the field, the broken ones marked. `person`: what the
 * form knows of whoever chooses the password (their names, address, username must not be in it).
 */
export function passwordRuleViews(policy: PasswordPolicy, t: Translate, violatedKeys: Set<string> = new Set(), person?: PersonalDetails): RuleView[] {
  return describePasswordPolicy(policy, person).map((rule) => ({ text: ruleText(t, rule), violated: violatedKeys.has(rule.key) }));
}

/** A rule in words; the character groups are named in the reader's language. */
function ruleText(t: Translate, rule: PasswordRule): string {
  const groups =
    typeof rule.params.groups === 'string'
      ? rule.params.groups
          .split(',')
          .map((group) => t(`password.group.${group}`))
          .join(', ')
      : undefined;
  return t(rule.key, groups ? { ...rule.params, groups } : rule.params);
}

// Which character groups a password already has: the same tests as the policy's (src/accounts/password-policy.ts).
const HAS_GROUP: Record<string, (password: string) => boolean> = {
  mixedCase: (password) => /\p{Lu}/u.test(password) && /\p{Ll}/u.test(password),
  digits: (password) => /[0-9]/.test(password),
  special: (password) => [...password].some((char) => !/\p{L}/u.test(char) && !/[0-9]/.test(char) && !/\s/u.test(char)),
};

/**
 * A broken rule as what to do about it, said once ("Ergänzen Sie eine Ziffer oder ein Sonderzeichen."): the
 * list beside the field already says the rule itself (GOV.UK: say what to do, not what went wrong).
 */
function ruleAction(t: Translate, rule: PasswordRule, password: string): string {
  const key = rule.key.replace('password.rule.', 'password.fix.');
  if (rule.key === 'password.rule.length') {
    return t([...password].length < Number(rule.params.min) ? 'password.fix.too_short' : 'password.fix.too_long', rule.params);
  }
  if (rule.key === 'password.rule.groups') {
    const missing = String(rule.params.groups)
      .split(',')
      .filter((group) => !HAS_GROUP[group]?.(password));
    const needed = Number(rule.params.count) - (String(rule.params.groups).split(',').length - missing.length);
    // One group more: "Ergänzen Sie eine Ziffer oder ein Sonderzeichen."; several: the groups to choose from.
    const groups =
      needed === 1
        ? new Intl.ListFormat(t.locale, { type: 'disjunction' }).format(missing.map((group) => t(`password.fix_group.${group}`)))
        : missing.map((group) => t(`password.fix_groups.${group}`)).join(', ');
    return t(key, { needed, groups });
  }
  return t(key, rule.params);
}

/** Checks a new password and its repetition: each broken rule is named once, as an action. */
export function checkNewPassword(
  policy: PasswordPolicy,
  t: Translate,
  password: string,
  confirmation: string,
  person?: PersonalDetails,
): { errors: Record<string, string>; violated: Set<string> } {
  const errors: Record<string, string> = {};
  const violations = passwordViolations(policy, password, person);
  if (!password) errors.password = t('password.required');
  else if (violations.length) errors.password = violations.map((rule) => ruleAction(t, rule, password)).join(' ');
  else if (!confirmation) errors.passwordConfirmation = t('password.confirmation_required');
  else if (password !== confirmation) errors.passwordConfirmation = t('password.mismatch');
  return { errors, violated: new Set(violations.map((rule) => rule.key)) };
}
