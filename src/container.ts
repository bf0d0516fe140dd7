import type Provider from 'oidc-provider';
import type { LoadedConfig } from '../config/index.ts';
import type { Database } from './db/orm.ts';
import { AccountService } from './accounts/index.ts';
import { ClientService } from './clients/index.ts';
import { PasswordHasher, PasswordService } from './credentials/index.ts';
import { createProvider, KeyService, metadataValidator } from './oidc/index.ts';
import { Views } from './http/views.ts';
import type { Logger } from './shared/logger.ts';

export interface Container {
  config: LoadedConfig;
  logger: Logger;
  db: Database;
  views: Views;
  provider: Provider;
  accounts: AccountService;
  clients: ClientService;
  passwords: PasswordService;
  keys: KeyService;
  validateClientMetadata: (metadata: Record<string, unknown>) => Promise<void>;
}

/** Longest lifetime of anything we sign, plus clock skew: how long a retired key must stay published. */
function keyOverlapSeconds(config: LoadedConfig): number {
  return config.keys.overlapSeconds ?? Math.max(config.tokens.idTokenSeconds, config.tokens.accessTokenSeconds) + 300;
}

/** The composition root: builds every service once, with narrow dependencies. */
export async function createContainer(config: LoadedConfig, logger: Logger, db: Database): Promise<Container> {
  const em = db.orm.em;
  const keys = new KeyService(em, config.secret, keyOverlapSeconds(config));
  const created = await keys.ensureActiveKeys();
  if (created.length) logger.info({ kids: created }, 'generated signing keys');
  const jwks = await keys.loadPrivateJwks();

  const hasher = new PasswordHasher({ memoryKiB: config.password.argon2MemoryKiB, timeCost: config.password.argon2TimeCost, parallelism: config.password.argon2Parallelism });
  const accounts = new AccountService(em);
  const clients = new ClientService(em, config.secret);
  const passwords = new PasswordService(em, hasher);
  const views = new Views();
  const provider = createProvider({ config, em, jwks, accounts, clients, views, logger });
  return { config, logger, db, views, provider, accounts, clients, passwords, keys, validateClientMetadata: metadataValidator(provider) };
}
