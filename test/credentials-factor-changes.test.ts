import { AuditEvent } from '../src/audit/audit-event.entity.ts';
import { AppError } from '../src/shared/app-error.ts';
import { configFile } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { createUser, type TestUser } from './helpers/relying-party.ts';
import { SmtpSink } from './helpers/smtp-sink.ts';
import { enrolTotp, nextTotpStep, totpAt } from './helpers/step-up.ts';

/**
 * The second factor's management as the account area drives it (issue 17 item 6), on the service: switching
 * method, a new device, new recovery codes, removal; each audited and announced by mail. The pages are
 * tested in account-second-factor.test.ts.
 */
describe('second factor management (SecondFactorService)', () => {
  let kontor: TestKontor;
  let smtp: SmtpSink;
  let address = 0;
  const context = () => {
    address += 1;
    return { ip: `192.0.2.${address}`, clientId: null, locale: 'de' as const };
  };

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    kontor = await startTestKontor('postgres', {
      SMTP_URL: smtp.url,
      KONTOR_CONFIG_FILE: configFile({ mail: { perRecipient: { limit: 50, windowSeconds: 3600 } } }),
    });
  });
  afterAll(async () => {
    await kontor?.stop();
    await smtp?.stop();
  });

  const factors = (user: TestUser) => kontor.container.secondFactors.factorsOf(user.accountId);
  const eventTypes = async (user: TestUser) =>
    (await kontor.container.db.orm.em.fork().find(AuditEvent, { accountId: user.accountId }, { orderBy: { createdAt: 'asc' } })).map((event) => event.type);
  const events = (user: TestUser, type: string) => kontor.container.db.orm.em.fork().find(AuditEvent, { accountId: user.accountId, type });
  /** The newest mail to the user once `count` have arrived. */
  const mail = async (user: TestUser, count: number) => (await smtp.waitFor(user.email, count))[count - 1]!;
  const codeIn = (text: string) => /\b(\d{6})\b/.exec(text)?.[1] ?? '';
  const login = (user: TestUser, method: 'totp' | 'email_code' | 'recovery_code', code: string) =>
    kontor.container.secondFactors.verify(user.accountId, method, code, context());

  it('switches from the app to e-mail codes and back: the old method goes in the same step, the recovery codes stay', async () => {
    const user = await createUser(kontor);
    const { secret, recoveryCodes } = await enrolTotp(kontor, user);
    const { secondFactors } = kontor.container;

    // A wrong code changes nothing: the app stays the factor.
    await secondFactors.sendEnrolmentCode(user.accountId, context());
    const code = codeIn((await mail(user, 1)).text);
    expect(await secondFactors.confirmEmailChange(user.accountId, code === '000000' ? '111111' : '000000', context())).toEqual({ kind: 'failed' });
    expect(await factors(user)).toEqual({ totp: true, emailCode: false, recoveryCodesLeft: 10 });

    expect(await secondFactors.confirmEmailChange(user.accountId, code, context())).toEqual({ kind: 'changed', change: 'switched_email', recoveryCodes: null });
    expect(await factors(user)).toEqual({ totp: false, emailCode: true, recoveryCodesLeft: 10 });
    expect(await login(user, 'totp', await totpAt(kontor, secret))).toEqual({ kind: 'failed' });
    const notice = await mail(user, 2);
    expect(notice.subject).toBe('Ihr zweiter Faktor wurde geändert');
    expect(notice.text).toContain('ab sofort ein Einmal-Passwort per E-Mail');
    expect((await events(user, 'second_factor.switched')).map((event) => event.details)).toEqual([{ from: 'totp', to: 'email_code' }]);

    // Back to an app: a new secret, confirmed by its first code; the e-mail factor goes with the confirmation.
    const enrolment = await secondFactors.startTotpEnrolment(user.accountId, user.email);
    nextTotpStep(kontor);
    expect(await factors(user)).toMatchObject({ totp: false, emailCode: true });
    const back = await secondFactors.confirmTotpChange(user.accountId, await totpAt(kontor, enrolment.secret), context());
    expect(back).toEqual({ kind: 'changed', change: 'switched_totp', recoveryCodes: null });
    expect(await factors(user)).toEqual({ totp: true, emailCode: false, recoveryCodesLeft: 10 });
    expect((await mail(user, 3)).text).toContain('Authentifizierungs-App statt per E-Mail');
    // The recovery codes handed out at the first enrolment still work.
    expect(await login(user, 'recovery_code', recoveryCodes[0]!)).toMatchObject({ kind: 'succeeded' });
    expect((await eventTypes(user)).filter((type) => type === 'second_factor.switched')).toHaveLength(2);
  });

  it('links a new device: the old secret works until the new one is confirmed, then only the new one', async () => {
    const user = await createUser(kontor);
    const { secret: old } = await enrolTotp(kontor, user);
    const { secondFactors } = kontor.container;
    const enrolment = await secondFactors.startTotpEnrolment(user.accountId, user.email);
    expect(enrolment.secret).not.toBe(old);
    nextTotpStep(kontor);
    expect(await login(user, 'totp', await totpAt(kontor, old))).toMatchObject({ kind: 'succeeded' });
    // A code of the old device does not confirm the new one.
    nextTotpStep(kontor);
    expect(await secondFactors.confirmTotpChange(user.accountId, await totpAt(kontor, old), context())).toEqual({ kind: 'failed' });
    expect(await secondFactors.confirmTotpChange(user.accountId, await totpAt(kontor, enrolment.secret), context())).toEqual({
      kind: 'changed',
      change: 'device_replaced',
      recoveryCodes: null,
    });
    nextTotpStep(kontor);
    expect(await login(user, 'totp', await totpAt(kontor, old))).toEqual({ kind: 'failed' });
    expect(await login(user, 'totp', await totpAt(kontor, enrolment.secret))).toMatchObject({ kind: 'succeeded' });
    expect(await events(user, 'second_factor.device_replaced')).toHaveLength(1);
    expect((await mail(user, 1)).text).toContain('neues Gerät');
  });

  it('replaces the recovery codes: the old ones stop working, the person is told', async () => {
    const user = await createUser(kontor);
    const { recoveryCodes: old } = await enrolTotp(kontor, user);
    const fresh = await kontor.container.secondFactors.replaceRecoveryCodes(user.accountId, { ip: '192.0.2.200', clientId: null });
    expect(fresh).toHaveLength(10);
    expect(fresh).not.toContain(old[0]);
    expect(await login(user, 'recovery_code', old[0]!)).toEqual({ kind: 'failed' });
    expect(await login(user, 'recovery_code', fresh[0]!)).toMatchObject({ kind: 'succeeded' });
    expect((await mail(user, 1)).text).toContain('neue Wiederherstellungscodes');
  });

  it('removes the factor with its recovery codes; the login then needs the password only', async () => {
    const user = await createUser(kontor);
    const { secret } = await enrolTotp(kontor, user);
    await kontor.container.secondFactors.removeSecondFactor(user.accountId, { ip: '192.0.2.201', clientId: null });
    expect(await factors(user)).toEqual({ totp: false, emailCode: false, recoveryCodesLeft: 0 });
    expect(await kontor.container.credentials.list(user.accountId)).toEqual([expect.objectContaining({ type: 'password' })]);
    expect(await login(user, 'totp', await totpAt(kontor, secret))).toEqual({ kind: 'failed' });
    expect((await events(user, 'second_factor.removed')).map((event) => event.details)).toEqual([{ method: 'totp' }]);
    expect((await mail(user, 1)).text).toContain('nur noch Ihr Passwort');
    await expect(kontor.container.secondFactors.removeSecondFactor(user.accountId, { ip: '192.0.2.201', clientId: null })).rejects.toMatchObject({
      code: 'second_factor.none',
    });
  });

  it('enrols a first factor from the account area with recovery codes', async () => {
    const user = await createUser(kontor);
    const { secondFactors } = kontor.container;
    await secondFactors.sendEnrolmentCode(user.accountId, context());
    const outcome = await secondFactors.confirmEmailChange(user.accountId, codeIn((await mail(user, 1)).text), context());
    expect(outcome).toMatchObject({ kind: 'changed', change: 'enrolled_email' });
    expect(outcome.kind === 'changed' && outcome.recoveryCodes).toHaveLength(10);
    expect((await secondFactors.overviewOf(user.accountId)).method).toBe('email_code');
    expect((await mail(user, 2)).text).toContain('Einmal-Passwörter per E-Mail als zweiter Faktor eingerichtet');
  });
});

describe('a deployment that requires a second factor (secondFactor.required)', () => {
  let kontor: TestKontor;
  beforeAll(async () => {
    kontor = await startTestKontor('postgres', { KONTOR_SECOND_FACTOR_REQUIRED: 'true' });
  });
  afterAll(async () => {
    await kontor?.stop();
  });

  it('refuses to remove the factor and changes nothing', async () => {
    expect(kontor.config.secondFactor.required).toBe(true);
    const user = await createUser(kontor);
    await enrolTotp(kontor, user);
    const refused = kontor.container.secondFactors.removeSecondFactor(user.accountId, { ip: '192.0.2.1', clientId: null });
    await expect(refused).rejects.toBeInstanceOf(AppError);
    await expect(refused).rejects.toMatchObject({ code: 'second_factor.required' });
    expect(await kontor.container.secondFactors.factorsOf(user.accountId)).toEqual({ totp: true, emailCode: false, recoveryCodesLeft: 10 });
  });
});
