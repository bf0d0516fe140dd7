import type Provider from 'oidc-provider';
import type { LoadedConfig } from '../config/index.ts';
import type { Database } from './db/orm.ts';
import { AccountService } from './accounts/index.ts';
import { ClientService } from './clients/index.ts';
import { PasswordHasher, PasswordService } from './credentials/index.ts';
import { createProvider, KeyService, LiveProvider, metadataValidator } from './oidc/index.ts';
import { Views } from './http/views.ts';
import type { Logger } from './shared/logger.ts';

export interface Container {
  config: LoadedConfig;
  logger: Logger;
  db: Database;
  views: Views;
  /** The provider in use now; see LiveProvider for why it can change. */
  readonly provider: Provider;
  live: LiveProvider;
  accounts: AccountService;
  clients: ClientService;
  passwords: PasswordService;
  keys: KeyService;
  validateClientMetadata: (metadata: Record<string, unknown>) => Promise<void>;
}

/**
 * How long a superseded key stays published after its successor activates: instances may sign with it for
 * up to one reload period more, and its tokens live for the longest token lifetime; plus clock skew.
 */
function keyOverlapSeconds(config: LoadedConfig): number {
  return config.keys.overlapSeconds ?? Math.max(config.tokens.idTokenSeconds, config.tokens.accessTokenSeconds) + config.keys.reloadSeconds + 300;
}

/** The composition root: builds every service once, with narrow dependencies. */
export async function createContainer(config: LoadedConfig, logger: Logger, db: Database): Promise<Container> {
  const em = db.orm.em;
  const keys = new KeyService(em, config.secret, keyOverlapSeconds(config));
  const created = await keys.ensureActiveKeys();
  if (created.length) logger.info({ kids: created }, 'generated signing keys');

  const hasher = new PasswordHasher({ memoryKiB: config.password.argon2MemoryKiB, timeCost: config.password.argon2TimeCost, parallelism: config.password.argon2Parallelism });
  await hasher.warmUp();
  const accounts = new AccountService(em);
  const clients = new ClientService(em, config.secret, config.env === 'production');
  const passwords = new PasswordService(em, hasher);
  const views = new Views();
  const live = await LiveProvider.create((jwks) => createProvider({ config, em, jwks, accounts, clients, views, logger }), keys);
  return {
    config, logger, db, views, live, accounts, clients, passwords, keys,
    get provider() {
      return live.current;
    },
    validateClientMetadata: (metadata) => metadataValidator(live.current)(metadata),
  };
}
