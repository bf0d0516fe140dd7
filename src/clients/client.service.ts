import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/sql';
import { AppError } from '../shared/app-error.ts';
import { decrypt, deriveKey, encrypt, randomToken } from '../shared/crypto.ts';
import { OidcClient } from './client.entity.ts';
import type { CreateClientInput } from './client.schemas.ts';
import { clientMetadata, organisationMetadata, parseClientInput } from './client-metadata.ts';
import { organisationTermsInput, serviceTermsOf, type OrganisationTermsInput, type ServiceTerms } from './role-catalogue.ts';

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
    const { clientId, clientSecret, metadata } = await this.prepare(input, validate, fixedSecret);
    const em = this.em.fork();
    if (await em.findOne(OidcClient, { clientId })) throw new AppError('client.id_taken', 409, [`client_id ${clientId} exists`]);
    em.create(OidcClient, {
      clientId,
      name: String(metadata.client_name),
      metadata,
      source,
      encryptedSecret: clientSecret ? encrypt(this.secretKey, clientSecret, clientId) : null,
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    await em.flush();
    return { clientId, clientSecret, metadata };
  }

  /**
   * Creates the client `input.clientId`, or rewrites an existing one to match `input` (metadata and the
   * given secret). For clients derived from configuration, such as the development seed's demo portal,
   * whose URIs follow `KONTOR_DEMO_URL`: a registration from an earlier start must not outlive a change.
   */
  async createOrUpdate(
    input: CreateClientInput & { clientId: string },
    validate: MetadataValidator,
    source: OidcClient['source'],
    secret: string,
  ): Promise<'created' | 'updated' | 'unchanged'> {
    const { clientId, metadata } = await this.prepare(input, validate, secret);
    const em = this.em.fork();
    const row = await em.findOne(OidcClient, { clientId });
    if (!row) {
      await this.create(input, validate, source, secret);
      return 'created';
    }
    const sameSecret = row.encryptedSecret !== null && decryptable(() => decrypt(this.secretKey, row.encryptedSecret!, clientId)) === secret;
    if (sameSecret && canonical(row.metadata) === canonical(metadata) && row.name === metadata.client_name) return 'unchanged';
    row.metadata = metadata;
    row.name = String(metadata.client_name);
    row.encryptedSecret = encrypt(this.secretKey, secret, clientId);
    await em.flush();
    this.cache.delete(clientId);
    return 'updated';
  }

  /** Parses the input and checks the resulting metadata the way the provider will read it. */
  private async prepare(input: CreateClientInput, validate: MetadataValidator, fixedSecret?: string): Promise<CreatedClient> {
    const data = parseClientInput(input, this.requireHttps);
    const clientId = data.clientId ?? randomUUID();
    const needsSecret = data.authMethod === 'client_secret_basic' || data.authMethod === 'client_secret_post';
    const clientSecret = needsSecret ? (fixedSecret ?? randomToken(32)) : undefined;
    const metadata = clientMetadata(clientId, data);
    try {
      await validate({ ...metadata, ...(clientSecret ? { client_secret: clientSecret } : {}) });
    } catch (error) {
      const err = error as { error_description?: string; message: string };
      throw new AppError('client.invalid_metadata', 400, [err.error_description ?? err.message]);
    }
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
    return this.em
      .fork()
      .count(OidcClient, { clientId })
      .then((count) => count > 0);
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

  /** The client's role catalogue and approval rule for organisations; undefined for an unknown client. */
  async serviceTerms(clientId: string): Promise<ServiceTerms | undefined> {
    const metadata = await this.findMetadata(clientId);
    return metadata && serviceTermsOf(metadata);
  }

  /**
   * Replaces the client's organisation terms (`client roles`): the given parts replace the stored ones, the
   * others stay. Checked like a new registration, then stored; returns the terms now in force.
   */
  async setOrganisationTerms(clientId: string, input: OrganisationTermsInput, validate: MetadataValidator): Promise<ServiceTerms> {
    const parsed = organisationTermsInput.safeParse(input);
    if (!parsed.success)
      throw new AppError(
        'client.invalid_input',
        400,
        parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
      );
    const em = this.em.fork();
    const row = await em.findOne(OidcClient, { clientId });
    if (!row) throw new AppError('client.not_found', 404, [`no client ${clientId}`]);
    const { sk_roles: roles, sk_org_approval: approval, sk_authority_email: email, ...rest } = row.metadata;
    const merged = {
      ...rest,
      ...organisationMetadata({
        roles: parsed.data.roles ?? (roles as OrganisationTermsInput['roles']),
        orgApproval: parsed.data.orgApproval ?? (approval as OrganisationTermsInput['orgApproval']),
        authorityEmail: parsed.data.authorityEmail ?? (email as string | undefined),
      }),
    };
    if (merged.sk_org_approval === 'authority' && !merged.sk_authority_email)
      throw new AppError('client.invalid_input', 400, ['authorityEmail: approval by the authority needs --authority-email (who approves)']);
    // The provider checks the metadata as a whole, the (encrypted) secret included.
    const secret = row.encryptedSecret ? { client_secret: decrypt(this.secretKey, row.encryptedSecret, clientId) } : {};
    try {
      await validate({ ...merged, ...secret });
    } catch (error) {
      const err = error as { error_description?: string; message: string };
      throw new AppError('client.invalid_metadata', 400, [err.error_description ?? err.message]);
    }
    row.metadata = merged;
    await em.flush();
    this.cache.delete(clientId);
    return serviceTermsOf(merged);
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
      em.create(OidcClient, {
        clientId,
        name: String(metadata.client_name ?? clientId),
        metadata,
        encryptedSecret,
        source: 'registration',
        createdAt: new Date(),
        updatedAt: new Date(),
      });
    }
    await em.flush();
  }

  async remove(clientId: string): Promise<void> {
    this.cache.delete(clientId);
    await this.em.fork().nativeDelete(OidcClient, { clientId });
  }
}

/** A secret stored under another KONTOR_SECRET cannot be decrypted: treated as different, and rewritten. */
function decryptable(read: () => string): string | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** JSON with object keys sorted: jsonb hands keys back in its own order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === 'object' && !Array.isArray(item) ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => a.localeCompare(b))) : item,
  );
}
