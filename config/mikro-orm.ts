import { fileURLToPath } from 'node:url';
import type { Options } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { PgliteDriver } from '@mikro-orm/pglite';
import * as accounts from '../src/accounts/index.ts';
import * as audit from '../src/audit/index.ts';
import * as clients from '../src/clients/index.ts';
import * as consent from '../src/consent/index.ts';
import * as credentials from '../src/credentials/index.ts';
import * as mail from '../src/mail/index.ts';
import * as oidc from '../src/oidc/index.ts';
import * as rateLimits from '../src/rate-limits/index.ts';
import * as selfService from '../src/self-service/index.ts';
import * as verification from '../src/verification/index.ts';
import type { Config } from './schema.ts';

/**
 * Every entity of the schema; migrations are generated from exactly this list. Each domain names its own
 * tables in its index.ts; collecting them here (not in src/db) keeps the base free of domain imports
 * (ARCHITECTURE.md: db/shared are the bottom layer). A new domain adds one line.
 */
type EntityList = NonNullable<Options['entities']>;
export const entities: EntityList = [oidc, accounts, credentials, clients, verification, mail, audit, rateLimits, consent, selfService].flatMap(
  (domain): EntityList => domain.entities,
);

const migrationsPath = fileURLToPath(new URL('../migrations', import.meta.url));

/**
 * MikroORM options for the configured database: the real PostgreSQL server when DATABASE_URL is set,
 * otherwise the embedded PGlite cluster in `database.embeddedDir` (`memory://` keeps it in memory).
 * Both use the same entities and the same migration files.
 */
export function ormOptions(database: Config['database'], debug = false): Partial<Options> {
  const common = {
    entities,
    debug,
    preferTs: true,
    // The schema comes from migrations only; never diffed or discovered at run time.
    discovery: { warnWhenNoEntities: true },
    extensions: [Migrator],
    migrations: {
      path: migrationsPath,
      pathTs: migrationsPath,
      glob: 'Migration*.ts',
      snapshotName: '.snapshot-kontor',
      snapshotOnMigrate: false,
      transactional: true,
      allOrNothing: true,
      silent: true,
    },
  } satisfies Partial<Options>;
  if (database.url) {
    return { ...common, driver: PostgreSqlDriver, clientUrl: database.url, pool: { min: 0, max: database.poolMax } } as Partial<Options>;
  }
  return { ...common, driver: PgliteDriver, dbName: database.embeddedDir } as Partial<Options>;
}
