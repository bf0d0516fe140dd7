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

/**
 * How a mail addresses the person, formally as authorities write: "Sehr geehrte Frau Mustermann" with a
 * salutation, "Guten Tag Erika Mustermann" without one. Returned as a translation key and its name.
 */
export function mailGreeting(person: { salutation?: 'ms' | 'mr' | null; givenName: string; familyName: string }): {
  greetingKey: string;
  greetingName: string;
} {
  if (person.salutation) return { greetingKey: `mail.greeting_${person.salutation}`, greetingName: person.familyName };
  return { greetingKey: 'mail.greeting', greetingName: `${person.givenName} ${person.familyName}` };
}

/**
 * The greeting of mail to an address nobody has confirmed yet (registration-confirm, resend): "Guten Tag,"
 * without a name. The names there are whatever a visitor typed, and a visitor can send that mail to any
 * address; the mail must not carry their text.
 */
export const NEUTRAL_GREETING = { greetingKey: 'mail.greeting_anonymous', greetingName: '' } as const;
