import type { AuthenticatorResult } from '../src/trust/index.ts';

/**
 * What the login pages need of the second factor (src/credentials' SecondFactorService has this shape):
 * named here so the pages depend on the contract, not on the class.
 */
export type SecondFactorMethod = 'totp' | 'email_code' | 'recovery_code';
export interface SecondFactors {
  totp: boolean;
  emailCode: boolean;
  recoveryCodesLeft: number;
}
export interface AttemptContext {
  ip: string;
  clientId: string | null;
  locale: 'de' | 'en';
}
export type CodeOutcome =
  | { kind: 'succeeded'; result: AuthenticatorResult }
  | { kind: 'failed' }
  | { kind: 'throttled'; retryAfterSeconds: number }
  | { kind: 'rate_limited'; retryAfterSeconds: number };
export type EnrolmentOutcome =
  | { kind: 'enrolled'; result: AuthenticatorResult; recoveryCodes: string[] | null }
  | { kind: 'failed' }
  | { kind: 'throttled'; retryAfterSeconds: number }
  | { kind: 'rate_limited'; retryAfterSeconds: number };

export interface SecondFactorPort {
  factorsOf(accountId: string): Promise<SecondFactors>;
  verify(accountId: string, method: SecondFactorMethod, code: string, context: AttemptContext): Promise<CodeOutcome>;
  sendLoginCode(accountId: string, context: AttemptContext): Promise<void>;
  startTotpEnrolment(accountId: string, label: string): Promise<{ secret: string; otpauthUri: string; qrSvg: string }>;
  pendingTotpEnrolment(accountId: string, label: string): Promise<{ secret: string; otpauthUri: string; qrSvg: string } | null>;
  confirmTotpEnrolment(accountId: string, code: string, context: AttemptContext): Promise<EnrolmentOutcome>;
  sendEnrolmentCode(accountId: string, context: AttemptContext): Promise<void>;
  confirmEmailEnrolment(accountId: string, code: string, context: AttemptContext): Promise<EnrolmentOutcome>;
}
