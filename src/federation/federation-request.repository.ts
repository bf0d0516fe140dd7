import type { EntityManager } from '@mikro-orm/sql';
import { FederationRequest, type FederationRequestStatus } from './federation-request.entity.ts';

export type NewFederationRequest = Pick<
  FederationRequest,
  'id' | 'stateHash' | 'browserHash' | 'interactionUid' | 'upstreamId' | 'nonce' | 'codeVerifierEncrypted' | 'askedAcr' | 'expiresAt'
>;

/** Every query on `federation_request`; each status change is one conditional statement (no read-then-write race). */
export class FederationRequestRepository {
  private readonly em: EntityManager;
  constructor(em: EntityManager) {
    this.em = em;
  }

  async insert(request: NewFederationRequest): Promise<void> {
    this.em.create(FederationRequest, { ...request, status: 'pending', identityEncrypted: null, createdAt: new Date() });
    await this.em.flush();
  }

  /**
   * Takes the pending request with this state for the callback, once: the row leaves `pending` in the same
   * statement (to `failed` until the verification succeeds), so a replayed callback finds nothing.
   */
  async claimPending(stateHash: string, now: Date): Promise<FederationRequest | null> {
    const rows = await this.em.execute<Array<{ id: string }>>(
      `update federation_request set status = 'failed' where state_hash = ? and status = 'pending' and expires_at > ? returning id`,
      [stateHash, now],
    );
    const id = rows[0]?.id;
    return id ? this.em.findOne(FederationRequest, { id }, { refresh: true }) : null;
  }

  async markVerified(id: string, identityEncrypted: string): Promise<void> {
    await this.em.execute(`update federation_request set status = 'verified', identity_encrypted = ? where id = ? and status = 'failed'`, [
      identityEncrypted,
      id,
    ]);
  }

  /** The verified request of this interaction and browser, still unused. */
  verified(id: string, interactionUid: string, browserHash: string, now: Date): Promise<FederationRequest | null> {
    return this.em.findOne(FederationRequest, { id, interactionUid, browserHash, status: 'verified', expiresAt: { $gt: now } }, { refresh: true });
  }

  /** Marks a verified request used, in the caller's transaction; false when another request got there first. */
  async finish(id: string, from: FederationRequestStatus = 'verified'): Promise<boolean> {
    const rows = await this.em.execute<Array<{ id: string }>>(`update federation_request set status = 'done' where id = ? and status = ? returning id`, [
      id,
      from,
    ]);
    return rows.length === 1;
  }

  purgeExpired(before: Date): Promise<number> {
    return this.em.nativeDelete(FederationRequest, { expiresAt: { $lt: before } });
  }
}
