import { z } from 'zod';
import { emailAddress } from '../../src/accounts/index.ts';

/**
 * POST /account/profile: the form's fields by name, each a string (the service applies the registration's
 * rules and names the problems). Unknown fields are dropped; a locked field is simply absent.
 */
export function profileForm(names: readonly string[]) {
  return z.object(Object.fromEntries(names.map((name) => [name, z.string().max(1000).optional().catch(undefined)])));
}

/** POST /account/email: the new address twice (seed 001 steps 1–2); the second must match the first. */
export const emailChangeForm = z
  .object({
    newEmail: z.string('account.email.required').trim().min(1, 'account.email.required').pipe(emailAddress),
    newEmailConfirmation: z.string('account.email.repeat_required').trim().min(1, 'account.email.repeat_required'),
  })
  .refine((form) => form.newEmail.toLowerCase() === form.newEmailConfirmation.toLowerCase(), {
    path: ['newEmailConfirmation'],
    message: 'account.email.mismatch',
  });

/** The confirmation link's token (GET) and the confirm button's form (POST). */
export const emailTokenQuery = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{43}$/) });
