import { acrToEmit, BSI_ACR, combineSteps, currentAuthentication, EIDAS_ACR, levelOfAcr, requirementOf, secondsLeft, type SessionLimits } from './index.ts';

const limits: SessionLimits = {
  niedrig: { maxSeconds: 12 * 3600, idleSeconds: 60 * 60 },
  substanziell: { maxSeconds: 2 * 3600, idleSeconds: 30 * 60 },
  hoch: { maxSeconds: 30 * 60, idleSeconds: 5 * 60 },
};

describe('acr vocabularies', () => {
  it('maps every alias to its level, eIDAS low to substanziell', () => {
    expect(levelOfAcr(BSI_ACR.niedrig)).toBe('niedrig');
    expect(levelOfAcr(BSI_ACR.substanziell)).toBe('substanziell');
    expect(levelOfAcr(BSI_ACR.hoch)).toBe('hoch');
    expect(levelOfAcr(EIDAS_ACR.low)).toBe('substanziell');
    expect(levelOfAcr(EIDAS_ACR.substantial)).toBe('substanziell');
    expect(levelOfAcr(EIDAS_ACR.high)).toBe('hoch');
    expect(['STORK-QAA-Level-1', 'STORK-QAA-Level-2', 'STORK-QAA-Level-3', 'STORK-QAA-Level-4'].map(levelOfAcr)).toEqual([
      'niedrig',
      'niedrig',
      'substanziell',
      'hoch',
    ]);
    expect(levelOfAcr('toString')).toBeUndefined();
    expect(levelOfAcr('urn:unknown')).toBeUndefined();
  });

  it('echoes the first satisfied value in the portal’s vocabulary, else the BSI URI', () => {
    expect(acrToEmit('substanziell', { values: [EIDAS_ACR.high, EIDAS_ACR.substantial] })).toBe(EIDAS_ACR.substantial);
    expect(acrToEmit('niedrig', { values: ['STORK-QAA-Level-3', 'STORK-QAA-Level-2'] })).toBe('STORK-QAA-Level-2');
    expect(acrToEmit('niedrig', { values: [EIDAS_ACR.low] })).toBe(BSI_ACR.niedrig);
    expect(acrToEmit('substanziell', undefined)).toBe(BSI_ACR.substanziell);
  });
});

describe('requirements', () => {
  it('takes the lowest level that satisfies one of the values, and the floor', () => {
    expect(requirementOf({ values: [BSI_ACR.hoch, BSI_ACR.substanziell] }, undefined)).toEqual({
      kind: 'level',
      requirement: { level: 'substanziell', essential: false, asked: [BSI_ACR.hoch, BSI_ACR.substanziell] },
    });
    expect(requirementOf({ value: BSI_ACR.niedrig, essential: true }, [EIDAS_ACR.substantial])).toMatchObject({
      requirement: { level: 'substanziell', essential: true },
    });
    expect(requirementOf(undefined, [BSI_ACR.substanziell])).toMatchObject({ requirement: { level: 'substanziell', essential: true } });
    expect(requirementOf(undefined, undefined)).toEqual({ kind: 'none' });
    expect(requirementOf({ values: ['urn:x'], essential: true }, undefined)).toEqual({ kind: 'unknown', asked: ['urn:x'], essential: true });
    expect(requirementOf({ values: ['urn:x'] }, undefined)).toEqual({ kind: 'none' });
  });
});

describe('session levels', () => {
  const password = { method: 'password', amr: ['pwd'], level: 'niedrig' as const, at: 0 };
  const mfa = combineSteps(password, { accountId: 'a', method: 'totp', amr: ['otp'], level: 'substanziell' }, 60);

  it('combines factors into one step with mfa', () => {
    expect(mfa).toEqual({ method: 'totp', amr: ['pwd', 'otp', 'mfa'], level: 'substanziell', at: 60 });
  });

  it('falls back to the level the remaining steps support when the higher level runs out', () => {
    expect(currentAuthentication([password, mfa], 60, 60 + 29 * 60, limits)).toMatchObject({ level: 'substanziell', amr: ['pwd', 'otp', 'mfa'] });
    expect(currentAuthentication([password, mfa], 60, 60 + 31 * 60, limits)).toMatchObject({ level: 'niedrig', amr: ['pwd'], authTime: 0 });
    expect(currentAuthentication([password, mfa], 2 * 3600 + 100, 2 * 3600 + 200, limits)).toMatchObject({ level: 'niedrig' });
    expect(currentAuthentication([password, mfa], 60, 60 + 61 * 60, limits)).toBeUndefined();
  });

  it('gives the session the longest time a step still has', () => {
    expect(secondsLeft([password, mfa], 60, limits)).toBe(3600);
    expect(secondsLeft([password], 12 * 3600 - 10, limits)).toBe(10);
  });
});
