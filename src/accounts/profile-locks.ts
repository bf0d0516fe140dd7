import type { TrustLevel } from '../trust/index.ts';

/**
 * "Sperrfelder" (seed 001): a value that a source stronger than the person's own entry vouches for is
 * read-only on the profile page. Self-entry, an operator's entry and a confirmed e-mail are all
 * `basisregistrierung`; anything above it, and any source that read the value from elsewhere (the eID card,
 * another state's account), is locked. The table maps a source to the translation key of the reason shown
 * next to the value; sources added later (`federation:<name>`) fall back by prefix.
 */
const REASON_OF_SOURCE: Record<string, string> = {
  eid: 'account.profile.locked_eid',
  upstream: 'account.profile.locked_upstream',
  'federation:': 'account.profile.locked_upstream',
};

/** Sources a person may overwrite from the profile page (at level basisregistrierung). */
const EDITABLE_SOURCES = new Set(['self_entered', 'operator', 'email_confirmed']);

/** The reason key when an attribute is locked, undefined when the person may change it. */
export function lockReasonOf(attribute: { source: string; level: TrustLevel }): string | undefined {
  const bySource = REASON_OF_SOURCE[attribute.source] ?? REASON_OF_SOURCE[`${attribute.source.split(':')[0]}:`];
  if (bySource) return bySource;
  if (!EDITABLE_SOURCES.has(attribute.source)) return 'account.profile.locked_verified';
  return attribute.level === 'basisregistrierung' ? undefined : 'account.profile.locked_verified';
}
