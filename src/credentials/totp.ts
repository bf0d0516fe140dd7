import { generate, generateSecret, generateURI, verify } from 'otplib';

/**
 * The parameters every authenticator app understands (RFC 6238 with the defaults of the otpauth key URI
 * format): HMAC-SHA-1, six digits, 30-second steps. Apps ignore other values or compute wrong codes.
 */
const PERIOD_SECONDS = 30;
const DIGITS = 6;
const ALGORITHM = 'sha1';
/** One step either side (RFC 6238 §5.2 transmission delay and clock drift): epoch ± 30 s lands in the adjacent steps. */
const TOLERANCE_SECONDS = PERIOD_SECONDS;
const CODE_FORMAT = /^\d{6}$/;

/** A new TOTP secret: 20 random bytes (160 bits, the HMAC-SHA-1 block RFC 4226 §4 recommends), base32. */
export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

/** The `otpauth://totp/` URI an app scans: issuer and label name the account in the app's list. */
export function totpUri(issuer: string, label: string, secret: string): string {
  return generateURI({ issuer, label, secret, algorithm: ALGORITHM, digits: DIGITS, period: PERIOD_SECONDS });
}

/**
 * The RFC 6238 time step a code belongs to, if it is valid at `at` within one step either side; null
 * otherwise. Spaces are ignored (apps show "123 456"). Replay is the caller's part: a step is accepted once.
 */
export async function totpStepOf(secret: string, entered: string, at: Date): Promise<number | null> {
  const token = entered.replace(/\s+/g, '');
  if (!CODE_FORMAT.test(token)) return null;
  const result = await verify({
    secret,
    token,
    epoch: Math.floor(at.getTime() / 1000),
    epochTolerance: TOLERANCE_SECONDS,
    algorithm: ALGORITHM,
    digits: DIGITS,
    period: PERIOD_SECONDS,
  });
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}

/** The code an app shows at `at` (tests and the development tools; never sent anywhere). */
export function totpCodeAt(secret: string, at: Date): Promise<string> {
  return generate({ secret, epoch: Math.floor(at.getTime() / 1000), algorithm: ALGORITHM, digits: DIGITS, period: PERIOD_SECONDS });
}
