import { isFresh } from './freshness.ts';

const now = 1_800_000_000;
const settings = { reauthMinutes: 5, hasSecondFactor: false };

describe('isFresh', () => {
  it('accepts a password login up to reauthMinutes old for an account without a second factor', () => {
    expect(isFresh({ authTime: now - 300, amr: ['pwd'] }, now, settings)).toBe(true);
    expect(isFresh({ authTime: now - 301, amr: ['pwd'] }, now, settings)).toBe(false);
  });

  it('follows the configured minutes', () => {
    expect(isFresh({ authTime: now - 600, amr: ['pwd'] }, now, { ...settings, reauthMinutes: 10 })).toBe(true);
    expect(isFresh({ authTime: now - 61, amr: ['pwd'] }, now, { ...settings, reauthMinutes: 1 })).toBe(false);
  });

  it('needs mfa in amr once the account has a second factor, however recent the login', () => {
    const withFactor = { ...settings, hasSecondFactor: true };
    expect(isFresh({ authTime: now - 10, amr: ['pwd'] }, now, withFactor)).toBe(false);
    expect(isFresh({ authTime: now - 10, amr: ['pwd', 'otp', 'mfa'] }, now, withFactor)).toBe(true);
    expect(isFresh({ authTime: now - 400, amr: ['pwd', 'otp', 'mfa'] }, now, withFactor)).toBe(false);
  });
});
