import { Account } from './account.entity.ts';
import { AccountConsent } from './account-consent.entity.ts';
import { AccountAttribute } from './account-attribute.entity.ts';
// The entities stay private (no other domain queries this domain's tables); `entities` hands them to the ORM.
export { ACCOUNT_STATUSES, SALUTATIONS } from './account.entity.ts';
export { AccountRepository, loginFilter } from './account.repository.ts';
export { AccountService, type FederatedAccountInput, type OperatorAccountInput, type PasswordSetter } from './account.service.ts';
export type { AttributeWrite } from './attributes.ts';
export {
  AccountLockService,
  type LockActor,
  type LockContext,
  type LockDeps,
  type LockOutcome,
  type UnlockOutcome,
} from './account-lock.service.ts';
export type { AccountDataPart } from './account-export.ts';
export { ATTRIBUTE_SOURCES, type AttributeSource } from './account-attribute.entity.ts';
export { AccountAttributeReader, type StoredAttribute } from './attribute.repository.ts';
export { EmailChangeService, maskAddress, type EmailChangeDeps, type EmailChangeOutcome, type EmailChangeRequestOutcome } from './email-change.service.ts';
export { lockReasonOf } from './profile-locks.ts';
export { ProfileInvalidError, ProfileUpdateService, type ProfileView } from './profile-update.service.ts';
export { emailAddress, mailGreeting, NEUTRAL_GREETING, normalizeEmail } from './email.ts';
export { freeTextProblem, hasInvisibleCharacters, NAME_PATTERN, type FreeTextProblem } from './free-text.ts';
export { describePasswordPolicy, passwordViolations, type PasswordRule } from './password-policy.ts';
export type { PersonalDetails } from './personal-words.ts';
export { parseProfileFields, profileValueToInput, type ProfileValue, type ProfileParseResult } from './profile-fields.ts';
export {
  RegistrationService,
  type RegistrationDraft,
  type RegistrationContext,
  type ConfirmedRegistration,
  type ConfirmationProof,
  type ConfirmOutcome,
  type PasswordVerifier,
} from './registration.service.ts';
export { checkDraft, DraftInvalidError, personName, USERNAME_PATTERN, type DraftRules } from './registration-rules.ts';

/** The tables this domain owns; the ORM configuration (config/mikro-orm.ts) collects every domain's list, so src/db knows none. */
export const entities = [Account, AccountConsent, AccountAttribute];
