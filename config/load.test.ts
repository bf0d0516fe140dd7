import { ConfigError, DEVELOPMENT_SECRET, loadConfig } from './load.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A config file naming the operator's privacy statement, which the default privacy consent links. */
function privacyFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'kontor-config-')), 'kontor.json');
  writeFileSync(file, JSON.stringify({ operator: { links: { privacy: { de: 'https://stadt.example/datenschutz' } } } }));
  return file;
}

/** A production environment that passes every safety check except the consent text (see privacyFile). */
const PRODUCTION = {
  KONTOR_ENV: 'production',
  KONTOR_ISSUER: 'https://id.example.org',
  KONTOR_TRUST_PROXY: 'true',
  KONTOR_SECRET: 'x'.repeat(40),
  DATABASE_URL: 'postgres://db/kontor',
  SMTP_URL: 'smtp://mail.example.org:25',
};

describe('configuration', () => {
  it('starts in development with defaults: embedded database, port 3000, localhost issuer', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ env: 'development', port: 3000, issuer: 'http://localhost:3000', devFeatures: true, secret: DEVELOPMENT_SECRET });
    expect(config.database.url).toBeUndefined();
    expect(config.session.maxHours).toBe(12);
    expect(config.demoPortal.url).toBe('http://localhost:3001');
    expect(loadConfig({ KONTOR_DEMO_PORT: '4001' }).demoPortal.url).toBe('http://localhost:4001');
  });

  it('takes the operator name from KONTOR_OPERATOR_NAME and refuses operator links that are not http(s)', () => {
    expect(loadConfig({ KONTOR_OPERATOR_NAME: 'Servicekonto Musterland' }).operator.name).toBe('Servicekonto Musterland');
    const file = join(mkdtempSync(join(tmpdir(), 'kontor-config-')), 'kontor.json');
    writeFileSync(file, JSON.stringify({ operator: { links: { imprint: { de: 'javascript:alert(1)' } }, contact: { url: 'data:text/html,x' } } }));
    const refusal = () => loadConfig({ KONTOR_CONFIG_FILE: file });
    expect(refusal).toThrow(/operator\.links\.imprint\.de: must be an http\(s\) URL/);
    expect(refusal).toThrow(/operator\.contact\.url: must be an http\(s\) URL/);
  });

  it('refuses insecure production settings and lists every problem at once', () => {
    let error: unknown;
    try {
      loadConfig({ KONTOR_ENV: 'production', KONTOR_ISSUER: 'http://id.example.org', KONTOR_DEV_FEATURES: 'true' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(6);
    expect(problems.join('\n')).toMatch(/consent "privacy" is required but has no url/);
    expect(problems.join('\n')).toMatch(/SMTP_URL is required/);
    expect(problems.join('\n')).toMatch(/DATABASE_URL is required/);
    expect(problems.join('\n')).toMatch(/KONTOR_SECRET is required/);
    expect(problems.join('\n')).toMatch(/KONTOR_ISSUER must use https/);
    expect(problems.join('\n')).toMatch(/KONTOR_DEV_FEATURES must be off/);
  });

  it('accepts a secure production configuration', () => {
    const config = loadConfig({ ...PRODUCTION, KONTOR_CONFIG_FILE: privacyFile() });
    expect(config).toMatchObject({ env: 'production', devFeatures: false, issuer: 'https://id.example.org' });
    // The default privacy consent links the operator's privacy statement.
    expect(config.registration.consents[0]).toMatchObject({ id: 'privacy', url: 'https://stadt.example/datenschutz' });
  });

  it('refuses, in production, a required consent whose text cannot be opened', () => {
    const production = PRODUCTION;
    expect(() => loadConfig(production)).toThrow(
      /registration consent "privacy" is required but has no url: set registration.consents\[\].url or operator.links.privacy/,
    );
    expect(() => loadConfig({ ...production, KONTOR_CONFIG_FILE: privacyFile() })).not.toThrow();
    // Development keeps working without one (the demo has no privacy statement).
    expect(() => loadConfig({})).not.toThrow();
  });

  it('needs the proxy setting for an https issuer, since Kontor itself speaks plain HTTP', () => {
    expect(() =>
      loadConfig({ KONTOR_ENV: 'production', KONTOR_ISSUER: 'https://id.example.org', KONTOR_SECRET: 'x'.repeat(40), DATABASE_URL: 'postgres://db/kontor' }),
    ).toThrow(/KONTOR_TRUST_PROXY=true/);
  });

  it('reports schema problems and safety problems in one run', () => {
    expect(() => loadConfig({ KONTOR_ENV: 'production', PORT: 'abc' })).toThrow(/port[\s\S]*KONTOR_SECRET is required/);
  });

  it('refuses an issuer with a trailing slash or a query, and a blank secret', () => {
    expect(() => loadConfig({ KONTOR_ISSUER: 'http://localhost:3000/' })).toThrow(/trailing slash/);
    expect(() => loadConfig({ KONTOR_ISSUER: 'http://localhost:3000?x=1' })).toThrow(/no query/);
    expect(() =>
      loadConfig({
        KONTOR_ENV: 'production',
        KONTOR_ISSUER: 'https://id.example.org',
        KONTOR_TRUST_PROXY: 'true',
        KONTOR_SECRET: ' '.repeat(40),
        DATABASE_URL: 'postgres://db/k',
      }),
    ).toThrow(/at least 32/);
  });

  it('refuses development conveniences on a public issuer even outside production', () => {
    expect(() => loadConfig({ KONTOR_ISSUER: 'https://id.example.org' })).toThrow(/KONTOR_DEV_FEATURES[\s\S]*KONTOR_SECRET must be set/);
  });

  it('rejects a short secret and malformed values with their names', () => {
    expect(() => loadConfig({ KONTOR_ENV: 'production', KONTOR_ISSUER: 'https://id.example.org', KONTOR_SECRET: 'short' })).toThrow(/at least 32 characters/);
    expect(() => loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x' })).toThrow(/port[\s\S]*database\.url/);
    expect(() => loadConfig({ KONTOR_ENV: 'staging' })).toThrow(/KONTOR_ENV/);
  });

  it('listens on loopback in development and on every interface in production', () => {
    // Development serves /dev/mail with live links and a demo account: not for the local network.
    expect(loadConfig({}).host).toBe('127.0.0.1');
    const production = { ...PRODUCTION, KONTOR_CONFIG_FILE: privacyFile() };
    expect(loadConfig(production).host).toBe('0.0.0.0');
    expect(loadConfig({ KONTOR_HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });

  it('trusts one proxy hop by default and validates the number of hops', () => {
    expect(loadConfig({}).trustedProxyHops).toBe(1);
    expect(loadConfig({ KONTOR_TRUSTED_PROXY_HOPS: '2' }).trustedProxyHops).toBe(2);
    for (const bad of ['0', '1.5', 'two', '11']) {
      expect(() => loadConfig({ KONTOR_TRUSTED_PROXY_HOPS: bad })).toThrow(/trustedProxyHops/);
    }
  });

  it('reads the optional config file; environment variables win over it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kontor-config-'));
    const file = join(dir, 'kontor.json');
    writeFileSync(file, JSON.stringify({ session: { maxHours: 8 }, mail: { from: 'Stadt <noreply@stadt.example>' }, port: 4000 }));
    const config = loadConfig({ KONTOR_CONFIG_FILE: file, PORT: '5000' });
    expect(config.session.maxHours).toBe(8);
    expect(config.mail.from).toBe('Stadt <noreply@stadt.example>');
    expect(config.port).toBe(5000);
    expect(() => loadConfig({ KONTOR_CONFIG_FILE: join(dir, 'missing.json') })).toThrow(/missing\.json/);
  });
});
