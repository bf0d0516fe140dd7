import { REMOVED, scrubDetails } from './scrub.ts';

describe('scrubDetails (account deletion)', () => {
  const personal = ['erika.m@example.org', 'Erika', 'Mustermann'];

  it('replaces every string that contains a personal value, in any case and at any depth', () => {
    const scrubbed = scrubDetails(
      { to: 'ERIKA.M@example.org', nested: { name: 'Frau Mustermann' }, list: ['erika', 'pwd'], reason: 'wrong_password' },
      personal,
    );
    expect(scrubbed).toEqual({ to: REMOVED, nested: { name: REMOVED }, list: [REMOVED, 'pwd'], reason: 'wrong_password' });
  });

  it('drops client-address-like fields and keeps counts, flags and methods', () => {
    expect(scrubDetails({ ip: '203.0.113.7', userAgent: 'Firefox', device: 'Linux', grants: 2, mailed: true, method: 'totp' }, personal)).toEqual({
      grants: 2,
      mailed: true,
      method: 'totp',
    });
  });
});
