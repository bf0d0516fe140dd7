import { isFresh } from './freshness.ts';

const now = 1_800_000_000;
const settings = { reauthMinutes: 5, hasSecondFactor: false, secondFactorLevel: 'substanziell' as const };
const SUBSTANZIELL = 'http://bsi.bund.de/eID/LoA/substantiell';
const NORMAL = 'http://bsi.bund.de/eID/LoA/normal';

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
    expect(isFresh({ authTime: now - 10, amr: ['pwd', 'otp', 'mfa'], acr: SUBSTANZIELL }, now, withFactor)).toBe(true);
    expect(isFresh({ authTime: now - 400, amr: ['pwd', 'otp', 'mfa'], acr: SUBSTANZIELL }, now, withFactor)).toBe(false);
  });

  it('needs the level a second factor gives too: an upstream capped at niedrig that says mfa is not the account’s factor', () => {
    const withFactor = { ...settings, hasSecondFactor: true };
    expect(isFresh({ authTime: now - 10, amr: ['pwd', 'mfa'], acr: NORMAL }, now, withFactor)).toBe(false);
    expect(isFresh({ authTime: now - 10, amr: ['pwd', 'mfa'], acr: null }, now, withFactor)).toBe(false);
    expect(isFresh({ authTime: now - 10, amr: ['hwk', 'mfa'], acr: 'http://eidas.europa.eu/LoA/substantial' }, now, withFactor)).toBe(true);
    // A deployment whose second factor stays at niedrig (secondFactor.level) asks no more of the login than that.
    expect(isFresh({ authTime: now - 10, amr: ['pwd', 'otp', 'mfa'], acr: NORMAL }, now, { ...withFactor, secondFactorLevel: 'niedrig' })).toBe(true);
  });
});
