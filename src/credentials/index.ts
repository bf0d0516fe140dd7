import { Credential } from './credential.entity.ts';
export { PasswordHasher, type Argon2Parameters } from './password-hasher.ts';
export { PasswordService, type AuthenticationResult, type PasswordCheck } from './password.service.ts';
export { LoginService, type LoginAttempt, type LoginOutcome } from './login.service.ts';
export { PasswordResetService, type ResetRequest } from './password-reset.service.ts';

/** The tables this domain owns; the ORM configuration (config/mikro-orm.ts) collects every domain's list, so src/db knows none. */
export const entities = [Credential];
