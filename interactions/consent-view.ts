import type { ClaimDecision } from '../src/consent/index.ts';
import type { Translate } from '../src/i18n/index.ts';
import type { TrustLevel } from '../src/trust/index.ts';

/**
 * Claims about the login itself rather than the person's data (how and when they logged in, the pseudonym
 * the portal knows them by): every ID token carries them (OIDC Core §2), so the page does not list them
 * as data to agree to; "Nur eine Kennung" covers the identifier.
 */
const PROTOCOL_CLAIMS = new Set(['sub', 'sid', 'iss', 'aud', 'nonce', 'acr', 'amr', 'auth_time', 'sk_authn_means', 'sk_claim_trust']);

/** One row of the consent page's claim table. */
export interface ClaimRow {
  name: string;
  /** The input's id (`claim-<name>`), for the label and the browser test. */
  id: string;
  label: string;
  /** The value as it will be sent, one line per entry (an address has several). */
  lines: string[];
  level?: string;
  /** Essential in the request: no checkbox, it is sent or the request fails. */
  required: boolean;
}

/** A claim that will not be sent, with the reason in the person's words. */
export interface WithheldRow {
  name: string;
  label: string;
  reason: string;
}

/** The claims the consent page lists: what will be sent (required or optional) and what will not, with why. */
export interface ConsentClaims {
  released: ClaimRow[];
  withheld: WithheldRow[];
}

/** The claim's label in the person's language, the claim name where the catalogue has none. */
export function claimLabel(t: Translate, name: string): string {
  const key = `consent.claim.${name}`;
  return t.has(key) ? t(key) : name;
}

/** The level's German (or English) name, as the pages name levels. */
export function levelLabel(t: Translate, level: TrustLevel | undefined): string | undefined {
  return level ? t(`consent.level.${level}`) : undefined;
}

/** A value as a person reads it: an address on its lines, a birth date as a date, yes/no for flags. */
export function formatValue(t: Translate, locale: string, name: string, value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'boolean') return [t(value ? 'consent.value.yes' : 'consent.value.no')];
  if (name === 'birthdate' && typeof value === 'string') {
    // OIDC Core §5.1: YYYY-MM-DD, or YYYY alone when only the year is known (then 0000 stands for it in full dates).
    const full = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    if (!full || full[1] === '0000') return [full ? `${full[3]}.${full[2]}.` : value];
    const date = new Date(Date.UTC(Number(full[1]), Number(full[2]) - 1, Number(full[3])));
    return [new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(date)];
  }
  if (name === 'address' && typeof value === 'object') {
    // OIDC Core §5.1.1: the parts when we have them, else the formatted string's own lines.
    const address = value as Record<string, unknown>;
    const parts = [
      ...String(address.street_address ?? '').split('\n'),
      [address.postal_code, address.locality].filter(Boolean).join(' '),
      String(address.region ?? ''),
      String(address.country ?? ''),
    ].filter((line) => line.trim() !== '');
    return parts.length ? parts : String(address.formatted ?? '').split('\n');
  }
  if (Array.isArray(value)) return [value.map(String).join(', ')];
  if (typeof value === 'object') {
    const named = (value as { name?: unknown }).name;
    return [typeof named === 'string' ? named : JSON.stringify(value)];
  }
  return [String(value)];
}

/** The composer's decisions for the consent preview as the page's rows; `requested`: the claims the request named. */
export function consentClaims(t: Translate, locale: string, decisions: ClaimDecision[], requested: ReadonlySet<string>): ConsentClaims {
  const released: ClaimRow[] = [];
  const withheld: WithheldRow[] = [];
  for (const decision of decisions) {
    if (PROTOCOL_CLAIMS.has(decision.name) || decision.status === 'not_requested') continue;
    // A scope names every claim it could carry (OIDC Core §5.4): one the person has no data for is not news to
    // them unless the portal asked for it by name.
    if (decision.status === 'missing' && !requested.has(decision.name)) continue;
    const label = claimLabel(t, decision.name);
    if (decision.status === 'released') {
      released.push({
        name: decision.name,
        id: `claim-${decision.name}`,
        label,
        lines: formatValue(t, locale, decision.name, decision.value),
        level: levelLabel(t, decision.level),
        required: decision.essential,
      });
    } else {
      withheld.push({ name: decision.name, label, reason: withheldReason(t, decision) });
    }
  }
  return { released, withheld };
}

/** Why a claim is not sent, in the person's words (the levels by name). */
export function withheldReason(t: Translate, decision: Pick<ClaimDecision, 'status' | 'level' | 'requiredLevel'>): string {
  if (decision.status === 'below_level') {
    return t('consent.reason.below_level', {
      required: levelLabel(t, decision.requiredLevel) ?? '',
      level: levelLabel(t, decision.level) ?? t('consent.level.basisregistrierung'),
    });
  }
  if (decision.status === 'missing') return t('consent.reason.missing');
  if (decision.status === 'not_registered') return t('consent.reason.not_registered');
  return t('consent.reason.not_consented');
}
