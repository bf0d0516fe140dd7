import { Credential } from './credential.entity.ts';
export { PasswordHasher, type Argon2Parameters } from './password-hasher.ts';
export { PasswordService, type AuthenticationResult, type PasswordCheck } from './password.service.ts';
export { LoginService, type LoginAttempt, type LoginOutcome } from './login.service.ts';
export { PasswordResetService, type ResetRequest } from './password-reset.service.ts';
export { CREDENTIAL_TYPES, federatedIdentifier, type CredentialType } from './credential.entity.ts';
export type { CredentialSummary } from './credential.repository.ts';
export { CredentialService } from './credential.service.ts';
export { TotpCredentials, type TotpEnrolment } from './totp.service.ts';
export { RecoveryCodes } from './recovery-code.service.ts';
export { PasswordChangeService, type PasswordChangeContext, type PasswordChangeOutcome } from './password-change.service.ts';
export { FactorNotices, type FactorChange } from './factor-notice.ts';
export { EmailCodes, type EmailCodeSettings } from './email-code.service.ts';
export {
  SecondFactorService,
  type SecondFactorMethod,
  type SecondFactors,
  type AttemptContext,
  type CodeOutcome,
  type EnrolmentOutcome,
  type ChangeOutcome,
  type SecondFactorOverview,
  type SecondFactorDeps,
} from './second-factor.service.ts';

/** The tables this domain owns; the ORM configuration (config/mikro-orm.ts) collects every domain's list, so src/db knows none. */
export const entities = [Credential];
