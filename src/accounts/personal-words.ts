import { normalizeForComparison } from './common-passwords.ts';

/** What a form knows about the person choosing a password; any of it may be missing (not yet entered). */
export interface PersonalDetails {
  email?: string | null | undefined;
  username?: string | null | undefined;
  givenName?: string | null | undefined;
  familyName?: string | null | undefined;
}

/**
 * Shorter words are left out: "Li" or "Anna" would refuse many unrelated passwords ("Liebe…", "Hosianna…")
 * for little gain, since a guesser who knows the name tries it whole.
 */
const SHORTEST_WORD = 5;

/**
 * The words a guesser who knows the person tries first: each detail whole and in its parts
 * ("erika.mustermann@example.org" as "erika.mustermann", "erika" and "mustermann"; "Müller-Lüdenscheidt"
 * as "müller" and "lüdenscheidt"). The mail domain is left out: "gmail" or "online" say nothing about the
 * person.
 */
function personalWords(person: PersonalDetails): string[] {
  const words = new Set<string>();
  const localPart = person.email?.includes('@') ? person.email.slice(0, person.email.lastIndexOf('@')) : undefined;
  for (const value of [localPart, person.username, person.givenName, person.familyName]) {
    if (!value) continue;
    const whole = normalizeForComparison(value.trim());
    words.add(whole);
    for (const part of whole.split(/[^\p{L}\p{N}]+/u)) words.add(part);
  }
  if (person.email) words.add(normalizeForComparison(person.email.trim()));
  return [...words].filter((word) => [...word].length >= SHORTEST_WORD);
}

/** Whether the password contains one of the person's details, ignoring case (see normalizeForComparison). */
export function containsPersonalWord(password: string, person: PersonalDetails): boolean {
  const normalized = normalizeForComparison(password);
  return personalWords(person).some((word) => normalized.includes(word));
}
