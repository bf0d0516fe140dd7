import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/sql';
import type { Clock } from '../shared/clock.ts';
import { decrypt, deriveKey, encrypt } from '../shared/crypto.ts';
import { CredentialRepository } from './credential.repository.ts';
import { qrSvg } from './qr-svg.ts';
import { newTotpSecret, totpStepOf, totpUri } from './totp.ts';

export interface TotpEnrolment {
  /** The base32 secret, for typing into an app that cannot scan. */
  secret: string;
  otpauthUri: string;
  /** The URI as inline SVG QR code (CSP-safe, see qr-svg.ts). */
  qrSvg: string;
}

export type TotpCheck = { ok: true } | { ok: false; reason: 'not_enrolled' | 'wrong_code' | 'replayed' };

/**
 * TOTP apps as credentials. The secret must be read back to compute codes, so it is encrypted (AES-256-GCM
 * under a key derived from KONTOR_SECRET) with the row id as associated data: a secret copied onto another
 * row does not decrypt.
 */
export class TotpCredentials {
  private readonly key: Buffer;
  private readonly issuer: string;
  private readonly clock: Clock;

  constructor(secret: string, issuer: string, clock: Clock) {
    this.key = deriveKey(secret, 'totp-secrets');
    this.issuer = issuer;
    this.clock = clock;
  }

  /** A pending enrolment in the caller's transaction, replacing an older pending one of the account. */
  async start(em: EntityManager, accountId: string, label: string): Promise<TotpEnrolment> {
    const repository = new CredentialRepository(em);
    await repository.deleteOfType(accountId, 'totp', 'pending');
    const secret = newTotpSecret();
    const id = randomUUID();
    repository.create(accountId, 'totp', { id, secretEncrypted: encrypt(this.key, secret, contextOf(id)) });
    await em.flush();
    const otpauthUri = totpUri(this.issuer, label, secret);
    return { secret, otpauthUri, qrSvg: qrSvg(otpauthUri) };
  }

  /** The pending enrolment as it was shown (after a wrong first code the page shows the same secret again). */
  async pending(em: EntityManager, accountId: string, label: string): Promise<TotpEnrolment | null> {
    const credential = await new CredentialRepository(em).totpOf(accountId, 'pending');
    if (!credential?.secretEncrypted) return null;
    const secret = decrypt(this.key, credential.secretEncrypted, contextOf(credential.id));
    const otpauthUri = totpUri(this.issuer, label, secret);
    return { secret, otpauthUri, qrSvg: qrSvg(otpauthUri) };
  }

  /**
   * Checks a code against the confirmed app (`login`) or the pending enrolment (`confirm`, which then
   * replaces the confirmed app, if any). The code's time step is accepted only if it is newer than the last
   * one accepted, in one statement: the same code never passes twice, not even concurrently.
   */
  async check(em: EntityManager, accountId: string, code: string, mode: 'login' | 'confirm'): Promise<TotpCheck> {
    const repository = new CredentialRepository(em);
    const credential = await repository.totpOf(accountId, mode === 'login' ? 'confirmed' : 'pending');
    if (!credential?.secretEncrypted) return { ok: false, reason: 'not_enrolled' };
    const secret = decrypt(this.key, credential.secretEncrypted, contextOf(credential.id));
    const step = await totpStepOf(secret, code, this.clock.now());
    if (step === null) return { ok: false, reason: 'wrong_code' };
    // At most one confirmed app per account (unique index): the new one takes the old one's place. The
    // delete must come first (the index is checked per statement); a concurrent confirmation of the same
    // pending row waits on its row lock and then finds it confirmed, so it deletes nothing and fails.
    if (mode === 'confirm') await repository.deleteOfType(accountId, 'totp', 'confirmed');
    const accepted = await repository.acceptTotpStep(credential.id, step, this.clock.now(), mode === 'confirm');
    return accepted ? { ok: true } : { ok: false, reason: 'replayed' };
  }
}

function contextOf(credentialId: string): string {
  return `credential:${credentialId}`;
}
