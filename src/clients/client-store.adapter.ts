import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { ClientService } from './client.service.ts';

/** oidc-provider's `Client` model storage, backed by the oidc_client table (secrets encrypted at rest). */
export class ClientStoreAdapter implements Adapter {
  private readonly clients: ClientService;
  constructor(clients: ClientService) {
    this.clients = clients;
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return (await this.clients.findMetadata(id)) as AdapterPayload | undefined;
  }

  async upsert(id: string, payload: AdapterPayload): Promise<void> {
    await this.clients.saveMetadata(id, payload as Record<string, unknown>);
  }

  async destroy(id: string): Promise<void> {
    await this.clients.remove(id);
  }

  async findByUid(): Promise<undefined> {
    return undefined;
  }
  async findByUserCode(): Promise<undefined> {
    return undefined;
  }
  async consume(): Promise<void> {}
  async revokeByGrantId(): Promise<void> {}
}
