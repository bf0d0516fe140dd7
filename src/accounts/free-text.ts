/**
 * Rules for text people type in that Kontor later shows to others or puts into mail: no invisible control
 * or format characters, no web addresses. Visitors can make Kontor send a genuine mail to any address, so
 * whatever they type must not turn that mail into a phishing message ("Ihr Konto wird gesperrt:
 * https://…").
 */

/**
 * Control (Cc), format (Cf: the bidi overrides and isolates U+202A–U+202E and U+2066–U+2069, zero-width
 * characters, soft hyphen), line/paragraph separators, private-use, surrogate and unassigned code points.
 * Unicode TR #36 §2.3 (bidi spoofing), TR #9 §2.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cs}\p{Cn}]/u;

/**
 * Something a mail client or a reader would take for a link: a scheme (https://, mailto:), "www.", a
 * host name (letters or digits, a dot, then two or more letters: "evil.example", "bank.de") or an IPv4
 * address. A dot followed by a space ("Dr. Müller", "J. R. R.") is not a host name.
 */
const URL_LIKE = /[a-z][a-z0-9+.-]*:\/\/|\b(?:mailto|javascript|data|file|tel|sms):|\bwww\.|[\p{L}\p{N}_-]\.\p{L}{2,}|\b\d{1,3}(?:\.\d{1,3}){3}\b/iu;

export type FreeTextProblem = 'input.invisible_characters' | 'input.no_urls';

/** Whether `text` holds a character nobody sees (control, format, separator, private-use, unassigned). */
export function hasInvisibleCharacters(text: string): boolean {
  return INVISIBLE.test(text);
}

/** The first problem of `text` under the free-text rules (a translation key), or undefined. */
export function freeTextProblem(text: string): FreeTextProblem | undefined {
  if (hasInvisibleCharacters(text)) return 'input.invisible_characters';
  if (URL_LIKE.test(text)) return 'input.no_urls';
  return undefined;
}

/**
 * What a name may consist of: letters of any script with their combining marks (é, ß, ł, ı), spaces,
 * hyphens, apostrophes (' and ’) and dots, starting with a letter. Enough for "Renée", "Müller-Lüdenscheidt",
 * "O’Brien", "J. R. R."; not for sentences with ":" or "!", nor for digits.
 */
export const NAME_PATTERN = /^\p{L}[\p{L}\p{M}'’ .-]*$/u;

/** Longest given or family name accepted (the seeds' portals print names on 50-character lines). */
export const NAME_MAX_LENGTH = 50;
