import { z } from 'zod';
import { emailAddress, normalizeEmail, personName, USERNAME_PATTERN } from '../src/accounts/index.ts';

export { USERNAME_PATTERN };

const password = z.string().max(1024, 'password.too_long').default('');

/** Step 1: the person. The password is checked against the deployment's policy by the handler. */
export function accountStepForm(usernameMode: 'email' | 'username') {
  return z.object({
    salutation: z.enum(['', 'ms', 'mr'], 'registration.salutation_invalid').default(''),
    givenName: personName,
    familyName: personName,
    email: z.string('account.email_required').trim().min(1, 'account.email_required').pipe(emailAddress),
    username:
      usernameMode === 'username'
        ? z.string('registration.username_required').trim().min(1, 'registration.username_required').regex(USERNAME_PATTERN, 'registration.username_invalid')
        : z
            .any()
            .optional()
            .transform((): null => null),
    password,
    passwordConfirmation: password,
  });
}

/** The review step: ticked consents arrive as `consent_<id>=on`. */
export const reviewStepForm = z.record(z.string(), z.unknown());

export const emailOnlyForm = z.object({
  email: z.string('account.email_required').trim().min(1, 'account.email_required').pipe(emailAddress),
  interaction: z
    .string()
    .regex(/^[A-Za-z0-9_-]{10,64}$/)
    .optional()
    .catch(undefined),
});

/**
 * The forgotten-password form: exactly one e-mail address or one username, nothing that a mailer could
 * read as several recipients ("a,victim@example.org"). `key` is what the per-account limit counts: the
 * normalised address, or the username as typed (usernames are case-sensitive).
 */
export const forgotPasswordForm = z
  .object({
    identifier: z
      .string('password.identifier_required')
      .trim()
      .min(1, 'password.identifier_required')
      .refine((value) => emailAddress.safeParse(value).success || USERNAME_PATTERN.test(value), 'password.identifier_invalid'),
    interaction: z
      .string()
      .regex(/^[A-Za-z0-9_-]{10,64}$/)
      .optional()
      .catch(undefined),
  })
  .transform((form) => ({ ...form, key: form.identifier.includes('@') ? normalizeEmail(form.identifier) : form.identifier }));

export const tokenQuery = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{43}$/) });

/** The confirm button; `password` only where this browser did not register (see email-confirmation.ts). */
export const confirmForm = z.object({
  token: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  password: z.string().max(1024).optional(),
});

export const resetPasswordForm = z.object({
  token: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  password,
  passwordConfirmation: password,
});

export const interactionQuery = z.object({
  interaction: z
    .string()
    .regex(/^[A-Za-z0-9_-]{10,64}$/)
    .optional()
    .catch(undefined),
});
