import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { EntityManager } from '@mikro-orm/sql';
import { OidcPayload } from './oidc-payload.entity.ts';

/**
 * oidc-provider's storage contract on the `oidc_payload` table. Each call works on a fresh fork of the
 * entity manager: the provider calls us outside our request context and in parallel.
 */
export class MikroOrmAdapter implements Adapter {
  private readonly em: EntityManager;
  private readonly kind: string;

  constructor(em: EntityManager, kind: string) {
    this.em = em;
    this.kind = kind;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const row = {
      kind: this.kind,
      id,
      payload: payload as Record<string, unknown>,
      grantId: payload.grantId ?? null,
      userCode: payload.userCode ?? null,
      uid: payload.uid ?? null,
      expiresAt: expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
      consumedAt: null,
    };
    await this.em.fork().upsert(OidcPayload, row, { onConflictFields: ['kind', 'id'], onConflictAction: 'merge' });
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return this.findOne({ id });
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findOne({ uid });
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findOne({ userCode });
  }

  async consume(id: string): Promise<void> {
    await this.em.fork().nativeUpdate(OidcPayload, { kind: this.kind, id }, { consumedAt: new Date() });
  }

  async destroy(id: string): Promise<void> {
    await this.em.fork().nativeDelete(OidcPayload, { kind: this.kind, id });
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.em.fork().nativeDelete(OidcPayload, { kind: this.kind, grantId });
  }

  private async findOne(where: { id?: string; uid?: string; userCode?: string }): Promise<AdapterPayload | undefined> {
    const row = await this.em.fork().findOne(OidcPayload, { kind: this.kind, ...where }, { disableIdentityMap: true });
    if (!row || (row.expiresAt && row.expiresAt.getTime() <= Date.now())) return undefined;
    return { ...(row.payload as AdapterPayload), ...(row.consumedAt ? { consumed: Math.floor(row.consumedAt.getTime() / 1000) } : {}) };
  }
}

/** Deletes artifacts whose lifetime has ended; the provider never reads them again. */
export async function purgeExpiredPayloads(em: EntityManager, now = new Date()): Promise<number> {
  return em.fork().nativeDelete(OidcPayload, { expiresAt: { $lte: now } });
}
