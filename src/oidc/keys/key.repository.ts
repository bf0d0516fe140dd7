import type { EntityManager } from '@mikro-orm/sql';
import { SigningKey, type SigningAlgorithm } from './signing-key.entity.ts';

/** Queries on the signing_key table. */
export class SigningKeyRepository {
  private readonly em: EntityManager;
  constructor(em: EntityManager) {
    this.em = em;
  }

  /**
   * Keys to publish, in signing order: keys already active, newest first (oidc-provider signs with the
   * first key of an algorithm), then keys announced but not yet active.
   */
  async published(now: Date): Promise<SigningKey[]> {
    const keys = await this.em.find(
      SigningKey,
      { $or: [{ publishUntil: null }, { publishUntil: { $gt: now } }] },
      { orderBy: { activatesAt: 'desc', kid: 'asc' } },
    );
    const active = keys.filter((key) => key.activatesAt <= now);
    return [...active, ...keys.filter((key) => key.activatesAt > now)];
  }

  /** The key of an algorithm that nothing has superseded yet. */
  currentFor(alg: SigningAlgorithm): Promise<SigningKey | null> {
    return this.em.findOne(SigningKey, { alg, publishUntil: null });
  }

  /**
   * Serialises key changes across instances that start at the same moment (a transaction-scoped
   * advisory lock; on the embedded database there is only one process anyway).
   */
  async lockForKeyChanges(): Promise<void> {
    await this.em.execute('select pg_advisory_xact_lock(4711001)');
  }

  deleteExpired(now: Date): Promise<number> {
    return this.em.nativeDelete(SigningKey, { publishUntil: { $lte: now } });
  }
}
