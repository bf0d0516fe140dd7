export { Account } from './account.entity.ts';
export { AccountRepository, loginFilter } from './account.repository.ts';
export { AccountService, type AccountClaims, type OperatorAccountInput, type PasswordSetter } from './account.service.ts';
export { emailAddress, normalizeEmail } from './email.ts';
