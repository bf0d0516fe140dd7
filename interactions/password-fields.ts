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
  const groups = typeof rule.params.groups === 'string' ? rule.params.groups.split(',').map((group) => t(`password.group.${group}`)).join(', ') : undefined;
  return t(rule.key, groups ? { ...rule.params, groups } : rule.params);
}

/**
 * Checks a new password and its repetition. The error names every broken rule, not just the first
 * (issue #3: "every violated rule in the error").
 */
export function checkNewPassword(policy: PasswordPolicy, t: Translate, password: string, confirmation: string, person?: PersonalDetails): { errors: Record<string, string>; violated: Set<string> } {
  const errors: Record<string, string> = {};
  const violations = passwordViolations(policy, password, person);
  if (!password) errors.password = t('password.required');
  else if (violations.length) errors.password = `${t('password.policy_violated')} ${violations.map((rule) => ruleText(t, rule)).join('; ')}`;
  else if (password !== confirmation) errors.passwordConfirmation = t('password.mismatch');
  return { errors, violated: new Set(violations.map((rule) => rule.key)) };
}
