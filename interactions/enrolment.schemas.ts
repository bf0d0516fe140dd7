import { z } from 'zod';

/**
 * A six-digit one-time password as people type it: spaces and hyphens (an app shows "123 456") are
 * dropped before the check. The message names the field (login.ts' pattern: `enrol.code_required`).
 */
const oneTimeCode = z
  .string('enrol.code_required')
  .transform((value) => value.replace(/[\s-]/g, ''))
  .pipe(
    z
      .string()
      .min(1, 'enrol.code_required')
      .regex(/^\d{6}$/, 'enrol.code_invalid'),
  );

/**
 * The TOTP confirmation. The pending secret also comes back in a hidden field, read apart from this
 * schema (enrolment-totp.ts): only to show it again after a wrong code, never trusted for the check.
 */
export const totpEnrolmentForm = z.object({ code: oneTimeCode });

/** The code from the enrolment mail. */
export const emailEnrolmentForm = z.object({ code: oneTimeCode });
