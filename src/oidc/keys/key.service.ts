import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/sql';
import { decrypt, deriveKey, encrypt } from '../../shared/crypto.ts';
import { SIGNING_ALGORITHMS, SigningKey, type SigningAlgorithm } from './signing-key.entity.ts';
import { SigningKeyRepository } from './key.repository.ts';

export interface RotationResult {
  alg: SigningAlgorithm;
  newKid: string;
  retiredKid: string | null;
  retiredKeyPublishedUntil: Date | null;
}

/**
 * Signing keys live in the database, encrypted with a key derived from KONTOR_SECRET, so every instance
 * serves the same JWKS. There is one active key per algorithm; RS256 is the default for clients.
 */
export class KeyService {
  private readonly em: EntityManager;
  private readonly encryptionKey: Buffer;
  private readonly overlapSeconds: number;

  constructor(em: EntityManager, secret: string, overlapSeconds: number) {
    this.em = em;
    this.encryptionKey = deriveKey(secret, 'signing-keys');
    this.overlapSeconds = overlapSeconds;
  }

  /** Creates the missing active key of each algorithm (first start). Returns the kids it created. */
  async ensureActiveKeys(): Promise<string[]> {
    return this.em.fork().transactional(async (em) => {
      const repository = new SigningKeyRepository(em);
      await repository.lockForKeyChanges();
      const created: string[] = [];
      for (const alg of SIGNING_ALGORITHMS) {
        if (await repository.activeFor(alg)) continue;
        created.push((await this.createKey(em, alg)).kid);
      }
      return created;
    });
  }

  /**
   * Replaces the active key of each given algorithm. The old key keeps being published for the overlap
   * period, so ID tokens it signed still verify until they expire.
   */
  async rotate(algorithms: readonly SigningAlgorithm[] = SIGNING_ALGORITHMS, now = new Date()): Promise<RotationResult[]> {
    return this.em.fork().transactional(async (em) => {
      const repository = new SigningKeyRepository(em);
      await repository.lockForKeyChanges();
      const results: RotationResult[] = [];
      for (const alg of algorithms) {
        const previous = await repository.activeFor(alg);
        const publishUntil = new Date(now.getTime() + this.overlapSeconds * 1000);
        if (previous) {
          previous.status = 'retired';
          previous.retiredAt = now;
          previous.publishUntil = publishUntil;
        }
        await em.flush(); // the old key must leave 'active' before the new one enters
        const created = await this.createKey(em, alg);
        results.push({ alg, newKid: created.kid, retiredKid: previous?.kid ?? null, retiredKeyPublishedUntil: previous ? publishUntil : null });
      }
      return results;
    });
  }

  /** Private JWKs for oidc-provider: active keys first, then retired keys still in their overlap. */
  async loadPrivateJwks(now = new Date()): Promise<JWK[]> {
    const keys = await new SigningKeyRepository(this.em.fork()).published(now);
    return keys.map((key) => ({ ...(JSON.parse(decrypt(this.encryptionKey, key.encryptedJwk, key.kid)) as JWK), kid: key.kid, alg: key.alg, use: 'sig' }));
  }

  /** Removes retired keys whose overlap has ended. */
  purgeExpired(now = new Date()): Promise<number> {
    return new SigningKeyRepository(this.em.fork()).deleteExpired(now);
  }

  private async createKey(em: EntityManager, alg: SigningAlgorithm): Promise<SigningKey> {
    // BSI TR-02102-1 asks for RSA moduli of at least 3000 bits.
    const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 3072 } : {}) });
    const kid = randomUUID();
    const jwk = await exportJWK(privateKey);
    const key = em.create(SigningKey, {
      kid,
      alg,
      status: 'active',
      encryptedJwk: encrypt(this.encryptionKey, JSON.stringify(jwk), kid),
      createdAt: new Date(),
    });
    await em.flush();
    return key;
  }
}
