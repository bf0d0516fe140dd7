import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { EntityManager } from '@mikro-orm/sql';
import { OidcPayload } from './oidc-payload.entity.ts';
import type { ArtifactIds } from './artifact-ids.ts';

interface PayloadRow {
  id: string;
  payload: Record<string, unknown> | string;
  consumed_at: Date | string | null;
}

const FIND = {
  id: 'select id, payload, consumed_at from oidc_payload where kind = ? and id = ? and (expires_at is null or expires_at > now())',
  uid: 'select id, payload, consumed_at from oidc_payload where kind = ? and uid = ? and (expires_at is null or expires_at > now())',
  userCode: 'select id, payload, consumed_at from oidc_payload where kind = ? and user_code = ? and (expires_at is null or expires_at > now())',
} as const;

const UPSERT = `insert into oidc_payload (kind, id, payload, grant_id, user_code, uid, account_id, expires_at, consumed_at)
  values (?, ?, ?::jsonb, ?, ?, ?, ?, ?::timestamptz, null)
  on conflict (kind, id) do update set payload = excluded.payload, grant_id = excluded.grant_id,
    user_code = excluded.user_code, uid = excluded.uid, account_id = excluded.account_id,
    expires_at = excluded.expires_at, consumed_at = null`;

/**
 * PostgreSQL text and jsonb cannot hold U+0000, yet request parameters (state, login_hint, …) that end up
 * in payloads may carry it; dropping it keeps a crafted request from turning into a server error.
 */
function withoutNul(_key: string, value: unknown): unknown {
  return typeof value === 'string' && value.includes('\u0000') ? value.replaceAll('\u0000', '') : value;
}

/**
 * oidc-provider's storage contract on the `oidc_payload` table (entity OidcPayload). Every protocol
 * request runs several of these, so they are single statements on the connection: no unit of work, no
 * entity mapping (the ORM's per-query overhead was most of the token endpoint's cost, docs/performance.md).
 * Ids and user codes are stored and looked up as keyed hashes, payloads without a clear copy of the id
 * (ArtifactIds); `account_id` lets one indexed statement end everything of an account (AccountSignOut).
 */
export class MikroOrmAdapter implements Adapter {
  private readonly em: EntityManager;
  private readonly kind: string;
  private readonly ids: ArtifactIds;

  constructor(em: EntityManager, kind: string, ids: ArtifactIds) {
    this.em = em;
    this.kind = kind;
    this.ids = ids;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const expiresAt = expiresIn ? new Date(Date.now() + expiresIn * 1000).toISOString() : null;
    const storedId = this.ids.storedId(id);
    const stored = JSON.stringify(this.ids.toStored(this.kind, storedId, payload, withoutNul), withoutNul);
    const userCode = payload.userCode ? this.ids.storedId(payload.userCode) : null;
    const accountId = typeof payload.accountId === 'string' ? payload.accountId : null;
    await this.run(UPSERT, [this.kind, storedId, stored, payload.grantId ?? null, userCode, payload.uid ?? null, accountId, expiresAt], 'run');
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return this.findOne(FIND.id, this.ids.storedId(id), id);
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findOne(FIND.uid, uid);
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findOne(FIND.userCode, this.ids.storedId(userCode));
  }

  /**
   * Marks a code or refresh token used, atomically: of two requests racing with the same one, only the
   * first gets it (the provider's own check reads before it writes). The loser gets invalid_grant.
   */
  async consume(id: string): Promise<void> {
    const result = await this.run<{ affectedRows: number }>(
      'update oidc_payload set consumed_at = now() where kind = ? and id = ? and consumed_at is null',
      [this.kind, this.ids.storedId(id)],
      'run',
    );
    if (result.affectedRows === 0) throw new errors.InvalidGrant(`${this.kind} already used`);
  }

  async destroy(id: string): Promise<void> {
    await this.run('delete from oidc_payload where kind = ? and id = ?', [this.kind, this.ids.storedId(id)], 'run');
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.run('delete from oidc_payload where kind = ? and grant_id = ?', [this.kind, grantId], 'run');
  }

  /** `id`: the clear id when looking up by id, to put back as `jti`. */
  private async findOne(sql: string, key: string, id?: string): Promise<AdapterPayload | undefined> {
    if (key.includes('\u0000')) return undefined; // no stored key has one, and PostgreSQL rejects it in text
    const rows = await this.run<PayloadRow[]>(sql, [this.kind, key], 'all');
    const row = rows[0];
    if (!row) return undefined;
    const stored = typeof row.payload === 'string' ? (JSON.parse(row.payload) as Record<string, unknown>) : row.payload;
    const payload = this.ids.fromStored(this.kind, row.id, stored, id);
    return row.consumed_at ? { ...payload, consumed: Math.floor(new Date(row.consumed_at).getTime() / 1000) } : payload;
  }

  private run<T>(sql: string, params: unknown[], method: 'all' | 'run'): Promise<T> {
    return this.em.getConnection().execute<T & object>(sql, params, method) as Promise<T>;
  }
}

/** Deletes artifacts whose lifetime has ended; the provider never reads them again. */
export async function purgeExpiredPayloads(em: EntityManager, now = new Date()): Promise<number> {
  return em.fork().nativeDelete(OidcPayload, { expiresAt: { $lte: now } });
}
