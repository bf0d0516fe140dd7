import type { EntityManager } from '@mikro-orm/sql';
import type { Clock } from '../shared/clock.ts';
import type { ReleaseRecorder } from './claims-composer.ts';
import { ReleaseLedgerRepository, type LedgerRow } from './release-ledger.repository.ts';

/** What the provider wiring hands over after a release; `purpose` is the client's `sk_purpose` then. */
export type Release = Parameters<ReleaseRecorder['record']>[0];

/** The releases of one service, for "Datenzugriff verwalten": newest release first. */
export interface ServiceReleases {
  clientId: string;
  releases: LedgerRow[];
}

/** How many rows the page reads at most: a year of daily logins at a handful of portals. */
const PAGE_LIMIT = 500;
/** The export's bound: more than a year of daily logins at several portals. */
const EXPORT_LIMIT = 20_000;

/**
 * The release ledger (issue 16 §4): every release of claims (ID token, userinfo, a refresh that issues an
 * ID token) writes one row with the claims' names and levels, never their values; rows are kept for
 * `ledger.retentionDays` and deleted by the purge job, judged by the injected clock.
 */
export class ReleaseLedger implements ReleaseRecorder {
  private readonly repository: ReleaseLedgerRepository;
  private readonly retentionDays: number;
  private readonly clock: Clock;

  constructor(em: EntityManager, settings: { retentionDays: number }, clock: Clock) {
    this.repository = new ReleaseLedgerRepository(em);
    this.retentionDays = settings.retentionDays;
    this.clock = clock;
  }

  /** Writes one row, or none when nothing was released (a bare `sub` is no personal data handed over). */
  async record(release: Release): Promise<void> {
    if (release.claims.length === 0) return;
    await this.repository.insert({
      accountId: release.accountId,
      clientId: release.clientId,
      use: release.use,
      claims: release.claims.map(({ name, level }) => ({ name, level })),
      purpose: release.purpose ?? null,
      releasedAt: release.at,
    });
  }

  /** The account's releases, grouped by service; services ordered by their newest release. */
  async byService(accountId: string): Promise<ServiceReleases[]> {
    const groups = new Map<string, LedgerRow[]>();
    for (const row of await this.repository.forAccount(accountId, PAGE_LIMIT)) {
      const group = groups.get(row.clientId) ?? [];
      group.push(row);
      groups.set(row.clientId, group);
    }
    return [...groups].map(([clientId, releases]) => ({ clientId, releases }));
  }

  /**
   * Every row the ledger keeps for the account, newest first ("my data", GDPR Art. 15): what left Kontor,
   * to which portal, for which use and purpose, names and levels only. Capped far above what the retention
   * period lets one person accumulate in practice, so one request stays bounded.
   */
  exportOf(accountId: string): Promise<LedgerRow[]> {
    return this.repository.forAccount(accountId, EXPORT_LIMIT);
  }

  /** Deletes rows older than the retention period; returns how many. */
  purge(): Promise<number> {
    return this.repository.deleteBefore(new Date(this.clock.now().getTime() - this.retentionDays * 86_400_000));
  }

  /**
   * Account deletion's step for this domain (issue 17 item 9), in the caller's transaction: the rows stay
   * (what left Kontor to which portal, names and levels only, never values) but name the account by the
   * deletion's pseudonym only, so no row leads back to a person; the retention purge still ends them.
   */
  forgetAccount(tx: EntityManager, accountId: string, pseudonym: string): Promise<number> {
    return this.repository.pseudonymise(tx, accountId, pseudonym);
  }
}
