import { deriveKey, hmacBase64Url } from '../shared/crypto.ts';

/** How pseudonyms of deleted accounts start, so a reader of the ledger or the audit trail sees what they are. */
export const DELETED_PREFIX = 'deleted:';

/**
 * The reference a deleted account's ledger and audit rows keep instead of its id (GDPR Art. 17 with
 * Art. 4(5)): an HMAC of the account id under a key derived from KONTOR_SECRET for this purpose alone.
 * Deterministic, so an operator investigating with the old id (from a portal's report, a backup) computes
 * it and finds the rows; without the secret nobody gets from the pseudonym back to the id, and the id
 * itself is gone with the account, so nothing leads to the person.
 */
export function deletedAccountPseudonym(secret: string, accountId: string): string {
  return `${DELETED_PREFIX}${hmacBase64Url(deriveKey(secret, 'deleted-account'), accountId)}`;
}
