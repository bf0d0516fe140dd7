// Unit tests of the upstream trust mapping: acr → level, amr demands, the ceiling.
import type { UpstreamTrust } from '../../config/federation.ts';
import { acrValuesFor, highestLevel, mappedLevel } from './trust-mapping.ts';

const trust: UpstreamTrust = {
  acr: { 'urn:nordland:pwd': 'niedrig', 'urn:nordland:mfa': 'substanziell', 'urn:nordland:eid': 'hoch' },
  amr: [{ level: 'substanziell', requires: ['mfa'] }],
  ceiling: 'substanziell',
};

describe('upstream trust mapping', () => {
  it('maps a known acr to its level', () => {
    expect(mappedLevel(trust, 'urn:nordland:pwd', ['pwd'])).toBe('niedrig');
    expect(mappedLevel(trust, 'urn:nordland:mfa', ['pwd', 'otp', 'mfa'])).toBe('substanziell');
  });

  it('never goes above the ceiling, whatever the upstream says', () => {
    expect(mappedLevel(trust, 'urn:nordland:eid', ['sc', 'pin', 'mfa'])).toBe('substanziell');
    expect(highestLevel(trust)).toBe('substanziell');
  });

  it('gives no level for an acr the mapping does not name, or none at all', () => {
    expect(mappedLevel(trust, 'urn:elsewhere:high', ['mfa'])).toBeUndefined();
    expect(mappedLevel(trust, undefined, ['pwd'])).toBeUndefined();
  });

  it('lowers the level when the amr lacks what the level demands', () => {
    expect(mappedLevel(trust, 'urn:nordland:mfa', ['pwd'])).toBe('niedrig');
  });

  it('refuses when even the lowest level demands amr the login lacks', () => {
    const strict: UpstreamTrust = { acr: { a: 'niedrig' }, amr: [{ level: 'niedrig', requires: ['pwd'] }], ceiling: 'hoch' };
    expect(mappedLevel(strict, 'a', ['otp'])).toBeUndefined();
  });

  it('asks the upstream only for acr values that reach the required level within the ceiling', () => {
    expect(acrValuesFor(trust, 'substanziell')).toEqual(['urn:nordland:mfa', 'urn:nordland:eid']);
    expect(acrValuesFor(trust, 'hoch')).toEqual([]);
    expect(acrValuesFor(trust, undefined)).toEqual(['urn:nordland:pwd', 'urn:nordland:mfa', 'urn:nordland:eid']);
  });
});
