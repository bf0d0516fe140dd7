import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';
import type { Migrator } from '@mikro-orm/migrations';
import type { Config } from '../../config/schema.ts';
import { ormOptions } from '../../config/mikro-orm.ts';
import { lockEmbeddedDatabase } from './embedded-lock.ts';

export type Orm = MikroORM & { em: EntityManager };

export interface Database {
  orm: Orm;
  embedded: boolean;
  close(): Promise<void>;
}

/** Opens the configured database (PostgreSQL server or embedded PGlite) and, if asked, applies migrations. */
export async function openDatabase(database: Config['database'], options: { migrate: boolean }): Promise<Database> {
  const embedded = !database.url;
  const inMemory = embedded && database.embeddedDir.startsWith('memory:');
  const unlock = embedded && !inMemory ? lockEmbeddedDatabase(database.embeddedDir) : () => {};
  try {
    const orm = (await MikroORM.init(ormOptions(database))) as Orm;
    if (options.migrate) await migrate(orm);
    return {
      orm,
      embedded,
      async close() {
        await orm.close(true);
        unlock();
      },
    };
  } catch (error) {
    unlock();
    throw error;
  }
}

/** Applies pending migrations; returns the names of those it applied. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await (orm.migrator as Migrator).up();
  return applied.map((migration) => migration.name);
}

/** Names of migrations not yet applied to this database. */
export async function pendingMigrations(orm: MikroORM): Promise<string[]> {
  return (await (orm.migrator as Migrator).getPending()).map((migration) => migration.name);
}

/** SQL that would still be needed to bring the database to the entities' shape; empty when they agree. */
export async function schemaDrift(orm: Orm): Promise<string> {
  return (await orm.schema.getUpdateSchemaSQL({ wrap: false })).trim();
}
