import { z } from 'zod';

/**
 * E-mail addresses as the seeds demand: plain ASCII (no umlauts), no `<` or `>`. Stored as typed,
 * compared lower-cased.
 */
export const emailAddress = z
  .string()
  .trim()
  .max(254)
  .refine((value) => /^[\x21-\x7e]+$/.test(value), 'account.email_ascii_only')
  .refine((value) => !/[<>]/.test(value), 'account.email_forbidden_characters')
  .pipe(z.email('account.email_invalid'));

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
