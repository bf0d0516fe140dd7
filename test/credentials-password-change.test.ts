import { AuditEvent } from '../src/audit/audit-event.entity.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { createUser, type TestUser } from './helpers/relying-party.ts';
import { SmtpSink } from './helpers/smtp-sink.ts';

/**
 * PasswordChangeService (issue 17 item 5) on its own: the current password passes the login's gates, the
 * new one the deployment's policy. The account-area pages and the other sessions' end are tested in
 * account-password.test.ts.
 */
describe('password change (PasswordChangeService)', () => {
  let kontor: TestKontor;
  let smtp: SmtpSink;
  let address = 0;
  const context = () => {
    address += 1;
    return { ip: `198.51.100.${address}`, keepSessionUid: undefined };
  };
  const NEW_PASSWORD = 'Ganz-neues-Kennwort-7';

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    kontor = await startTestKontor('postgres', { SMTP_URL: smtp.url });
  });
  afterAll(async () => {
    await kontor?.stop();
    await smtp?.stop();
  });

  const change = (user: TestUser, current: string, next: string) => kontor.container.passwordChange.changePassword(user.accountId, current, next, context());
  const events = (user: TestUser, type: string) => kontor.container.db.orm.em.fork().find(AuditEvent, { accountId: user.accountId, type });
  const login = (user: TestUser, password: string) => kontor.container.logins.login({ identifier: user.email, password, ip: '192.0.2.99' });

  it('refuses a wrong current password, counted like a failed login: the login name gets its delay', async () => {
    const user = await createUser(kontor);
    const failures = kontor.config.rateLimits.loginFailuresBeforeDelay;
    for (let i = 0; i < failures; i += 1) expect(await change(user, 'Falsches-Passwort-1', NEW_PASSWORD)).toEqual({ kind: 'wrong_password' });
    expect(await events(user, 'password.change_failed')).toHaveLength(failures);
    // The delay has started: the change form and the login both wait, even with the right password.
    expect(await change(user, user.password, NEW_PASSWORD)).toMatchObject({ kind: 'throttled' });
    expect(await login(user, user.password)).toMatchObject({ kind: 'throttled' });
    expect(await kontor.container.passwords.verifyFor(user.accountId, user.password)).toBe(true);
  });

  it('refuses a new password that breaks the policy, contains the name or is the current one', async () => {
    const user = await createUser(kontor);
    expect(await change(user, user.password, 'kurz')).toMatchObject({
      kind: 'rejected',
      violations: expect.arrayContaining([expect.objectContaining({ key: 'password.rule.length' })]),
    });
    expect(await change(user, user.password, 'Mustermann-Kennwort-9')).toMatchObject({
      kind: 'rejected',
      violations: [expect.objectContaining({ key: 'password.rule.not_personal' })],
    });
    expect(await change(user, user.password, user.password)).toEqual({ kind: 'rejected', violations: [{ key: 'password.rule.not_current', params: {} }] });
    expect(await events(user, 'password.changed')).toHaveLength(0);
    expect(await kontor.container.passwords.verifyFor(user.accountId, user.password)).toBe(true);
  });

  it('stores the new password, audits the change and mails a notice that fits a change', async () => {
    const user = await createUser(kontor);
    expect(await change(user, user.password, NEW_PASSWORD)).toEqual({ kind: 'changed', sessionsEnded: 0 });
    expect(await login(user, user.password)).toMatchObject({ kind: 'failed' });
    expect(await login(user, NEW_PASSWORD)).toMatchObject({ kind: 'succeeded' });
    expect(await events(user, 'password.changed')).toHaveLength(1);
    const hash = await kontor.container.db.orm.em
      .fork()
      .execute<Array<{ secret_hash: string }>>(`select secret_hash from credential where account_id = ? and type = 'password'`, [user.accountId], 'all');
    expect(hash[0]?.secret_hash).toMatch(/^\$argon2id\$/);
    const [mail] = await smtp.waitFor(user.email, 1);
    expect(mail!.subject).toBe('Ihr Passwort wurde geändert');
    expect(mail!.text).toContain('überall sonst abgemeldet');
    expect(mail!.text).not.toContain('überall abgemeldet, wo Sie angemeldet waren');
  });
});
