import { createHmac } from 'node:crypto';
import { deriveKey } from '../shared/crypto.ts';

/**
 * Pairwise subject (OIDC Core §8.1): the same person gets a different, stable `sub` per sector, so two
 * portals cannot join their users by `sub` (like BundID's bPK2).
 */
export function pairwiseSubject(secret: string) {
  const key = deriveKey(secret, 'pairwise-sub');
  return (sectorIdentifier: string, accountId: string) =>
    createHmac('sha256', key).update(`${sectorIdentifier}\u0000${accountId}`).digest('base64url');
}
