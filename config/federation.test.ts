import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './load.ts';

// The federation settings (issue 18): validated at start with every other problem, secrets from the environment.

function file(name: string, content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'kontor-federation-')), name);
  writeFileSync(path, content);
  return path;
}

const nordland = {
  id: 'nordland',
  name: { de: 'Servicekonto Nordland' },
  issuer: 'https://id.nordland.example',
  clientId: 'kontor',
  clientAuth: { method: 'client_secret_basic', secret: 'a-secret-of-sixteen-or-more' },
  trust: { acr: { 'http://eidas.europa.eu/LoA/substantial': 'substanziell' }, ceiling: 'substanziell' },
};

const withUpstreams = (upstreams: unknown[], env: Record<string, string> = {}) =>
  loadConfig({ KONTOR_CONFIG_FILE: file('kontor.json', JSON.stringify({ federation: { upstreams } })), ...env });

const problemsOf = (run: () => unknown): string[] => {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('federation configuration', () => {
  it('has no upstreams by default', () => {
    expect(loadConfig({}).federation.upstreams).toEqual([]);
  });

  it('fills in the defaults: scopes, the standard claim mapping, enabled, sso', () => {
    const [upstream] = withUpstreams([nordland]).federation.upstreams;
    expect(upstream).toMatchObject({ scopes: ['openid', 'profile', 'email'], enabled: true, sso: true });
    expect(upstream!.claims).toMatchObject({ given_name: 'given_name', email: 'email', 'address.locality': 'address.locality' });
  });

  it('takes the client secret from KONTOR_FEDERATION_<ID>_CLIENT_SECRET', () => {
    const { clientAuth, ...withoutSecret } = nordland;
    const config = withUpstreams([{ ...withoutSecret, id: 'nord-land', clientAuth: { method: 'client_secret_basic' } }], {
      KONTOR_FEDERATION_NORD_LAND_CLIENT_SECRET: 'from-the-environment-0123',
    });
    expect(config.federation.upstreams[0]!.clientAuth).toEqual({ method: 'client_secret_basic', secret: 'from-the-environment-0123' });
    void clientAuth;
  });

  it('lists every problem at once: bad id, duplicate issuer, unknown level, no acr mapping, missing secret', () => {
    const problems = problemsOf(() =>
      withUpstreams([
        { ...nordland, id: 'Nord Land' },
        { ...nordland, id: 'zwei', trust: { acr: {}, ceiling: 'sehr hoch' } },
        { ...nordland, id: 'drei', issuer: 'https://id.drei.example', clientAuth: { method: 'client_secret_basic' } },
      ]),
    );
    expect(problems.some((problem) => problem.startsWith('federation.upstreams.0.id'))).toBe(true);
    expect(problems.some((problem) => problem.startsWith('federation.upstreams.1.issuer'))).toBe(true);
    expect(problems.some((problem) => problem.startsWith('federation.upstreams.1.trust.acr'))).toBe(true);
    expect(problems.some((problem) => problem.startsWith('federation.upstreams.1.trust.ceiling'))).toBe(true);
    expect(problems.some((problem) => problem.startsWith('federation.upstreams.2.clientAuth.secret'))).toBe(true);
  });

  it('reads a private_key_jwt key at start and refuses one it cannot read', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyFile = file('key.pem', privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const withKey = (path: string) => withUpstreams([{ ...nordland, clientAuth: { method: 'private_key_jwt', keyFile: path, alg: 'ES256' } }]);
    expect(withKey(keyFile).federation.upstreams[0]!.clientAuth).toEqual({ method: 'private_key_jwt', keyFile, alg: 'ES256' });
    expect(problemsOf(() => withKey(file('broken.pem', 'not a key')))).toEqual([expect.stringContaining('is not a readable PEM private key')]);
  });

  it('refuses a plain-http upstream in production', () => {
    const env = {
      KONTOR_ENV: 'production',
      KONTOR_ISSUER: 'https://id.example.org',
      KONTOR_TRUST_PROXY: 'true',
      KONTOR_SECRET: 'x'.repeat(40),
      DATABASE_URL: 'postgres://db/kontor',
      SMTP_URL: 'smtp://mail.example.org:25',
      KONTOR_DEV_FEATURES: 'false',
    };
    const problems = problemsOf(() =>
      loadConfig({
        ...env,
        KONTOR_CONFIG_FILE: file(
          'kontor.json',
          JSON.stringify({
            operator: { links: { privacy: { de: 'https://stadt.example/datenschutz' } } },
            federation: { upstreams: [{ ...nordland, issuer: 'http://id.nordland.example' }] },
          }),
        ),
      }),
    );
    expect(problems).toEqual(['federation upstream "nordland": issuer must use https in production (got http://id.nordland.example)']);
  });
});
