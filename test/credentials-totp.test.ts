import { totpCodeAt } from '../src/credentials/totp.ts';
import { AuditEvent } from '../src/audit/audit-event.entity.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { createUser } from './helpers/relying-party.ts';

describe('TOTP as second factor, with recovery codes', () => {
  let kontor: TestKontor;
  let address = 0;
  /** Each test from an address of its own: the per-IP window has tests of its own. */
  const context = () => {
    address += 1;
    return { ip: `198.51.100.${address}`, clientId: null, locale: 'de' as const };
  };

  beforeAll(async () => {
    kontor = await startTestKontor('postgres');
  });
  afterAll(async () => {
    await kontor?.stop();
  });

  const now = () => kontor.clock.now();
  const at = (offsetSeconds: number) => new Date(now().getTime() + offsetSeconds * 1000);
  /** Moves the clock to 5 s into a fresh step, so a test's codes never straddle a step boundary. */
  const startOfStep = () => kontor.clock.advance(30 - (Math.floor(now().getTime() / 1000) % 30) + 5);
  const rows = <T>(sql: string, params: unknown[]) => kontor.container.db.orm.em.fork().execute<T[]>(sql, params, 'all');
  const events = (accountId: string, type: string) =>
    kontor.container.db.orm.em.fork().find(AuditEvent, { accountId, type }, { orderBy: { createdAt: 'asc' } });

  /** A user with a confirmed TOTP app; returns the secret and the recovery codes enrolment handed out. */
  async function enrolled() {
    const user = await createUser(kontor);
    const { secondFactors } = kontor.container;
    const enrolment = await secondFactors.startTotpEnrolment(user.accountId, user.email);
    startOfStep();
    const outcome = await secondFactors.confirmTotpEnrolment(user.accountId, await totpCodeAt(enrolment.secret, now()), context());
    if (outcome.kind !== 'enrolled') throw new Error(`enrolment ${outcome.kind}`);
    // The enrolment code's step is spent: the tests start in the next one.
    kontor.clock.advance(30);
    return { user, secret: enrolment.secret, recoveryCodes: outcome.recoveryCodes, enrolment };
  }

  it('enrols an app with a pending secret, confirmed by its first code, handing out ten recovery codes once', async () => {
    const user = await createUser(kontor);
    const { secondFactors } = kontor.container;
    const first = await secondFactors.startTotpEnrolment(user.accountId, user.email);
    const enrolment = await secondFactors.startTotpEnrolment(user.accountId, user.email);
    expect(enrolment.secret).not.toBe(first.secret);
    expect(enrolment.otpauthUri).toContain(`secret=${enrolment.secret}`);
    expect(enrolment.otpauthUri).toContain('issuer=Kontor%20Servicekonto');
    expect(enrolment.qrSvg).toMatch(/^<svg [^>]*viewBox/);
    // Pending only, and only the newer one: an abandoned enrolment is no factor.
    expect(await rows('select id from credential where account_id = ? and type = ?', [user.accountId, 'totp'])).toHaveLength(1);
    expect(await secondFactors.factorsOf(user.accountId)).toEqual({ totp: false, emailCode: false, recoveryCodesLeft: 0 });

    startOfStep();
    expect(await secondFactors.confirmTotpEnrolment(user.accountId, await totpCodeAt(first.secret, now()), context())).toEqual({ kind: 'failed' });
    const outcome = await secondFactors.confirmTotpEnrolment(user.accountId, await totpCodeAt(enrolment.secret, now()), context());
    expect(outcome).toEqual({
      kind: 'enrolled',
      result: { accountId: user.accountId, method: 'totp', amr: ['otp'], level: 'substanziell' },
      recoveryCodes: expect.arrayContaining([expect.stringMatching(/^[0-9A-Z]{5}-[0-9A-Z]{5}$/)]),
    });
    expect(outcome.kind === 'enrolled' && outcome.recoveryCodes).toHaveLength(10);
    expect(await secondFactors.factorsOf(user.accountId)).toEqual({ totp: true, emailCode: false, recoveryCodesLeft: 10 });
    expect((await events(user.accountId, 'second_factor.enrolled')).map((event) => event.details)).toEqual([{ method: 'totp' }]);
    expect(await events(user.accountId, 'recovery_codes.created')).toHaveLength(1);

    // A second app replaces the first and keeps the recovery codes.
    const again = await secondFactors.startTotpEnrolment(user.accountId, user.email);
    kontor.clock.advance(30);
    const replaced = await secondFactors.confirmTotpEnrolment(user.accountId, await totpCodeAt(again.secret, now()), context());
    expect(replaced).toMatchObject({ kind: 'enrolled', recoveryCodes: null });
    expect(await rows('select id from credential where account_id = ? and type = ?', [user.accountId, 'totp'])).toHaveLength(1);
    kontor.clock.advance(30);
    expect(await secondFactors.verify(user.accountId, 'totp', await totpCodeAt(enrolment.secret, now()), context())).toEqual({ kind: 'failed' });
    expect(await secondFactors.verify(user.accountId, 'totp', await totpCodeAt(again.secret, now()), context())).toMatchObject({ kind: 'succeeded' });
  });

  it('stores the secret encrypted: the row holds neither the base32 secret nor its bytes', async () => {
    const { user, secret } = await enrolled();
    const [row] = await rows<Record<string, unknown>>('select * from credential where account_id = ? and type = ?', [user.accountId, 'totp']);
    const stored = JSON.stringify(row);
    expect(row!.secret_encrypted).toMatch(/^v1\./);
    expect(stored).not.toContain(secret);
    expect(stored.toLowerCase()).not.toContain(secret.toLowerCase());
    expect(row!.secret_hash).toBeNull();
  });

  it('accepts a code one step early or late and refuses two steps off', async () => {
    const { user, secret } = await enrolled();
    const { secondFactors } = kontor.container;
    startOfStep();
    expect(await secondFactors.verify(user.accountId, 'totp', await totpCodeAt(secret, at(-60)), context())).toEqual({ kind: 'failed' });
    expect(await secondFactors.verify(user.accountId, 'totp', await totpCodeAt(secret, at(60)), context())).toEqual({ kind: 'failed' });
    expect(await secondFactors.verify(user.accountId, 'totp', await totpCodeAt(secret, at(-30)), context())).toEqual({
      kind: 'succeeded',
      result: { accountId: user.accountId, method: 'totp', amr: ['otp'], level: 'substanziell' },
    });
    kontor.clock.advance(30);
    expect(await secondFactors.verify(user.accountId, 'totp', await totpCodeAt(secret, at(30)), context())).toMatchObject({ kind: 'succeeded' });
  });

  it('refuses a code the second time, and an older step after a newer one', async () => {
    const { user, secret } = await enrolled();
    const { secondFactors } = kontor.container;
    startOfStep();
    const code = await totpCodeAt(secret, now());
    expect(await secondFactors.verify(user.accountId, 'totp', code, context())).toMatchObject({ kind: 'succeeded' });
    expect(await secondFactors.verify(user.accountId, 'totp', code, context())).toEqual({ kind: 'failed' });
    expect(await secondFactors.verify(user.accountId, 'totp', await totpCodeAt(secret, at(-30)), context())).toEqual({ kind: 'failed' });
    const failures = await events(user.accountId, 'login.second_factor_failed');
    expect(failures.map((event) => event.details)).toEqual([
      { method: 'totp', reason: 'replayed' },
      { method: 'totp', reason: 'replayed' },
    ]);
    expect(JSON.stringify(failures.map((event) => event.details))).not.toContain(code);
  });

  it('lets exactly one of two concurrent uses of one code pass', async () => {
    const { user, secret } = await enrolled();
    const { secondFactors } = kontor.container;
    startOfStep();
    const code = await totpCodeAt(secret, now());
    const outcomes = await Promise.all([
      secondFactors.verify(user.accountId, 'totp', code, context()),
      secondFactors.verify(user.accountId, 'totp', code, context()),
    ]);
    expect(outcomes.map((outcome) => outcome.kind).sort()).toEqual(['failed', 'succeeded']);
  });

  it('delays the account after failuresBeforeDelay wrong codes, audited; the delay holds for right codes too', async () => {
    const { user, secret } = await enrolled();
    const { secondFactors } = kontor.container;
    const from = context();
    for (let i = 0; i < kontor.config.secondFactor.failuresBeforeDelay; i += 1) {
      expect(await secondFactors.verify(user.accountId, 'totp', '000000', from)).toEqual({ kind: 'failed' });
    }
    startOfStep();
    const throttled = await secondFactors.verify(user.accountId, 'recovery_code', 'AAAAA-AAAAA', from);
    expect(throttled).toEqual({ kind: 'throttled', retryAfterSeconds: expect.any(Number) });
    expect(throttled.kind === 'throttled' && throttled.retryAfterSeconds).toBeGreaterThanOrEqual(kontor.config.rateLimits.loginDelayBaseSeconds - 1);
    expect(await secondFactors.verify(user.accountId, 'totp', await totpCodeAt(secret, now()), context())).toMatchObject({ kind: 'throttled' });
    const reasons = (await events(user.accountId, 'login.second_factor_failed')).map((event) => event.details.reason);
    expect(reasons.filter((reason) => reason === 'wrong_code')).toHaveLength(kontor.config.secondFactor.failuresBeforeDelay);
    expect(reasons.slice(-2)).toEqual(['throttled', 'throttled']);
    // Another account is not affected.
    const other = await enrolled();
    expect(await secondFactors.verify(other.user.accountId, 'totp', await totpCodeAt(other.secret, now()), context())).toMatchObject({ kind: 'succeeded' });
  });

  it('takes each recovery code once, typed with or without dash, in any case; spent codes are counted', async () => {
    const { user, recoveryCodes } = await enrolled();
    const { secondFactors } = kontor.container;
    const [first, second] = recoveryCodes!;
    expect(await secondFactors.verify(user.accountId, 'recovery_code', first!.toLowerCase().replace('-', ' '), context())).toEqual({
      kind: 'succeeded',
      result: { accountId: user.accountId, method: 'recovery_code', amr: ['otp'], level: 'substanziell' },
    });
    expect(await secondFactors.verify(user.accountId, 'recovery_code', first!, context())).toEqual({ kind: 'failed' });
    expect(await secondFactors.verify(user.accountId, 'recovery_code', second!.replace('-', ''), context())).toMatchObject({ kind: 'succeeded' });
    expect((await secondFactors.factorsOf(user.accountId)).recoveryCodesLeft).toBe(8);
    expect(await events(user.accountId, 'recovery_code.used')).toHaveLength(2);
    // Only HMACs are stored.
    const stored = JSON.stringify(await rows('select * from credential where account_id = ? and type = ?', [user.accountId, 'recovery_code']));
    for (const code of recoveryCodes!) {
      expect(stored).not.toContain(code);
      expect(stored).not.toContain(code.replace('-', ''));
    }
    // New codes replace all old ones, spent or not.
    const fresh = await secondFactors.replaceRecoveryCodes(user.accountId, { ip: '198.51.100.250', clientId: null });
    expect(fresh).toHaveLength(10);
    expect(await secondFactors.verify(user.accountId, 'recovery_code', recoveryCodes![2]!, context())).toEqual({ kind: 'failed' });
    expect(await secondFactors.verify(user.accountId, 'recovery_code', fresh[0]!, context())).toMatchObject({ kind: 'succeeded' });
  });

  it('lets exactly one of two concurrent uses of a recovery code pass', async () => {
    const { user, recoveryCodes } = await enrolled();
    const { secondFactors } = kontor.container;
    const outcomes = await Promise.all([0, 1].map(() => secondFactors.verify(user.accountId, 'recovery_code', recoveryCodes![0]!, context())));
    expect(outcomes.map((outcome) => outcome.kind).sort()).toEqual(['failed', 'succeeded']);
  });

  it('refuses a TOTP code for an account without an app', async () => {
    const user = await createUser(kontor);
    expect(await kontor.container.secondFactors.verify(user.accountId, 'totp', '123456', context())).toEqual({ kind: 'failed' });
    expect((await events(user.accountId, 'login.second_factor_failed')).map((event) => event.details)).toEqual([{ method: 'totp', reason: 'not_enrolled' }]);
  });
  // Last in this file: it moves the clock by a day.
  it('purges enrolments abandoned at the QR code a day later, never a confirmed app', async () => {
    const { user: confirmed } = await enrolled();
    const abandoned = await createUser(kontor);
    const { secondFactors } = kontor.container;
    await secondFactors.startTotpEnrolment(abandoned.accountId, abandoned.email);
    expect(await secondFactors.purgeAbandonedEnrolments(now())).toBe(0);
    kontor.clock.advance(25 * 3600);
    expect(await secondFactors.purgeAbandonedEnrolments(now())).toBeGreaterThanOrEqual(1);
    expect(await secondFactors.pendingTotpEnrolment(abandoned.accountId, abandoned.email)).toBeNull();
    expect(await secondFactors.factorsOf(confirmed.accountId)).toMatchObject({ totp: true });
  });
});
