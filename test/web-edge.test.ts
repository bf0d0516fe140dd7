import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loadConfig } from '../config/index.ts';
import { AuditEvent } from '../src/audit/audit-event.entity.ts';
import { startKontor, type RunningKontor } from '../src/server.ts';
import { configFile } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { cookiesFrom, csrfTokenIn, rawRequest } from './helpers/raw-http.ts';

const FOREIGN = 'evil.example';

describe('requests for a host other than the issuer', () => {
  let kontor: TestKontor;
  let issuerHost: string;
  beforeAll(async () => {
    kontor = await startTestKontor('embedded');
    issuerHost = new URL(kontor.url).host;
  });
  afterAll(() => kontor?.stop());

  it('answers a foreign Host with 421 and builds nothing from it', async () => {
    for (const [method, path] of [
      ['GET', '/.well-known/openid-configuration'],
      ['GET', '/jwks'],
      ['GET', '/auth?client_id=x'],
      ['POST', '/token'],
      ['GET', '/interaction/abc'],
      ['GET', '/password/forgot'],
      ['GET', '/session/end'],
    ]) {
      const response = await rawRequest(kontor.server, path!, { method, headers: { host: FOREIGN } });
      expect([method, path, response.status]).toEqual([method, path, 421]);
      expect(response.headers.get('location')).toBeNull();
      expect(response.body).not.toContain(FOREIGN);
      expect(response.headers.getSetCookie()).toEqual([]);
    }
  });

  it('still answers health and readiness probes whatever the Host', async () => {
    for (const path of ['/healthz', '/readyz']) {
      expect((await rawRequest(kontor.server, path, { headers: { host: FOREIGN } })).status).toBe(200);
    }
  });

  it('builds every discovery URL from the issuer and lets shared caches keep discovery and JWKS briefly', async () => {
    const discovery = await rawRequest(kontor.server, '/.well-known/openid-configuration', { headers: { host: issuerHost } });
    expect(discovery.status).toBe(200);
    const urls = Object.values(JSON.parse(discovery.body) as Record<string, unknown>).filter(
      (value): value is string => typeof value === 'string' && value.startsWith('http'),
    );
    expect(urls.length).toBeGreaterThan(5);
    for (const url of urls) expect(url.startsWith(kontor.url)).toBe(true);
    expect(discovery.headers.get('cache-control')).toBe('public, max-age=3600');

    const jwks = await rawRequest(kontor.server, '/jwks', { headers: { host: issuerHost } });
    expect(jwks.status).toBe(200);
    const maxAge = Number(/^public, max-age=(\d+)$/.exec(jwks.headers.get('cache-control') ?? '')?.[1]);
    // Below one key reload period: a cached copy expires before a pre-announced key starts signing.
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThan(kontor.config.keys.reloadSeconds);
  });
});

describe('behind a trusted proxy', () => {
  let kontor: TestKontor;
  let issuerHost: string;
  beforeAll(async () => {
    kontor = await startTestKontor('postgres', {
      KONTOR_TRUST_PROXY: 'true',
      KONTOR_CONFIG_FILE: configFile({ rateLimits: { resetPerIp: { limit: 2, windowSeconds: 600 } } }),
    });
    issuerHost = new URL(kontor.url).host;
  });
  afterAll(() => kontor?.stop());

  it('answers a foreign X-Forwarded-Host with 421', async () => {
    const response = await rawRequest(kontor.server, '/.well-known/openid-configuration', { headers: { host: issuerHost, 'x-forwarded-host': FOREIGN } });
    expect(response.status).toBe(421);
    expect(response.body).not.toContain(FOREIGN);
  });

  it('counts and audits the address the proxy saw, not the leftmost X-Forwarded-For entry the client wrote', async () => {
    const proxySaw = '203.0.113.9';
    const forgot = async (forged: string) => {
      const headers = { host: issuerHost, 'x-forwarded-for': `${forged}, ${proxySaw}` };
      const page = await rawRequest(kontor.server, '/password/forgot', { headers });
      return rawRequest(kontor.server, '/password/forgot', {
        method: 'POST',
        headers: { ...headers, cookie: cookiesFrom(page) },
        form: { csrf_token: csrfTokenIn(page.body), identifier: 'niemand@example.org' },
      });
    };
    expect((await forgot('198.51.100.1')).status).toBe(200);
    expect((await forgot('198.51.100.2')).status).toBe(200);
    expect((await forgot('198.51.100.3')).status).toBe(429);

    const events = await kontor.container.db.orm.em.fork().find(AuditEvent, { type: 'password.reset_requested' });
    expect(events.map((event) => event.ip)).toEqual([proxySaw, proxySaw]);
  });
});

describe('an https issuer reached over plain http', () => {
  const lines: string[] = [];
  let running: RunningKontor;
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const config = loadConfig({
      KONTOR_ENV: 'development',
      KONTOR_DEV_FEATURES: 'false',
      KONTOR_SECRET: 'web-edge-secret-0123456789-abcdefghijklmnop',
      KONTOR_HOST: '127.0.0.1',
      PORT: '0',
      KONTOR_EMBEDDED_DB_DIR: 'memory://',
      KONTOR_ISSUER: 'https://id.example.test',
      KONTOR_TRUST_PROXY: 'true',
    });
    running = await startKontor(config, pino({ level: 'info' }, sink));
  });
  afterAll(() => running?.close());

  it('refuses a request without X-Forwarded-Proto: https with 400 and one log line without a stack', async () => {
    lines.length = 0;
    const response = await rawRequest(running.server, '/interaction/abc', { headers: { host: 'id.example.test' } });
    expect(response.status).toBe(400);
    expect(response.headers.getSetCookie()).toEqual([]);
    const post = await rawRequest(running.server, '/token', {
      method: 'POST',
      headers: { host: 'id.example.test' },
      form: { grant_type: 'client_credentials' },
    });
    expect(post.status).toBe(400);

    const records = lines.map((line) => JSON.parse(line) as { level: number; msg: string; err?: unknown; stack?: unknown });
    const refusals = records.filter((record) => record.msg.includes('X-Forwarded-Proto'));
    expect(refusals).toHaveLength(2); // one line per refused request
    for (const record of records) {
      expect(record.level).toBeLessThan(50); // nothing logged as an error
      expect(JSON.stringify(record)).not.toContain('    at '); // no stack trace
    }
  });

  it('serves the same request once the proxy says https, and pins the host there too', async () => {
    const proxied = { host: 'id.example.test', 'x-forwarded-proto': 'https' };
    const discovery = await rawRequest(running.server, '/.well-known/openid-configuration', { headers: proxied });
    expect(discovery.status).toBe(200);
    expect(JSON.parse(discovery.body).token_endpoint).toBe('https://id.example.test/token');
    expect((await rawRequest(running.server, '/.well-known/openid-configuration', { headers: { ...proxied, host: FOREIGN } })).status).toBe(421);
    expect((await rawRequest(running.server, '/readyz', { headers: { host: 'instance-7' } })).status).toBe(200); // a load balancer's probe over plain http
  });
});
