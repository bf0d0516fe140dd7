import type { EntityManager } from '@mikro-orm/sql';
import type { AuditLog } from '../audit/index.ts';
import { AppError } from '../shared/app-error.ts';
import { Credential, federatedIdentifier, type CredentialType } from './credential.entity.ts';
import { CredentialRepository, type CredentialSummary } from './credential.repository.ts';

/**
 * The credentials a login can start with. Today only the password; the eID card pseudonym, another state's
 * account and the passkey join this list when they arrive.
 */
const FIRST_FACTORS: readonly CredentialType[] = ['password', 'federated'];

/** A second factor the login asks for after the first; recovery codes only stand in for one. */
function isSecondFactor(credential: CredentialSummary): boolean {
  return (credential.type === 'totp' && credential.confirmed) || credential.type === 'email_code';
}

/** The account's credentials as a whole: listing them, and removing one without locking the person out. */
export class CredentialService {
  private readonly em: EntityManager;
  private readonly audit: AuditLog;

  constructor(em: EntityManager, audit: AuditLog) {
    this.em = em;
    this.audit = audit;
  }

  /** The account an upstream identity (issuer + subject) belongs to, if any. */
  async accountOfFederated(issuer: string, subject: string): Promise<string | undefined> {
    const row = await new CredentialRepository(this.em.fork()).federated(federatedIdentifier(issuer, subject));
    return row ? row.account.id : undefined;
  }

  /**
   * Adds an upstream identity to an account in the caller's transaction. The unique index refuses a second
   * account for the same identity (`federation.identity_taken`), so two concurrent first arrivals cannot both win.
   */
  async addFederated(tx: EntityManager, accountId: string, issuer: string, subject: string): Promise<void> {
    const repository = new CredentialRepository(tx);
    const identifier = federatedIdentifier(issuer, subject);
    if (await repository.federated(identifier)) throw new AppError('federation.identity_taken', 409);
    repository.create(accountId, 'federated', { identifier, confirmedAt: new Date() });
    await tx.flush();
  }

  /** The account's credentials without their secrets (the account area). */
  list(accountId: string): Promise<CredentialSummary[]> {
    return new CredentialRepository(this.em.fork()).summariesOf(accountId);
  }

  /**
   * Removes one credential in the caller's transaction. Refuses (`credential.last_login_method`) to remove
   * the last credential a login can start with: an account must always keep a way in. Removing the last
   * second factor also removes the recovery codes, which stand in for a factor that no longer exists.
   */
  async remove(em: EntityManager, accountId: string, credentialId: string): Promise<void> {
    const repository = new CredentialRepository(em);
    const credentials = await repository.summariesOf(accountId);
    const target = credentials.find((credential) => credential.id === credentialId);
    if (!target) throw new AppError('credential.not_found', 404);
    const others = credentials.filter((credential) => credential.id !== credentialId);
    if (FIRST_FACTORS.includes(target.type) && !others.some((credential) => FIRST_FACTORS.includes(credential.type))) {
      throw new AppError('credential.last_login_method', 409);
    }
    await repository.deleteById(accountId, credentialId);
    const recoveryCodesGo = isSecondFactor(target) && !others.some(isSecondFactor);
    if (recoveryCodesGo) await repository.deleteOfType(accountId, 'recovery_code');
    this.audit.record(em, {
      type: 'credential.removed',
      accountId,
      details: { type: target.type, ...(recoveryCodesGo ? { recoveryCodesRemoved: true } : {}) },
    });
  }

  /**
   * Account deletion's step for this domain, in the caller's transaction: every credential of every type
   * (password, TOTP, e-mail code, recovery codes and whatever later login means add to this table, such as
   * federated identities). No audit event of its own: the deletion records one for everything.
   */
  forgetAccount(tx: EntityManager, accountId: string): Promise<number> {
    return tx.nativeDelete(Credential, { account: accountId });
  }
}
