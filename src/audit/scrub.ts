/** Fields that say where a request came from (the audit's `ip` column has its own rule); dropped from details. */
const CLIENT_FIELDS = /^(ip|ips|address|userAgent|user_agent|device|browser)$/i;

/** What a removed value becomes: the event keeps its shape, the reader sees that something was there. */
export const REMOVED = '[removed]';

/**
 * A copy of an audit event's `details` without personal data (account deletion): a string that contains
 * one of `personal` (compared case-insensitively, so "Erika@Example.org" matches "erika@example.org") is
 * replaced as a whole, client-address-like fields are dropped, nested objects and arrays are walked.
 * Counts, reasons, methods and client ids stay.
 */
export function scrubDetails(details: Record<string, unknown>, personal: string[]): Record<string, unknown> {
  const needles = personal.map((value) => value.trim().toLowerCase()).filter((value) => value.length >= 2);
  const scrub = (value: unknown): unknown => {
    if (typeof value === 'string') return needles.some((needle) => value.toLowerCase().includes(needle)) ? REMOVED : value;
    if (Array.isArray(value)) return value.map(scrub);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>)
          .filter(([key]) => !CLIENT_FIELDS.test(key))
          .map(([key, inner]) => [key, scrub(inner)]),
      );
    }
    return value;
  };
  return scrub(details) as Record<string, unknown>;
}
