import type { AccountDataPart } from '../accounts/index.ts';
import type { AccountAuditEvent } from '../audit/index.ts';
import type { LedgerRow } from '../consent/index.ts';
import type { CredentialSummary } from '../credentials/index.ts';
import type { ExportedGrant, ExportedSession } from '../oidc/index.ts';
import type { RateDecision, RateRule } from '../rate-limits/index.ts';
import type { Clock } from '../shared/clock.ts';

/** The export's format version; docs/data-export.md describes each version. Raise it on any change of shape. */
export const DATA_EXPORT_SCHEMA_VERSION = 1;

/** Each domain's part, read through its index.ts: this service only assembles. */
export interface DataExportDeps {
  account: (accountId: string) => Promise<AccountDataPart | undefined>;
  credentials: (accountId: string) => Promise<CredentialSummary[]>;
  grants: (accountId: string, now: Date) => Promise<ExportedGrant[]>;
  sessions: (accountId: string, now: Date) => Promise<ExportedSession[]>;
  releases: (accountId: string) => Promise<LedgerRow[]>;
  auditEvents: (accountId: string) => Promise<AccountAuditEvent[]>;
  portalName: (clientId: string) => Promise<string | undefined>;
  /** Writes the `account.exported` event (the export's only write). */
  recordExported: (accountId: string, ip: string | null) => Promise<void>;
  /** Counts one download against the account's window (`rateLimits.exportPerAccount`). */
  hit: (scope: string, key: string, rule: RateRule) => Promise<RateDecision>;
  rule: RateRule;
  issuer: string;
  clock: Clock;
}

export type DataExportOutcome =
  | { kind: 'ok'; document: Record<string, unknown>; filename: string }
  | { kind: 'rate_limited'; retryAfterSeconds: number }
  | { kind: 'unknown_account' };

/**
 * "My data" (issue 17 item 10; GDPR Art. 15 right of access, Art. 20 portability): everything Kontor holds
 * about the person, as one JSON document in a structured, machine-readable format. Read-only apart from
 * its audit event; rate-limited per account, since it reads every table the account touches. Secrets never
 * appear: credentials as metadata only, no session or grant ids, no token hashes.
 */
export class DataExportService {
  private readonly deps: DataExportDeps;
  constructor(deps: DataExportDeps) {
    this.deps = deps;
  }

  async exportFor(accountId: string, context: { ip: string | null }): Promise<DataExportOutcome> {
    const { deps } = this;
    const decision = await deps.hit('account-export', accountId, deps.rule);
    if (!decision.allowed) return { kind: 'rate_limited', retryAfterSeconds: decision.retryAfterSeconds };
    const now = deps.clock.now();
    const part = await deps.account(accountId);
    if (!part) return { kind: 'unknown_account' };
    const [credentials, grants, sessions, releases, auditEvents] = await Promise.all([
      deps.credentials(accountId),
      deps.grants(accountId, now),
      deps.sessions(accountId, now),
      deps.releases(accountId),
      deps.auditEvents(accountId),
    ]);
    const portals = await this.portalsOf([...grants.map((g) => g.clientId), ...sessions.flatMap((s) => s.clientIds), ...releases.map((r) => r.clientId)]);
    const portal = (clientId: string) => ({ clientId, name: portals.get(clientId) ?? null });
    const document = {
      schemaVersion: DATA_EXPORT_SCHEMA_VERSION,
      generatedAt: now.toISOString(),
      issuer: deps.issuer,
      ...part,
      credentials: credentials.map((c) => ({
        type: c.type,
        confirmed: c.confirmed,
        createdAt: c.createdAt.toISOString(),
        lastUsedAt: c.lastUsedAt ? c.lastUsedAt.toISOString() : null,
      })),
      rememberedGrants: grants.map(({ clientId, ...grant }) => ({ portal: portal(clientId), ...grant })),
      releases: releases.map((r) => ({
        portal: portal(r.clientId),
        use: r.use,
        claims: r.claims.map((c) => ({ name: c.name, level: c.level })),
        purpose: r.purpose,
        releasedAt: r.releasedAt.toISOString(),
      })),
      sessions: sessions.map(({ clientIds, ...session }) => ({ ...session, portals: clientIds.map(portal) })),
      auditEvents,
    };
    await deps.recordExported(accountId, context.ip);
    return { kind: 'ok', document, filename: `kontor-daten-${now.toISOString().slice(0, 10)}.json` };
  }

  private async portalsOf(clientIds: string[]): Promise<Map<string, string | undefined>> {
    const unique = [...new Set(clientIds.filter(Boolean))];
    const names = await Promise.all(unique.map((clientId) => this.deps.portalName(clientId)));
    return new Map(unique.map((clientId, i) => [clientId, names[i]]));
  }
}
