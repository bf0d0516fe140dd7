import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/sql';
import { decrypt, deriveKey, encrypt } from '../../shared/crypto.ts';
import { SIGNING_ALGORITHMS, SigningKey, type SigningAlgorithm } from './signing-key.entity.ts';
import { SigningKeyRepository } from './key.repository.ts';

export interface RotationResult {
  alg: SigningAlgorithm;
  newKid: string;
  newKeyActivatesAt: Date;
  retiredKid: string | null;
  retiredKeyPublishedUntil: Date | null;
}

export interface PublishedKeys {
  /** Private JWKs in signing order, for oidc-provider. */
  jwks: JWK[];
  /** Changes whenever the published set or the signing order changes. */
  fingerprint: string;
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

  /** Creates the missing key of each algorithm, active at once (first start). Returns the kids it created. */
  async ensureActiveKeys(now = new Date()): Promise<string[]> {
    return this.em.fork().transactional(async (em) => {
      const repository = new SigningKeyRepository(em);
      await repository.lockForKeyChanges();
      const created: string[] = [];
      for (const alg of SIGNING_ALGORITHMS) {
        if (await repository.currentFor(alg)) continue;
        created.push((await this.createKey(em, alg, now)).kid);
      }
      return created;
    });
  }

  /**
   * Creates a successor for the current key of each given algorithm. The new key is published at once
   * and signs from `activatesAt` on; until then every instance has reloaded and publishes it, so no
   * relying party meets a token signed with a key it could not have fetched. The superseded key stays
   * published for the overlap after that, so tokens it signed verify until they expire.
   */
  /** `record` runs in the rotation's transaction (the audit event of an operator's rotation). */
  async rotate(
    algorithms: readonly SigningAlgorithm[],
    activatesAt: Date,
    record?: (tx: EntityManager, results: RotationResult[]) => void,
  ): Promise<RotationResult[]> {
    return this.em.fork().transactional(async (em) => {
      const repository = new SigningKeyRepository(em);
      await repository.lockForKeyChanges();
      const results: RotationResult[] = [];
      for (const alg of algorithms) {
        const previous = await repository.currentFor(alg);
        const publishUntil = new Date(activatesAt.getTime() + this.overlapSeconds * 1000);
        if (previous) previous.publishUntil = publishUntil;
        const created = await this.createKey(em, alg, activatesAt);
        results.push({
          alg,
          newKid: created.kid,
          newKeyActivatesAt: activatesAt,
          retiredKid: previous?.kid ?? null,
          retiredKeyPublishedUntil: previous ? publishUntil : null,
        });
      }
      record?.(em, results);
      return results;
    });
  }

  /** The keys to publish, in signing order, decrypted for oidc-provider. */
  async loadPublished(now = new Date()): Promise<PublishedKeys> {
    const keys = await new SigningKeyRepository(this.em.fork()).published(now);
    return {
      fingerprint: keys.map((key) => key.kid).join(','),
      jwks: keys.map((key) => ({ ...(JSON.parse(decrypt(this.encryptionKey, key.encryptedJwk, key.kid)) as JWK), kid: key.kid, alg: key.alg, use: 'sig' })),
    };
  }

  /** Removes retired keys whose overlap has ended. */
  purgeExpired(now = new Date()): Promise<number> {
    return new SigningKeyRepository(this.em.fork()).deleteExpired(now);
  }

  private async createKey(em: EntityManager, alg: SigningAlgorithm, activatesAt: Date): Promise<SigningKey> {
    // BSI TR-02102-1 asks for RSA moduli of at least 3000 bits.
    const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 3072 } : {}) });
    const kid = randomUUID();
    const jwk = await exportJWK(privateKey);
    const key = em.create(SigningKey, {
      kid,
      alg,
      encryptedJwk: encrypt(this.encryptionKey, JSON.stringify(jwk), kid),
      createdAt: new Date(),
      activatesAt,
    });
    await em.flush();
    return key;
  }
}
