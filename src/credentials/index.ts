export { PasswordHasher, type Argon2Parameters } from './password-hasher.ts';
export { PasswordService, type AuthenticationResult } from './password.service.ts';
export { PasswordCredential } from './password-credential.entity.ts';
