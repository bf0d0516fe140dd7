import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig, type LoadedConfig } from '../../config/index.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { startKontor, type RunningKontor } from '../../src/server.ts';

export type Backend = 'postgres' | 'embedded';

/** The PostgreSQL server tests use (CI: 127.0.0.1:5432, trust auth). */
export const TEST_PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestKontor extends RunningKontor {
  config: LoadedConfig;
  stop(): Promise<void>;
}

/**
 * Starts a real Kontor on a loopback port: on a fresh PostgreSQL database of its own (dropped at stop),
 * or on an in-memory embedded PGlite. Migrations run exactly as on `npm start`.
 */
export async function startTestKontor(backend: Backend, env: Record<string, string> = {}): Promise<TestKontor> {
  const database = backend === 'postgres' && !env.DATABASE_URL ? await createTestDatabase() : undefined;
  const config = loadConfig({
    KONTOR_ENV: 'development',
    KONTOR_DEV_FEATURES: 'false',
    KONTOR_SECRET: 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz',
    KONTOR_LOG_LEVEL: process.env.KONTOR_TEST_LOG_LEVEL ?? 'silent',
    KONTOR_HOST: '127.0.0.1',
    PORT: '0',
    // The tests' JWKS and back-channel endpoints listen on loopback.
    KONTOR_ALLOW_PRIVATE_NETWORK_FETCH: 'true',
    ...(database ? { DATABASE_URL: database.url } : { KONTOR_EMBEDDED_DB_DIR: 'memory://' }),
    ...env,
  });
  const kontor = await startKontor(config, createLogger(config.logLevel), { issuerFromPort: !env.KONTOR_ISSUER }).catch(async (error: unknown) => {
    await database?.drop();
    throw error;
  });
  return {
    ...kontor,
    config: kontor.container.config,
    async stop() {
      await kontor.close();
      await database?.drop();
    },
  };
}

export async function createTestDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `kontor_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database "${name}"`);
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return { url: url.href, name, drop: () => adminQuery(`drop database if exists "${name}" with (force)`) };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
