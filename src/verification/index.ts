import { VerificationToken } from './verification-token.entity.ts';
export { VERIFICATION_PURPOSES, type VerificationPurpose } from './verification-token.entity.ts';
export { VerificationService, type IssueInput, type TokenSubject, type AddressLink, type AddressPurpose } from './verification.service.ts';
export type { CodeCheck, CodeInput, CodePurpose } from './code-book.ts';

/** The tables this domain owns; the ORM configuration (config/mikro-orm.ts) collects every domain's list, so src/db knows none. */
export const entities = [VerificationToken];
