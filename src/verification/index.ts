export { VerificationToken, VERIFICATION_PURPOSES, type VerificationPurpose } from './verification-token.entity.ts';
export { VerificationService, type IssueInput, type TokenSubject } from './verification.service.ts';
