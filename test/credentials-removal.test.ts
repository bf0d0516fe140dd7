import { totpCodeAt } from '../src/credentials/totp.ts';
import { AuditEvent } from '../src/audit/audit-event.entity.ts';
import { AppError } from '../src/shared/app-error.ts';
import { configFile } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { createUser, type TestUser } from './helpers/relying-party.ts';
import { SmtpSink } from './helpers/smtp-sink.ts';

describe('removing a credential never leaves an account without a way in', () => {
  let kontor: TestKontor;
  let smtp: SmtpSink;
  const context = { ip: '192.0.2.10', clientId: null, locale: 'de' as const };

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    kontor = await startTestKontor('postgres', {
      SMTP_URL: smtp.url,
      KONTOR_CONFIG_FILE: configFile({ rateLimits: { secondFactorPerIp: { limit: 1000, windowSeconds: 3600 } } }),
    });
  });
  afterAll(async () => {
    await kontor?.stop();
    await smtp?.stop();
  });

  const remove = (accountId: string, credentialId: string) =>
    kontor.container.db.orm.em.fork().transactional((tx) => kontor.container.credentials.remove(tx, accountId, credentialId));
  const idOf = async (user: TestUser, type: string) =>
    (await kontor.container.credentials.list(user.accountId)).find((credential) => credential.type === type)!.id;
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error,
    );

  /** A user with password, TOTP app, e-mail factor and recovery codes. */
  async function withEveryFactor(): Promise<TestUser> {
    const user = await createUser(kontor);
    const { secondFactors } = kontor.container;
    const { secret } = await secondFactors.startTotpEnrolment(user.accountId, user.email);
    expect(await secondFactors.confirmTotpEnrolment(user.accountId, await totpCodeAt(secret, kontor.clock.now()), context)).toMatchObject({ kind: 'enrolled' });
    await secondFactors.sendEnrolmentCode(user.accountId, context);
    const [mail] = await smtp.waitFor(user.email, 1);
    const code = /\b(\d{6})\b/.exec(mail!.text)![1]!;
    expect(await secondFactors.confirmEmailEnrolment(user.accountId, code, context)).toMatchObject({ kind: 'enrolled', recoveryCodes: null });
    expect(await secondFactors.factorsOf(user.accountId)).toEqual({ totp: true, emailCode: true, recoveryCodesLeft: 10 });
    return user;
  }

  it('refuses to remove the password while it is the only credential a login starts with', async () => {
    const user = await createUser(kontor);
    const error = await refusal(remove(user.accountId, await idOf(user, 'password')));
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'credential.last_login_method', status: 409 });
    expect(await kontor.container.passwords.check(user.email, user.password)).toMatchObject({ kind: 'valid' });

    // Second factors do not start a login: with them, the password is still the last way in.
    const full = await withEveryFactor();
    expect(await refusal(remove(full.accountId, await idOf(full, 'password')))).toMatchObject({ code: 'credential.last_login_method' });
  });

  it('keeps the recovery codes while a second factor remains, and removes them with the last one', async () => {
    const user = await withEveryFactor();
    const { secondFactors } = kontor.container;
    await remove(user.accountId, await idOf(user, 'totp'));
    expect(await secondFactors.factorsOf(user.accountId)).toEqual({ totp: false, emailCode: true, recoveryCodesLeft: 10 });
    await remove(user.accountId, await idOf(user, 'email_code'));
    expect(await secondFactors.factorsOf(user.accountId)).toEqual({ totp: false, emailCode: false, recoveryCodesLeft: 0 });
    expect((await kontor.container.credentials.list(user.accountId)).map((credential) => credential.type)).toEqual(['password']);
    const removed = await kontor.container.db.orm.em
      .fork()
      .find(AuditEvent, { accountId: user.accountId, type: 'credential.removed' }, { orderBy: { createdAt: 'asc' } });
    expect(removed.map((event) => event.details)).toEqual([{ type: 'totp' }, { type: 'email_code', recoveryCodesRemoved: true }]);
  });

  it('refuses to remove what is not a credential of this account', async () => {
    const user = await withEveryFactor();
    const other = await createUser(kontor);
    expect(await refusal(remove(other.accountId, await idOf(user, 'totp')))).toMatchObject({ code: 'credential.not_found', status: 404 });
    expect(await refusal(remove(user.accountId, '00000000-0000-4000-8000-000000000000'))).toMatchObject({ code: 'credential.not_found' });
    expect((await kontor.container.secondFactors.factorsOf(user.accountId)).totp).toBe(true);
  });
});
