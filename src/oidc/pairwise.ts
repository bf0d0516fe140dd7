import { createHmac } from 'node:crypto';
import { deriveKey } from '../shared/crypto.ts';

/**
 * Pairwise subject (OIDC Core §8.1): the same person gets a different, stable `sub` per sector, so two
 * portals cannot join their users by `sub` (like BundID's bPK2).
 */
export function pairwiseSubject(secret: string) {
  const key = deriveKey(secret, 'pairwise-sub');
  return (sectorIdentifier: string, accountId: string) => createHmac('sha256', key).update(`${sectorIdentifier}\u0000${accountId}`).digest('base64url');
}

/**
 * The sector of a client (OIDC Core §8.1): the host component (RFC 3986 §3.2.2: the name, without the
 * port) of its `sector_identifier_uri`, else of its redirect URI. oidc-provider's own
 * `client.sectorIdentifier` is `URL.host`, port included: a portal moving from :8443 to :443, or served on
 * both, would get new subjects. For URIs without an explicit port (the usual https portal) both are the
 * same name, so those portals' subjects are unchanged by taking the host name.
 */
export function sectorOf(client: { sectorIdentifierUri?: string | undefined; redirectUris?: readonly string[] | undefined }): string {
  const uri = client.sectorIdentifierUri ?? client.redirectUris?.[0];
  // oidc-provider requires a sector_identifier_uri when the redirect URIs span hosts, so the first one speaks for all.
  if (!uri) throw new Error('a pairwise subject needs a redirect URI or a sector_identifier_uri');
  return new URL(uri).hostname;
}
