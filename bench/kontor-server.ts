/**
 * Benchmark child: a real Kontor on 127.0.0.1 with one confidential client and one verified account.
 * BENCH_DATABASE_URL set: that PostgreSQL database (created and dropped by the parent); unset: embedded
 * in-memory PGlite. Prints one BENCH_READY line (see shared.ts).
 */
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../config/index.ts';
import { startKontor } from '../src/server.ts';
import { createLogger } from '../src/shared/logger.ts';
import { seedBenchRelyingParty } from './bench-setup.ts';
import { announceReady, BENCH_CODE_SECONDS, freeLoopbackPort, PERSON, REDIRECT_URI, serveStats, shutdownOn } from './shared.ts';

const databaseUrl = process.env.BENCH_DATABASE_URL;
const port = await freeLoopbackPort();
const issuer = `http://127.0.0.1:${port}`;

const loaded = loadConfig({
  KONTOR_ENV: 'development',
  KONTOR_DEV_FEATURES: 'false',
  KONTOR_SECRET: randomBytes(32).toString('base64url'),
  KONTOR_LOG_LEVEL: 'silent',
  KONTOR_HOST: '127.0.0.1',
  PORT: String(port),
  KONTOR_ISSUER: issuer,
  ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { KONTOR_EMBEDDED_DB_DIR: 'memory://' }),
});
// Codes are minted before the measured phase; give them the longest lifetime Kontor's schema allows.
const config = { ...loaded, tokens: { ...loaded.tokens, authorizationCodeSeconds: BENCH_CODE_SECONDS } };

// BENCH_KONTOR_LOG_LEVEL (e.g. error) lets Kontor log (stdout, forwarded by the parent); silent by default,
// since the request log line would be part of what is measured.
const kontor = await startKontor(config, createLogger(process.env.BENCH_KONTOR_LOG_LEVEL ?? 'silent'));
shutdownOn(() => kontor.close());

const { container } = kontor;

/**
 * Counts the statements Kontor sends to PostgreSQL: every pooled connection's `query` is wrapped once,
 * when it is first checked out. Observation only; the statements themselves are unchanged.
 */
let queryCount = 0;
if (databaseUrl) {
  interface CountedClient {
    query: (...args: unknown[]) => unknown;
  }
  const connection = container.db.orm.em.getConnection() as unknown as {
    getNativeClient(): Promise<{ on(event: 'acquire', listener: (client: CountedClient) => void): void }>;
  };
  const pool = await connection.getNativeClient();
  const counted = new WeakSet<CountedClient>();
  pool.on('acquire', (client) => {
    if (counted.has(client)) return;
    counted.add(client);
    const query = client.query.bind(client);
    client.query = (...args: unknown[]) => {
      queryCount += 1;
      return query(...args);
    };
  });
}
serveStats(() => ({ dbQueries: databaseUrl ? queryCount : null }));

const { clientId, clientSecret, password } = await seedBenchRelyingParty(container);

announceReady({
  kind: 'kontor',
  issuer: kontor.url,
  clientId,
  clientSecret,
  redirectUri: REDIRECT_URI,
  username: PERSON.email,
  password,
  pid: process.pid,
});
