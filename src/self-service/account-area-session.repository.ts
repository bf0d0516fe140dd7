import type { EntityManager } from '@mikro-orm/sql';
import { AccountAreaSession } from './account-area-session.entity.ts';

/** What the account area knows about one of its sessions (never the ID token in the clear). */
export interface AccountAreaSessionRow {
  id: string;
  accountId: string;
  idpSid: string;
  authTime: number;
  amr: string[];
  acr: string | null;
  idTokenEncrypted: string | null;
  lastSeenAt: Date;
  expiresAt: Date;
}

/** Every query on `account_area_session`; single statements, times passed in from the service's clock. */
export class AccountAreaSessionRepository {
  private readonly em: EntityManager;
  constructor(em: EntityManager) {
    this.em = em;
  }

  async insert(row: Omit<AccountAreaSessionRow, 'lastSeenAt'> & { now: Date }): Promise<void> {
    const em = this.em.fork();
    em.create(AccountAreaSession, {
      id: row.id,
      account: row.accountId,
      idpSid: row.idpSid,
      authTime: row.authTime,
      amr: row.amr,
      acr: row.acr,
      idTokenEncrypted: row.idTokenEncrypted,
      createdAt: row.now,
      lastSeenAt: row.now,
      expiresAt: row.expiresAt,
    });
    await em.flush();
  }

  /** The session with this id that has neither expired nor been idle since `idleSince`. */
  async findLive(id: string, now: Date, idleSince: Date): Promise<AccountAreaSessionRow | undefined> {
    const row = await this.em.fork().findOne(AccountAreaSession, { id, expiresAt: { $gt: now }, lastSeenAt: { $gt: idleSince } }, { disableIdentityMap: true });
    if (!row) return undefined;
    return {
      id: row.id,
      accountId: row.account.id,
      idpSid: row.idpSid,
      authTime: row.authTime,
      amr: row.amr,
      acr: row.acr ?? null,
      idTokenEncrypted: row.idTokenEncrypted ?? null,
      lastSeenAt: row.lastSeenAt,
      expiresAt: row.expiresAt,
    };
  }

  async touch(id: string, now: Date): Promise<void> {
    await this.em.fork().nativeUpdate(AccountAreaSession, { id }, { lastSeenAt: now });
  }

  async delete(id: string): Promise<void> {
    await this.em.fork().nativeDelete(AccountAreaSession, { id });
  }

  async deleteForAccount(accountId: string): Promise<number> {
    return this.em.fork().nativeDelete(AccountAreaSession, { account: accountId });
  }

  async purge(now: Date, idleSince: Date): Promise<number> {
    return this.em.fork().nativeDelete(AccountAreaSession, { $or: [{ expiresAt: { $lte: now } }, { lastSeenAt: { $lte: idleSince } }] });
  }
}
