/**
 * Set-up both benchmark runners (run.ts, login.ts) and their Kontor server children share: throwaway
 * databases on the local PostgreSQL server, cleanups in reverse order, and the relying party and person
 * the scenarios log in with.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Container } from '../src/container.ts';
import { PERSON, REDIRECT_URI } from './shared.ts';

export type Cleanup = () => Promise<void>;

async function adminQuery(pgUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates a fresh database; its drop is registered in `cleanups` (and removes itself once done). */
export async function createBenchDatabase(
  pgUrl: string,
  cleanups: Set<Cleanup>,
  log: (message: string) => void,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `kontor_bench_${randomBytes(6).toString('hex')}`;
  await adminQuery(pgUrl, `create database "${name}"`);
  const url = new URL(pgUrl);
  url.pathname = `/${name}`;
  const drop = async () => {
    cleanups.delete(drop);
    await adminQuery(pgUrl, `drop database if exists "${name}" with (force)`);
  };
  cleanups.add(drop);
  log(`created database ${name}`);
  return { url: url.href, drop };
}

/** Runs every registered cleanup, last registered first: a scenario's child stops before its database is dropped. */
export async function runCleanups(cleanups: Set<Cleanup>, log: (message: string) => void): Promise<void> {
  for (const cleanup of [...cleanups].reverse()) await cleanup().catch((error: unknown) => log(`cleanup failed: ${String(error)}`));
}

/** The benchmark's client and person, made exactly as test/helpers/relying-party.ts makes them. */
export async function seedBenchRelyingParty(container: Container): Promise<{ clientId: string; clientSecret: string; password: string }> {
  const client = await container.clients.create(
    // Remembered consent: run.ts mints its codes by single sign-on on one session, as before consent every time.
    {
      name: 'Benchmark RP',
      redirectUris: [REDIRECT_URI],
      authMethod: 'client_secret_basic',
      grantTypes: ['authorization_code', 'refresh_token'],
      consent: 'remembered',
    },
    container.validateClientMetadata,
  );
  if (!client.clientSecret) throw new Error('Kontor did not return a client secret');
  const password = randomBytes(18).toString('base64url');
  await container.accounts.createVerified({ email: PERSON.email, password, givenName: PERSON.givenName, familyName: PERSON.familyName }, (em, id, pw) =>
    container.passwords.setPassword(em, id, pw),
  );
  return { clientId: client.clientId, clientSecret: client.clientSecret, password };
}
