import { ConfigError, DEVELOPMENT_SECRET, loadConfig } from './load.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('configuration', () => {
  it('starts in development with defaults: embedded database, port 3000, localhost issuer', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ env: 'development', port: 3000, issuer: 'http://localhost:3000', devFeatures: true, secret: DEVELOPMENT_SECRET });
    expect(config.database.url).toBeUndefined();
    expect(config.session.idleMinutes).toBe(20);
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
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/KONTOR_SECRET is required/);
    expect(problems.join('\n')).toMatch(/KONTOR_ISSUER must use https/);
    expect(problems.join('\n')).toMatch(/KONTOR_DEV_FEATURES must be off/);
  });

  it('accepts a secure production configuration', () => {
    const config = loadConfig({ KONTOR_ENV: 'production', KONTOR_ISSUER: 'https://id.example.org', KONTOR_SECRET: 'x'.repeat(40), DATABASE_URL: 'postgres://db/kontor' });
    expect(config).toMatchObject({ env: 'production', devFeatures: false, issuer: 'https://id.example.org' });
  });

  it('rejects a short secret and malformed values with their names', () => {
    expect(() => loadConfig({ KONTOR_ENV: 'production', KONTOR_ISSUER: 'https://id.example.org', KONTOR_SECRET: 'short' })).toThrow(/at least 32 characters/);
    expect(() => loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x' })).toThrow(/port[\s\S]*database\.url/);
    expect(() => loadConfig({ KONTOR_ENV: 'staging' })).toThrow(/KONTOR_ENV/);
  });

  it('reads the optional config file; environment variables win over it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kontor-config-'));
    const file = join(dir, 'kontor.json');
    writeFileSync(file, JSON.stringify({ session: { idleMinutes: 15 }, mail: { from: 'Stadt <noreply@stadt.example>' }, port: 4000 }));
    const config = loadConfig({ KONTOR_CONFIG_FILE: file, PORT: '5000' });
    expect(config.session.idleMinutes).toBe(15);
    expect(config.mail.from).toBe('Stadt <noreply@stadt.example>');
    expect(config.port).toBe(5000);
    expect(() => loadConfig({ KONTOR_CONFIG_FILE: join(dir, 'missing.json') })).toThrow(/missing\.json/);
  });
});
