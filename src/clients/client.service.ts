import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/sql';
import { AppError } from '../shared/app-error.ts';
import { isLoopbackHost } from '../shared/urls.ts';
import { decrypt, deriveKey, encrypt, randomToken } from '../shared/crypto.ts';
import { OidcClient } from './client.entity.ts';
import { createClientInput, type CreateClientInput } from './client.schemas.ts';

export interface CreatedClient {
  clientId: string;
  /** Present once, at creation, for confidential clients with a shared secret. */
  clientSecret?: string;
  metadata: Record<string, unknown>;
}

export interface ClientSummary {
  clientId: string;
  name: string;
  authMethod: string;
  redirectUris: string[];
  grantTypes: string[];
  source: string;
  createdAt: Date;
}

/** Checks client metadata the way the OIDC provider will read it (supplied by the provider factory). */
export type MetadataValidator = (metadata: Record<string, unknown>) => Promise<void>;

/**
 * How long a client's metadata is served from memory. Every token and userinfo request looks the client up;
 * a change made on another instance is seen after at most this long.
 */
export const CLIENT_CACHE_MS = 5_000;

function tlsOrLoopback(uri: string): boolean {
  const url = new URL(uri);
  return url.protocol !== 'http:' || isLoopbackHost(url.hostname);
}

/** Registered OIDC clients: creation by operators, listing, and the lookup oidc-provider uses. */
export class ClientService {
  private readonly em: EntityManager;
  private readonly secretKey: Buffer;
  private readonly cache = new Map<string, { metadata: Record<string, unknown>; until: number }>();

  private readonly requireHttps: boolean;

  /** `requireHttps`: in production every client URI must use TLS, loopback addresses excepted (RFC 9700 §2.1). */
  constructor(em: EntityManager, secret: string, requireHttps = false) {
    this.em = em;
    this.secretKey = deriveKey(secret, 'client-secrets');
    this.requireHttps = requireHttps;
  }

  /** Validates the input and the resulting metadata, stores the client, returns its secret once. */
  async create(input: CreateClientInput, validate: MetadataValidator, source: OidcClient['source'] = 'cli', fixedSecret?: string): Promise<CreatedClient> {
    const parsed = createClientInput.safeParse(input);
    if (!parsed.success) {
      throw new AppError('client.invalid_input', 400, parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
    }
    const data = parsed.data;
    if (this.requireHttps) {
      const plain = [...data.redirectUris, ...data.postLogoutRedirectUris, data.jwksUri, data.backchannelLogoutUri, data.clientUri].filter((uri): uri is string => uri !== undefined && !tlsOrLoopback(uri));
      if (plain.length) throw new AppError('client.https_required', 400, plain.map((uri) => `${uri}: use https (plain http only for loopback addresses)`));
    }
    const clientId = data.clientId ?? randomUUID();
    const needsSecret = data.authMethod === 'client_secret_basic' || data.authMethod === 'client_secret_post';
    const clientSecret = needsSecret ? (fixedSecret ?? randomToken(32)) : undefined;
    const responseTypes = data.grantTypes.includes('authorization_code') ? ['code'] : [];
    const metadata: Record<string, unknown> = {
      client_id: clientId,
      client_name: data.name,
      redirect_uris: data.redirectUris,
      post_logout_redirect_uris: data.postLogoutRedirectUris,
      token_endpoint_auth_method: data.authMethod,
      grant_types: data.grantTypes,
      response_types: responseTypes,
      id_token_signed_response_alg: data.idTokenSignedResponseAlg,
      ...(data.jwksUri ? { jwks_uri: data.jwksUri } : {}),
      ...(data.clientUri ? { client_uri: data.clientUri } : {}),
      ...(data.backchannelLogoutUri ? { backchannel_logout_uri: data.backchannelLogoutUri, backchannel_logout_session_required: true } : {}),
    };
    try {
      await validate({ ...metadata, ...(clientSecret ? { client_secret: clientSecret } : {}) });
    } catch (error) {
      const err = error as { error_description?: string; message: string };
      throw new AppError('client.invalid_metadata', 400, [err.error_description ?? err.message]);
    }
    const em = this.em.fork();
    if (await em.findOne(OidcClient, { clientId })) throw new AppError('client.id_taken', 409, [`client_id ${clientId} exists`]);
    em.create(OidcClient, {
      clientId,
      name: data.name,
      metadata,
      source,
      encryptedSecret: clientSecret ? encrypt(this.secretKey, clientSecret, clientId) : null,
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    await em.flush();
    return { clientId, clientSecret, metadata };
  }

  async list(): Promise<ClientSummary[]> {
    const rows = await this.em.fork().find(OidcClient, {}, { orderBy: { createdAt: 'asc' } });
    return rows.map((row) => ({
      clientId: row.clientId,
      name: row.name,
      authMethod: String(row.metadata.token_endpoint_auth_method),
      redirectUris: (row.metadata.redirect_uris as string[] | undefined) ?? [],
      grantTypes: (row.metadata.grant_types as string[] | undefined) ?? [],
      source: row.source,
      createdAt: row.createdAt,
    }));
  }

  exists(clientId: string): Promise<boolean> {
    return this.em.fork().count(OidcClient, { clientId }).then((count) => count > 0);
  }

  /** The client's registered name (`client_name`), as people see it on pages and in mail; undefined when unknown. */
  async displayName(clientId: string | null | undefined): Promise<string | undefined> {
    if (!clientId) return undefined;
    const name = (await this.findMetadata(clientId))?.client_name;
    return typeof name === 'string' && name ? name : undefined;
  }

  /** The client's metadata as oidc-provider expects it, the secret decrypted. */
  async findMetadata(clientId: string): Promise<Record<string, unknown> | undefined> {
    if (clientId.includes('\u0000')) return undefined; // never a registered id; PostgreSQL rejects it
    const cached = this.cache.get(clientId);
    if (cached && cached.until > Date.now()) return { ...cached.metadata };
    const row = await this.em.fork().findOne(OidcClient, { clientId }, { disableIdentityMap: true });
    if (!row) {
      this.cache.delete(clientId);
      return undefined;
    }
    const metadata = { ...row.metadata, ...(row.encryptedSecret ? { client_secret: decrypt(this.secretKey, row.encryptedSecret, row.clientId) } : {}) };
    this.cache.set(clientId, { metadata, until: Date.now() + CLIENT_CACHE_MS });
    return metadata;
  }

  /** Stores metadata the provider hands us (dynamic registration and its management API). */
  async saveMetadata(clientId: string, payload: Record<string, unknown>): Promise<void> {
    const { client_secret: secret, ...metadata } = payload;
    this.cache.delete(clientId);
    const em = this.em.fork();
    const row = await em.findOne(OidcClient, { clientId });
    const encryptedSecret = typeof secret === 'string' ? encrypt(this.secretKey, secret, clientId) : null;
    if (row) {
      row.metadata = metadata;
      row.name = String(metadata.client_name ?? row.name);
      row.encryptedSecret = encryptedSecret;
    } else {
      em.create(OidcClient, { clientId, name: String(metadata.client_name ?? clientId), metadata, encryptedSecret, source: 'registration', createdAt: new Date(), updatedAt: new Date() });
    }
    await em.flush();
  }

  async remove(clientId: string): Promise<void> {
    this.cache.delete(clientId);
    await this.em.fork().nativeDelete(OidcClient, { clientId });
  }
}
