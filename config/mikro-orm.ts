import { fileURLToPath } from 'node:url';
import type { Options } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { PgliteDriver } from '@mikro-orm/pglite';
import { entities } from '../src/db/entities.ts';
import type { Config } from './schema.ts';

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
