import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import * as oidc from 'openid-client';
import { loadConfig } from '../config/index.ts';
import { purge, startKontor } from '../src/server.ts';
import { OidcPayload } from '../src/oidc/oidc-payload.entity.ts';
import { createLogger } from '../src/shared/logger.ts';
import { pino } from 'pino';
import { configFile } from './helpers/config-file.ts';
import { createTestDatabase, startTestKontor } from './helpers/kontor.ts';
import { BrowserAgent, authorizationRequest, createUser, discover, loginAndConsent, registerClient } from './helpers/relying-party.ts';
import type { TestKontor } from './helpers/kontor.ts';

describe('operations', () => {
  it('reports health and readiness, and logs requests without passwords, codes or tokens', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const database = await createTestDatabase();
    const config = loadConfig({
      DATABASE_URL: database.url,
      KONTOR_SECRET: 'ops-test-secret-0123456789-abcdefghijklmn',
      KONTOR_DEV_FEATURES: 'false',
      PORT: '0',
      KONTOR_HOST: '127.0.0.1',
    });
    const running = await startKontor(config, pino({ level: 'debug' }, sink), { issuerFromPort: true });
    const kontor = { ...running, config: running.container.config, stop: running.close } as TestKontor;
    try {
      expect(await (await fetch(`${kontor.url}/healthz`)).json()).toEqual({ status: 'ok' });
      expect(await (await fetch(`${kontor.url}/readyz`)).json()).toEqual({ status: 'ready' });

      const user = await createUser(kontor, { password: 'Geheimes-Passwort-Nicht-Loggen-7' });
      const client = await registerClient(kontor);
      const config2 = await discover(kontor, client.clientId, client.clientSecret);
      const request = await authorizationRequest(config2);
      const callback = await loginAndConsent(new BrowserAgent(kontor.url), request, user);
      const tokens = await oidc.authorizationCodeGrant(config2, callback, {
        pkceCodeVerifier: request.codeVerifier,
        expectedState: request.state,
        expectedNonce: request.nonce,
      });
      await oidc.fetchUserInfo(config2, tokens.access_token, oidc.skipSubjectCheck);

      const log = lines.join('');
      expect(log).toContain('"msg":"login succeeded"');
      for (const secret of [
        user.password,
        callback.searchParams.get('code')!,
        tokens.access_token,
        tokens.id_token!,
        client.clientSecret!,
        request.codeVerifier,
      ]) {
        expect(log).not.toContain(secret);
      }
      for (const line of lines) expect(() => JSON.parse(line)).not.toThrow(); // structured JSON only

      // Readiness follows the database: take it away under the running server.
      await database.drop();
      expect((await fetch(`${kontor.url}/readyz`)).status).toBe(503);
      expect((await fetch(`${kontor.url}/healthz`)).status).toBe(200);
    } finally {
      // close(), not just the server and the database: it also stops the purge and key-reload timers, which
      // would otherwise fire after the test has ended (against a closed database).
      await running.close();
      await database.drop();
    }
  });

  it('purges protocol artifacts whose lifetime has ended and keeps the rest', async () => {
    const kontor = await startTestKontor('embedded');
    try {
      const em = kontor.container.db.orm.em.fork();
      em.create(OidcPayload, { kind: 'AccessToken', id: 'expired', payload: {}, expiresAt: new Date(Date.now() - 1000) });
      em.create(OidcPayload, { kind: 'AccessToken', id: 'current', payload: {}, expiresAt: new Date(Date.now() + 60_000) });
      await em.flush();
      await purge(kontor.container, createLogger('silent'));
      const left = await kontor.container.db.orm.em.fork().find(OidcPayload, { kind: 'AccessToken' });
      expect(left.map((row) => row.id)).toEqual(['current']);
    } finally {
      await kontor.stop();
    }
  });

  it('shuts down gracefully on SIGTERM', async () => {
    const database = await createTestDatabase();
    const child = spawn(process.execPath, ['src/main.ts'], {
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: database.url,
        PORT: '0',
        KONTOR_HOST: '127.0.0.1',
        KONTOR_DEV_FEATURES: 'false',
        KONTOR_SECRET: 'sigterm-test-secret-0123456789-abcdefghijk',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`did not start:\n${output}`)), 30_000);
        child.stdout.on('data', () => {
          if (output.includes('Kontor is listening')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toContain('"msg":"shutting down"');
    } finally {
      child.kill('SIGKILL');
      await database.drop();
    }
  });

  it('refuses to start in production on a database with pending migrations', async () => {
    const database = await createTestDatabase({ migrated: false });
    const config = loadConfig({
      KONTOR_ENV: 'production',
      KONTOR_ISSUER: 'https://id.example.org',
      KONTOR_TRUST_PROXY: 'true',
      KONTOR_SECRET: 'p'.repeat(40),
      DATABASE_URL: database.url,
      SMTP_URL: 'smtp://127.0.0.1:9',
      PORT: '0',
      KONTOR_HOST: '127.0.0.1',
      KONTOR_CONFIG_FILE: configFile({ operator: { links: { privacy: { de: 'https://id.example.org/datenschutz' } } } }),
    });
    await expect(startKontor(config, createLogger('silent'))).rejects.toThrow(/npm run db:migrate/);
    await database.drop();
  });
});
