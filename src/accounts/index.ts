export { Account, ACCOUNT_STATUSES, SALUTATIONS } from './account.entity.ts';
export { AccountConsent } from './account-consent.entity.ts';
export { AccountRepository, loginFilter } from './account.repository.ts';
export { AccountService, type AccountClaims, type OperatorAccountInput, type PasswordSetter } from './account.service.ts';
export { emailAddress, mailGreeting, normalizeEmail } from './email.ts';
export { describePasswordPolicy, passwordViolations, type PasswordRule } from './password-policy.ts';
export { parseProfileFields, profileValueToInput, type ProfileValue, type ProfileParseResult } from './profile-fields.ts';
export { RegistrationService, type RegistrationDraft, type RegistrationContext, type ConfirmedRegistration } from './registration.service.ts';
export { checkDraft, DraftInvalidError, personName, USERNAME_PATTERN, type DraftRules } from './registration-rules.ts';
