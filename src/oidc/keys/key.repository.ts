import type { EntityManager } from '@mikro-orm/sql';
import { SigningKey, type SigningAlgorithm } from './signing-key.entity.ts';

/** Queries on the signing_key table. */
export class SigningKeyRepository {
  private readonly em: EntityManager;
  constructor(em: EntityManager) {
    this.em = em;
  }

  /** Keys to publish: active ones first (they sign), then retired ones still inside their overlap. */
  async published(now: Date): Promise<SigningKey[]> {
    const keys = await this.em.find(
      SigningKey,
      { $or: [{ status: 'active' }, { publishUntil: { $gt: now } }] },
      { orderBy: { createdAt: 'desc' } },
    );
    return [...keys.filter((key) => key.status === 'active'), ...keys.filter((key) => key.status !== 'active')];
  }

  activeFor(alg: SigningAlgorithm): Promise<SigningKey | null> {
    return this.em.findOne(SigningKey, { alg, status: 'active' });
  }

  /**
   * Serialises key creation across instances that start at the same moment (a transaction-scoped
   * advisory lock; on the embedded database there is only one process anyway).
   */
  async lockForKeyChanges(): Promise<void> {
    await this.em.execute('select pg_advisory_xact_lock(4711001)');
  }

  deleteExpired(now: Date): Promise<number> {
    return this.em.nativeDelete(SigningKey, { status: 'retired', publishUntil: { $lte: now } });
  }
}
