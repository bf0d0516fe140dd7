import { AuditEvent } from '../src/audit/audit-event.entity.ts';
import { configFile } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { createUser, type TestUser } from './helpers/relying-party.ts';
import { SmtpSink } from './helpers/smtp-sink.ts';

/** Four mails of a kind per address and hour: enough for each test, so one test can see the fifth dropped. */
const MAILS_PER_ADDRESS = 4;

describe('the e-mailed one-time code as second factor', () => {
  let kontor: TestKontor;
  let smtp: SmtpSink;
  let address = 0;
  const context = (locale: 'de' | 'en' = 'de') => {
    address += 1;
    return { ip: `203.0.113.${address}`, clientId: null, locale };
  };

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    kontor = await startTestKontor('postgres', {
      SMTP_URL: smtp.url,
      // Wrong entries are counted by the code here, not by the account's delay (tested with TOTP).
      KONTOR_CONFIG_FILE: configFile({ secondFactor: { failuresBeforeDelay: 50 }, mail: { perRecipient: { limit: MAILS_PER_ADDRESS, windowSeconds: 3600 } } }),
    });
  });
  afterAll(async () => {
    await kontor?.stop();
    await smtp?.stop();
  });

  const events = (accountId: string, type: string) =>
    kontor.container.db.orm.em.fork().find(AuditEvent, { accountId, type }, { orderBy: { createdAt: 'asc' } });
  const failureReasons = async (accountId: string) => (await events(accountId, 'login.second_factor_failed')).map((event) => event.details.reason);

  /** Waits for the mail number `index` (0-based) to the user and returns its code. */
  async function codeFrom(user: TestUser, index: number): Promise<string> {
    const mail = (await smtp.waitFor(user.email, index + 1))[index]!;
    const code = /\b(\d{6})\b/.exec(mail.text)?.[1];
    if (!code) throw new Error(`no code in mail "${mail.subject}":\n${mail.text}`);
    return code;
  }

  /** A user who enrolled the e-mail factor (their first mail). */
  async function enrolled(): Promise<TestUser> {
    const user = await createUser(kontor);
    await kontor.container.secondFactors.sendEnrolmentCode(user.accountId, context());
    const outcome = await kontor.container.secondFactors.confirmEmailEnrolment(user.accountId, await codeFrom(user, 0), context());
    expect(outcome).toMatchObject({ kind: 'enrolled' });
    return user;
  }

  it('enrols the address with a mailed code, then logs in with another: code, lifetime and warning in the mail, no link', async () => {
    const user = await createUser(kontor);
    const { secondFactors } = kontor.container;
    await secondFactors.sendEnrolmentCode(user.accountId, context());
    const enrolMail = (await smtp.waitFor(user.email, 1))[0]!;
    expect(enrolMail.subject).toBe('Ihr Sicherheitscode');
    expect(enrolMail.text).toContain('zweiten Schritt der Anmeldung');
    const enrolCode = await codeFrom(user, 0);
    // The enrolment code is of its own purpose: it is no login code, and the factor is not there yet.
    expect(await secondFactors.verify(user.accountId, 'email_code', enrolCode, context())).toEqual({ kind: 'failed' });
    const outcome = await secondFactors.confirmEmailEnrolment(user.accountId, enrolCode, context());
    expect(outcome).toEqual({
      kind: 'enrolled',
      result: { accountId: user.accountId, method: 'email_code', amr: ['otp'], level: 'substanziell' },
      recoveryCodes: expect.any(Array),
    });
    expect(outcome.kind === 'enrolled' && outcome.recoveryCodes).toHaveLength(10);
    expect(await secondFactors.factorsOf(user.accountId)).toEqual({ totp: false, emailCode: true, recoveryCodesLeft: 10 });
    expect((await events(user.accountId, 'second_factor.enrolled')).map((event) => event.details)).toEqual([{ method: 'email_code' }]);

    await secondFactors.sendLoginCode(user.accountId, context('en'));
    const mail = (await smtp.waitFor(user.email, 2))[1]!;
    expect(mail.subject).toBe('Your security code');
    expect(mail.text).toContain('Your code for logging in to your service account is:');
    expect(mail.text).toContain('valid for 10 minutes');
    expect(mail.text).toContain('change your password');
    for (const part of [mail.text, mail.html]) expect(part).not.toMatch(/https?:\/\//);
    const code = await codeFrom(user, 1);
    expect(mail.html).toContain(code);
    expect(await secondFactors.verify(user.accountId, 'email_code', code, context())).toEqual({
      kind: 'succeeded',
      result: { accountId: user.accountId, method: 'email_code', amr: ['otp'], level: 'substanziell' },
    });
    expect(await secondFactors.verify(user.accountId, 'email_code', code, context())).toEqual({ kind: 'failed' });
    expect(await failureReasons(user.accountId)).toEqual(['not_enrolled', 'no_open_code']);
    expect(JSON.stringify((await events(user.accountId, 'login.second_factor_succeeded')).map((event) => event.details))).not.toContain(code);
  });

  it('stores only a keyed hash of the code, with the address it went to and the wrong entries', async () => {
    const user = await enrolled();
    await kontor.container.secondFactors.sendLoginCode(user.accountId, context());
    const code = await codeFrom(user, 1);
    expect(await kontor.container.secondFactors.verify(user.accountId, 'email_code', code === '000000' ? '111111' : '000000', context())).toEqual({
      kind: 'failed',
    });
    const [row] = await kontor.container.db.orm.em
      .fork()
      .execute<Array<Record<string, unknown>>>("select * from verification_token where account_id = ? and purpose = 'login_code'", [user.accountId], 'all');
    expect(row).toMatchObject({ target: user.email, attempts: 1, used_at: null });
    expect(JSON.stringify(row)).not.toContain(code);
  });

  it('refuses a code after its lifetime (judged by the clock), not before', async () => {
    const user = await enrolled();
    const { secondFactors } = kontor.container;
    await secondFactors.sendLoginCode(user.accountId, context());
    kontor.clock.advance(kontor.config.secondFactor.emailCodeMinutes * 60 - 5);
    expect(await secondFactors.verify(user.accountId, 'email_code', await codeFrom(user, 1), context())).toMatchObject({ kind: 'succeeded' });

    await secondFactors.sendLoginCode(user.accountId, context());
    kontor.clock.advance(kontor.config.secondFactor.emailCodeMinutes * 60 + 1);
    expect(await secondFactors.verify(user.accountId, 'email_code', await codeFrom(user, 2), context())).toEqual({ kind: 'failed' });
    expect(await failureReasons(user.accountId)).toEqual(['no_open_code']);
  });

  it('voids a code after emailCodeAttempts wrong entries, while one fewer still lets the right code pass', async () => {
    const user = await enrolled();
    const { secondFactors } = kontor.container;
    const attempts = kontor.config.secondFactor.emailCodeAttempts;
    const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

    await secondFactors.sendLoginCode(user.accountId, context());
    const survivor = await codeFrom(user, 1);
    for (let i = 0; i < attempts - 1; i += 1)
      expect(await secondFactors.verify(user.accountId, 'email_code', wrong(survivor), context())).toEqual({ kind: 'failed' });
    expect(await secondFactors.verify(user.accountId, 'email_code', survivor, context())).toMatchObject({ kind: 'succeeded' });

    await secondFactors.sendLoginCode(user.accountId, context());
    const voided = await codeFrom(user, 2);
    for (let i = 0; i < attempts; i += 1)
      expect(await secondFactors.verify(user.accountId, 'email_code', wrong(voided), context())).toEqual({ kind: 'failed' });
    expect(await secondFactors.verify(user.accountId, 'email_code', voided, context())).toEqual({ kind: 'failed' });
    expect(await failureReasons(user.accountId)).toEqual([...Array(attempts * 2 - 1).fill('wrong_code'), 'no_open_code']);
  });

  it('replaces the open code with a new one', async () => {
    const user = await enrolled();
    const { secondFactors } = kontor.container;
    await secondFactors.sendLoginCode(user.accountId, context());
    const old = await codeFrom(user, 1);
    await secondFactors.sendLoginCode(user.accountId, context());
    const fresh = await codeFrom(user, 2);
    if (old !== fresh) expect(await secondFactors.verify(user.accountId, 'email_code', old, context())).toEqual({ kind: 'failed' });
    expect(await secondFactors.verify(user.accountId, 'email_code', fresh, context())).toMatchObject({ kind: 'succeeded' });
  });

  it('keeps the last code valid when the per-address mail cap drops a new one, and mails nobody without the factor', async () => {
    const user = await enrolled();
    const { secondFactors, outbox } = kontor.container;
    // One after the other: mail may arrive out of order, and the newest code is the one that counts.
    let last = '';
    for (let i = 1; i < MAILS_PER_ADDRESS; i += 1) {
      await secondFactors.sendLoginCode(user.accountId, context());
      last = await codeFrom(user, i);
    }
    await secondFactors.sendLoginCode(user.accountId, context());
    expect(await outbox.list({ recipient: user.email })).toHaveLength(MAILS_PER_ADDRESS);
    expect(await secondFactors.verify(user.accountId, 'email_code', last, context())).toMatchObject({ kind: 'succeeded' });

    const without = await createUser(kontor);
    await secondFactors.sendLoginCode(without.accountId, context());
    expect(await outbox.list({ recipient: without.email })).toHaveLength(0);
  });

  it('lets exactly one of two concurrent entries of a code pass', async () => {
    const user = await enrolled();
    const { secondFactors } = kontor.container;
    await secondFactors.sendLoginCode(user.accountId, context());
    const code = await codeFrom(user, 1);
    const outcomes = await Promise.all([0, 1].map(() => secondFactors.verify(user.accountId, 'email_code', code, context())));
    expect(outcomes.map((outcome) => outcome.kind).sort()).toEqual(['failed', 'succeeded']);
  });
});
