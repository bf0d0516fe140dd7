/**
 * An unbounded in-memory storage adapter for the bare oidc-provider baseline.
 *
 * Why not oidc-provider's built-in memory adapter: it is an LRU of 1000 entries, so the thousands of codes
 * the benchmark mints before a phase would be evicted (→ invalid_grant), and it keeps one member list per
 * grant that every save of a code or token walks, which with one grant and tens of thousands of tokens
 * makes each save O(n). Neither reflects the cost of the protocol; this adapter is plain Maps with O(1)
 * operations and lazy expiry, i.e. the cheapest storage the provider can have.
 */
import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  /** Epoch milliseconds; Infinity when the provider gave no lifetime. */
  expiresAt: number;
}

interface Store {
  entries: Map<string, Entry>;
  byUid: Map<string, string>;
  byUserCode: Map<string, string>;
  /** `${model}\u0000${grantId}` → ids of that model belonging to the grant. */
  byGrant: Map<string, Set<string>>;
}

export function mapAdapterFactory(): (model: string) => Adapter {
  const store: Store = { entries: new Map(), byUid: new Map(), byUserCode: new Map(), byGrant: new Map() };
  return (model: string) => new MapAdapter(model, store);
}

class MapAdapter implements Adapter {
  private readonly model: string;
  private readonly store: Store;

  constructor(model: string, store: Store) {
    this.model = model;
    this.store = store;
  }

  private key(id: string): string {
    return `${this.model}\u0000${id}`;
  }

  private live(id: string | undefined): AdapterPayload | undefined {
    if (id === undefined) return undefined;
    const entry = this.store.entries.get(this.key(id));
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.store.entries.delete(this.key(id));
      return undefined;
    }
    return entry.payload;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity;
    this.store.entries.set(this.key(id), { payload, expiresAt });
    if (payload.uid) this.store.byUid.set(`${this.model}\u0000${payload.uid}`, id);
    if (payload.userCode) this.store.byUserCode.set(`${this.model}\u0000${payload.userCode}`, id);
    if (payload.grantId) {
      const grantKey = `${this.model}\u0000${payload.grantId}`;
      let members = this.store.byGrant.get(grantKey);
      if (!members) {
        members = new Set();
        this.store.byGrant.set(grantKey, members);
      }
      members.add(id);
    }
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.live(id);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.live(this.store.byUid.get(`${this.model}\u0000${uid}`));
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.live(this.store.byUserCode.get(`${this.model}\u0000${userCode}`));
  }

  async consume(id: string): Promise<void> {
    const entry = this.store.entries.get(this.key(id));
    if (entry) entry.payload = { ...entry.payload, consumed: Math.floor(Date.now() / 1000) };
  }

  async destroy(id: string): Promise<void> {
    this.store.entries.delete(this.key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const grantKey = `${this.model}\u0000${grantId}`;
    for (const id of this.store.byGrant.get(grantKey) ?? []) this.store.entries.delete(this.key(id));
    this.store.byGrant.delete(grantKey);
  }
}
