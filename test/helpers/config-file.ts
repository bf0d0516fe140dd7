import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Writes a KONTOR_CONFIG_FILE with these settings (merged over the defaults) and returns its path. */
export function configFile(settings: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kontor-test-config-'));
  dirs.push(dir);
  const file = join(dir, 'kontor.json');
  writeFileSync(file, JSON.stringify(settings));
  return file;
}

const wide = { limit: 1000, windowSeconds: 3600 };

/** For suites that register, resend or reset many times from 127.0.0.1; the limits have tests of their own. */
export const ROOMY_RATE_LIMITS = {
  rateLimits: {
    loginPerIp: wide,
    registrationPerIp: wide,
    resendPerIp: wide,
    resendPerAccount: wide,
    resetPerIp: wide,
    resetPerAccount: wide,
    passwordHashPerIp: wide,
    confirmAttemptsPerLink: wide,
    emailChangePerIp: wide,
    emailChangePerAccount: wide,
    loginFailuresBeforeDelay: 100,
  },
};
