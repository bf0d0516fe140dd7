import { randomInt } from 'node:crypto';
import { hmacBase64Url } from '../shared/crypto.ts';

/**
 * Crockford's base32 alphabet: digits and capitals without I, L, O and U, so nothing reads as something
 * else when copied from paper. Ten symbols of 5 bits each: 50 bits per code.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const LENGTH = 10;
export const RECOVERY_CODE_COUNT = 10;

/** A new recovery code as shown to the person, grouped `XXXXX-XXXXX`. */
export function newRecoveryCode(): string {
  let code = '';
  for (let i = 0; i < LENGTH; i += 1) code += ALPHABET[randomInt(ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/**
 * The code as typed, in its canonical form: dashes and spaces dropped, upper case, and the letters Crockford
 * maps onto digits (O → 0, I and L → 1) read as those. Null when it cannot be a recovery code.
 */
export function normalizeRecoveryCode(entered: string): string | null {
  const code = entered
    .replace(/[\s-]+/g, '')
    .toUpperCase()
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  return code.length === LENGTH && [...code].every((symbol) => ALPHABET.includes(symbol)) ? code : null;
}

/**
 * What is stored: HMAC-SHA256 under a key derived from KONTOR_SECRET, bound to the account (50 random bits
 * need no slow hash, but a plain hash of a database copy could be brute-forced offline; the key prevents it).
 */
export function recoveryCodeHash(key: Buffer, accountId: string, canonical: string): string {
  return hmacBase64Url(key, `${accountId}\u0000${canonical}`);
}
