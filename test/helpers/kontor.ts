import { loadConfig, type LoadedConfig } from '../../config/index.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { startKontor, type RunningKontor } from '../../src/server.ts';
import { TestClock } from '../../src/shared/clock.ts';
import { createTestDatabase } from './test-database.ts';

export { createTestDatabase, TEST_PG_URL, type TestDatabase } from './test-database.ts';

export type Backend = 'postgres' | 'embedded';

export interface TestKontor extends RunningKontor {
  config: LoadedConfig;
  /** The time Kontor's services judge expiry by: `clock.advance(seconds)` instead of rewriting rows or sleeping. */
  clock: TestClock;
  stop(): Promise<void>;
}

/**
 * Starts a real Kontor on a loopback port: on a fresh PostgreSQL database of its own (dropped at stop),
 * or on an in-memory embedded PGlite. Migrations run exactly as on `npm start` (on PostgreSQL the database is a
 * copy of the run's migrated template, so none are pending).
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
  const clock = new TestClock();
  const kontor = await startKontor(config, createLogger(config.logLevel), { issuerFromPort: !env.KONTOR_ISSUER, clock }).catch(async (error: unknown) => {
    await database?.drop();
    throw error;
  });
  return {
    ...kontor,
    config: kontor.container.config,
    clock,
    async stop() {
      await kontor.close();
      await database?.drop();
    },
  };
}
