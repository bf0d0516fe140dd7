import type { EntityManager } from '@mikro-orm/sql';
import type { Clock } from '../shared/clock.ts';
import { deriveKey } from '../shared/crypto.ts';
import { CredentialRepository } from './credential.repository.ts';
import { newRecoveryCode, normalizeRecoveryCode, RECOVERY_CODE_COUNT, recoveryCodeHash } from './recovery-codes.ts';

/**
 * Recovery codes: the way in when the app or the mailbox is lost. Each is a credential row holding only
 * its HMAC; the clear codes exist once, in the answer to {@link replace}.
 */
export class RecoveryCodes {
  private readonly key: Buffer;
  private readonly clock: Clock;

  constructor(secret: string, clock: Clock) {
    this.key = deriveKey(secret, 'recovery-codes');
    this.clock = clock;
  }

  /** Ten new codes in the caller's transaction; the old ones, spent or not, stop working. */
  async replace(em: EntityManager, accountId: string): Promise<string[]> {
    const repository = new CredentialRepository(em);
    await repository.deleteOfType(accountId, 'recovery_code');
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    for (const code of codes) {
      repository.create(accountId, 'recovery_code', { secretHash: recoveryCodeHash(this.key, accountId, normalizeRecoveryCode(code)!) });
    }
    await em.flush();
    return codes;
  }

  /** Spends a code (entered with or without dash and spaces, any case): true exactly once per code. */
  async spend(em: EntityManager, accountId: string, entered: string): Promise<boolean> {
    const canonical = normalizeRecoveryCode(entered);
    if (!canonical) return false;
    return new CredentialRepository(em).spendRecoveryCode(accountId, recoveryCodeHash(this.key, accountId, canonical), this.clock.now());
  }
}
