import type { AdapterPayload } from 'oidc-provider';
import { decrypt, deriveKey, encrypt, hmacBase64Url } from '../shared/crypto.ts';

/** How an Interaction payload is kept: sealed whole, see {@link ArtifactIds.toStored}. */
interface SealedPayload {
  sealed: string;
}

/**
 * Keeps oidc-provider's artifacts useless to someone who can read the `oidc_payload` table (a backup, a
 * replica, an SQL injection elsewhere): access and refresh tokens, codes, PAR request_uris, session and
 * interaction ids are bearer values (OWASP ASVS 5.0 V14.2, "RFC 6819 §5.1.4.1.3: store hashes of tokens").
 *
 * - Every id (and device user code) is stored as HMAC-SHA256 under a key derived from KONTOR_SECRET and
 *   hashed again on every lookup, as link tokens are (src/verification). Keyed, so a dump alone does not
 *   even allow checking a guessed id offline; all kinds alike, so no kind is forgotten.
 * - oidc-provider copies the id into the payload as `jti`: it is dropped on write and put back from the
 *   id the caller looked up with. Lookups by `uid` (Session only: checking an interaction's or a token's
 *   session still exists) return the payload without `jti`; oidc-provider 9 only reads the account and
 *   grants from those, never saves them.
 * - An Interaction payload holds further copies of bearer values: its own id in `returnTo`, the session
 *   id in `session.cookie`, the PAR id in `parJti` and `params.request_uri`, besides the person's
 *   login_hint. It is sealed whole (AES-256-GCM, bound to its row); nothing queries inside it.
 *
 * Changing KONTOR_SECRET therefore ends every session and token, like it already made keys unreadable.
 */
export class ArtifactIds {
  private readonly idKey: Buffer;
  private readonly sealKey: Buffer;

  constructor(secret: string) {
    this.idKey = deriveKey(secret, 'oidc-artifact-ids');
    this.sealKey = deriveKey(secret, 'oidc-interaction-payloads');
  }

  /** The value stored in the `id` (or `user_code`) column for an id oidc-provider hands us. */
  storedId(id: string): string {
    return hmacBase64Url(this.idKey, id);
  }

  /** The payload as it goes into the row: no clear copy of the id, Interactions sealed. */
  toStored(kind: string, storedId: string, payload: AdapterPayload, replacer?: (key: string, value: unknown) => unknown): Record<string, unknown> {
    const { jti: _jti, ...rest } = payload;
    if (kind !== 'Interaction') return rest;
    const sealed: SealedPayload = { sealed: encrypt(this.sealKey, JSON.stringify(rest, replacer), `${kind}:${storedId}`) };
    return sealed as unknown as Record<string, unknown>;
  }

  /** Reverses {@link toStored}; `id` is the clear id the caller looked up with, when it looked up by id. */
  fromStored(kind: string, storedId: string, stored: Record<string, unknown>, id?: string): AdapterPayload {
    const payload =
      kind === 'Interaction' && typeof stored.sealed === 'string'
        ? (JSON.parse(decrypt(this.sealKey, stored.sealed, `${kind}:${storedId}`)) as AdapterPayload)
        : (stored as AdapterPayload);
    return id === undefined ? payload : { ...payload, jti: id };
  }
}
