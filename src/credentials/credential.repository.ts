import type { EntityManager } from '@mikro-orm/sql';
import { loginFilter } from '../accounts/index.ts';
import { Credential, type CredentialType } from './credential.entity.ts';

/** What the account area and the login need to know about one credential, never its secret. */
export interface CredentialSummary {
  id: string;
  type: CredentialType;
  confirmed: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** Every query on the `credential` table; the services above decide, this only reads and writes. */
export class CredentialRepository {
  private readonly em: EntityManager;
  constructor(em: EntityManager) {
    this.em = em;
  }

  /** The password of the account a login name belongs to, with the account, in one query (joined). */
  passwordForLogin(identifier: string): Promise<Credential | null> {
    return this.em.findOne(Credential, { type: 'password', account: loginFilter(identifier) }, { populate: ['account'], strategy: 'joined' });
  }

  /** The federated credential with this issuer + subject identifier, with its account's id. */
  federated(identifier: string): Promise<Credential | null> {
    return this.em.findOne(Credential, { type: 'federated', identifier });
  }

  passwordOf(accountId: string): Promise<Credential | null> {
    return this.em.findOne(Credential, { type: 'password', account: accountId });
  }

  /** Sets or replaces the password hash; flushed with the caller's transaction. */
  async storePassword(accountId: string, hash: string): Promise<void> {
    const existing = await this.passwordOf(accountId);
    if (existing) existing.secretHash = hash;
    else this.create(accountId, 'password', { secretHash: hash });
  }

  /** A new credential row in the unit of work; `id` is given when the secret is bound to it (encryption context). */
  create(
    accountId: string,
    type: CredentialType,
    fields: Partial<Pick<Credential, 'id' | 'secretHash' | 'secretEncrypted' | 'identifier' | 'confirmedAt'>> = {},
  ): Credential {
    const now = new Date();
    return this.em.create(Credential, {
      ...(fields.id ? { id: fields.id } : {}),
      account: accountId,
      type,
      secretHash: fields.secretHash ?? null,
      secretEncrypted: fields.secretEncrypted ?? null,
      identifier: fields.identifier ?? null,
      lastUsedStep: null,
      confirmedAt: fields.confirmedAt ?? null,
      createdAt: now,
      updatedAt: now,
      lastUsedAt: null,
    });
  }

  /** The account's credentials without secrets, oldest first. */
  async summariesOf(accountId: string): Promise<CredentialSummary[]> {
    const rows = await this.em.find(
      Credential,
      { account: accountId },
      { fields: ['id', 'type', 'confirmedAt', 'createdAt', 'lastUsedAt'], orderBy: { createdAt: 'asc' } },
    );
    return rows.map((row) => ({
      id: row.id,
      type: row.type,
      confirmed: row.type !== 'totp' || row.confirmedAt !== null,
      createdAt: row.createdAt,
      lastUsedAt: row.lastUsedAt ?? null,
    }));
  }

  /** The account's TOTP app: the confirmed one, or the enrolment waiting for its first code. */
  totpOf(accountId: string, state: 'confirmed' | 'pending'): Promise<Credential | null> {
    return this.em.findOne(Credential, { account: accountId, type: 'totp', confirmedAt: state === 'confirmed' ? { $ne: null } : null });
  }

  /**
   * Accepts a TOTP time step for this credential if it is newer than every step accepted before (RFC 6238
   * §5.2: a code is valid once). One statement, so of two concurrent uses of a code exactly one passes.
   * `confirm` also ends a pending enrolment. True when the step was accepted.
   */
  async acceptTotpStep(credentialId: string, step: number, now: Date, confirm: boolean): Promise<boolean> {
    const rows = await this.em.execute<Array<{ id: string }>>(
      `update credential set last_used_step = ?, last_used_at = ?, updated_at = ?${confirm ? ', confirmed_at = ?' : ''}
       where id = ? and type = 'totp' and confirmed_at is ${confirm ? '' : 'not '}null and (last_used_step is null or last_used_step < ?)
       returning id`,
      [step, now, now, ...(confirm ? [now] : []), credentialId, step],
      'all',
    );
    return rows.length === 1;
  }

  /** Deletes the account's credentials of a type (optionally only the pending or the confirmed TOTP). */
  async deleteOfType(accountId: string, type: CredentialType, totpState?: 'confirmed' | 'pending'): Promise<number> {
    const confirmed = totpState === undefined ? {} : { confirmedAt: totpState === 'confirmed' ? { $ne: null } : null };
    return this.em.nativeDelete(Credential, { account: accountId, type, ...confirmed });
  }

  /** Deletes TOTP enrolments begun before `before` and never confirmed (abandoned at the QR code). */
  purgePendingTotp(before: Date): Promise<number> {
    return this.em.nativeDelete(Credential, { type: 'totp', confirmedAt: null, createdAt: { $lt: before } });
  }

  async deleteById(accountId: string, credentialId: string): Promise<number> {
    return this.em.nativeDelete(Credential, { account: accountId, id: credentialId });
  }

  /** Recovery codes not spent yet. */
  recoveryCodesLeft(accountId: string): Promise<number> {
    return this.em.count(Credential, { account: accountId, type: 'recovery_code', lastUsedAt: null });
  }

  /** Spends a recovery code in one statement: true only for the one caller that found it unspent. */
  async spendRecoveryCode(accountId: string, hash: string, now: Date): Promise<boolean> {
    const rows = await this.em.execute<Array<{ id: string }>>(
      `update credential set last_used_at = ?, updated_at = ? where account_id = ? and type = 'recovery_code' and secret_hash = ? and last_used_at is null returning id`,
      [now, now, accountId, hash],
      'all',
    );
    return rows.length === 1;
  }
}
