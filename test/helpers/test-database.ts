import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL server tests use (CI: 127.0.0.1:5432, trust auth). */
export const TEST_PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Where test/global-setup.ts leaves the name of the run's migrated template database. */
export const TEMPLATE_ENV = 'KONTOR_TEST_TEMPLATE_DB';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/**
 * A fresh database of its own for one test. By default a copy of the run's migrated template (PostgreSQL
 * copies a small database in milliseconds; migrating costs seconds); `{ migrated: false }` gives an empty
 * one for the tests about migrating. Without a template (jest started without its globalSetup) the database
 * is empty and the development start migrates it, as before.
 */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const name = `kontor_test_${randomBytes(6).toString('hex')}`;
  const template = options.migrated === false ? undefined : process.env[TEMPLATE_ENV];
  await adminQuery(template ? `create database "${name}" template "${template}"` : `create database "${name}"`);
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return { url: url.href, name, drop: () => adminQuery(`drop database if exists "${name}" with (force)`) };
}

/** Runs one statement on the server's maintenance database (create/drop database cannot run inside one). */
export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
