import { z } from 'zod';

/** The second factor's methods at login; the page posts one of them with the code it belongs to. */
export const SECOND_FACTOR_METHODS = ['totp', 'email_code', 'recovery_code'] as const;

/**
 * Recovery codes use Crockford's base32 (src/credentials/recovery-codes.ts): ten symbols, grouped by a
 * dash on paper. Crockford's look-alikes (I, L, O, and lower case) are accepted here and mapped by the
 * service; U is never part of a code.
 */
const RECOVERY_CODE = /^[0-9A-TV-Z]{10}$/i;
/** TOTP (RFC 6238 with six digits, the otpauth default) and the e-mailed code are both six digits. */
const SIX_DIGITS = /^\d{6}$/;

/**
 * POST /interaction/:uid/second-factor. The code as typed, with the spaces and dashes people copy from
 * apps ("123 456") and paper ("ABCDE-FGHJK") removed; its format depends on the method. The messages name
 * the field (its label is passed in by the page).
 */
export const secondFactorForm = z
  .object({
    method: z.enum(SECOND_FACTOR_METHODS, 'mfa.method_invalid'),
    code: z
      .string('mfa.code_required')
      .max(64, 'mfa.code_format_digits')
      .transform((value) => value.trim().replace(/[\s-]+/g, '')),
  })
  .superRefine((form, ctx) => {
    if (form.code === '') return void ctx.addIssue({ code: 'custom', path: ['code'], message: 'mfa.code_required' });
    if (form.method === 'recovery_code') {
      if (!RECOVERY_CODE.test(form.code)) ctx.addIssue({ code: 'custom', path: ['code'], message: 'mfa.code_format_recovery' });
    } else if (!SIX_DIGITS.test(form.code)) ctx.addIssue({ code: 'custom', path: ['code'], message: 'mfa.code_format_digits' });
  });
export type SecondFactorForm = z.infer<typeof secondFactorForm>;
