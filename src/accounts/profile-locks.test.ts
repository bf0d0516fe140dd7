import { lockReasonOf } from './profile-locks.ts';

describe('lockReasonOf', () => {
  it('leaves self-entered, operator-entered and confirmed values at basisregistrierung editable', () => {
    for (const source of ['self_entered', 'operator', 'email_confirmed']) expect(lockReasonOf({ source, level: 'basisregistrierung' })).toBeUndefined();
  });

  it('locks a value read from the eID card with the eID reason', () => {
    expect(lockReasonOf({ source: 'eid', level: 'hoch' })).toBe('account.profile.locked_eid');
  });

  it('locks values from another service account, present and future source names alike', () => {
    expect(lockReasonOf({ source: 'upstream', level: 'substanziell' })).toBe('account.profile.locked_upstream');
    expect(lockReasonOf({ source: 'federation:nrw', level: 'basisregistrierung' })).toBe('account.profile.locked_upstream');
  });

  it('locks any value verified above basisregistrierung, and unknown sources', () => {
    expect(lockReasonOf({ source: 'operator', level: 'substanziell' })).toBe('account.profile.locked_verified');
    expect(lockReasonOf({ source: 'registry', level: 'basisregistrierung' })).toBe('account.profile.locked_verified');
  });
});
