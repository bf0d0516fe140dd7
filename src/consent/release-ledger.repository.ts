import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/sql';
import { ReleaseLedgerEntry, type LedgerClaim, type ReleaseUse } from './release-ledger.entity.ts';

/** A row as the ledger's readers get it (plain data, never the entity). */
export interface LedgerRow {
  id: string;
  clientId: string;
  use: ReleaseUse;
  claims: LedgerClaim[];
  purpose: string | null;
  releasedAt: Date;
}

export interface NewLedgerRow {
  accountId: string;
  clientId: string;
  use: ReleaseUse;
  claims: LedgerClaim[];
  purpose: string | null;
  releasedAt: Date;
}

/** The `release_ledger` table's queries; nothing else reads or writes it. */
export class ReleaseLedgerRepository {
  private readonly em: EntityManager;

  constructor(em: EntityManager) {
    this.em = em;
  }

  /**
   * One INSERT on the connection, no unit of work: it runs on every token and userinfo response, which
   * must not become more than one statement heavier (issue 16, docs/performance.md).
   */
  async insert(row: NewLedgerRow): Promise<void> {
    await this.em
      .getConnection()
      .execute(
        'insert into release_ledger (id, account_id, client_id, use, claims, purpose, released_at) values (?, ?, ?, ?, ?::jsonb, ?, ?::timestamptz)',
        [randomUUID(), row.accountId, row.clientId, row.use, JSON.stringify(row.claims), row.purpose, row.releasedAt.toISOString()],
        'run',
      );
  }

  /** The account's releases, newest first. */
  async forAccount(accountId: string, limit: number): Promise<LedgerRow[]> {
    const rows = await this.em.fork().find(ReleaseLedgerEntry, { accountId }, { orderBy: { releasedAt: 'desc', id: 'desc' }, limit });
    return rows.map((row) => ({
      id: row.id,
      clientId: row.clientId,
      use: row.use,
      claims: row.claims,
      purpose: row.purpose ?? null,
      releasedAt: row.releasedAt,
    }));
  }

  /** Deletes rows released before `cutoff`; returns how many. */
  deleteBefore(cutoff: Date): Promise<number> {
    return this.em.fork().nativeDelete(ReleaseLedgerEntry, { releasedAt: { $lt: cutoff } });
  }

  /** Replaces the account id of every row of an account by `pseudonym`, in the caller's transaction; returns how many. */
  pseudonymise(tx: EntityManager, accountId: string, pseudonym: string): Promise<number> {
    return tx.nativeUpdate(ReleaseLedgerEntry, { accountId }, { accountId: pseudonym });
  }
}
