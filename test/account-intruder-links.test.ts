import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { createUser, type TestUser } from './helpers/relying-party.ts';
import { SmtpSink } from './helpers/smtp-sink.ts';

// Security review of "Mein Bereich" (issue 17): an intruder who got in (password and second factor, or a
// fresh session) requests an e-mail change to an address of theirs. The old address is told, and the notice
// says what to do: "Melden Sie sich an und ändern Sie Ihr Passwort". Each of the owner's remedies — changing
// the password, resetting it, locking the account — must void the intruder's link too; otherwise the intruder
// confirms it afterwards, the login address is theirs, and a password reset to it takes the account over.

const LINK = '/account/email/confirm?token=';

describe('the owner’s remedies void an intruder’s pending e-mail change', () => {
  let kontor: TestKontor;
  let smtp: SmtpSink;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    kontor = await startTestKontor('postgres', { SMTP_URL: smtp.url, KONTOR_CONFIG_FILE: configFile(ROOMY_RATE_LIMITS) });
  });
  afterAll(async () => {
    await kontor?.stop();
    await smtp?.stop();
  });

  let counter = 0;
  /** The intruder's request; returns the link's token from the mail to the intruder's address. */
  async function intruderRequests(user: TestUser): Promise<{ token: string; address: string }> {
    const address = `eindringling${++counter}.${Date.now()}@example.net`;
    await kontor.container.emailChanges.requestEmailChange(user.accountId, address, { ip: '198.51.100.9', locale: 'de' });
    const [mail] = await smtp.waitFor(address);
    const token = new URL(SmtpSink.linkIn(mail!, `${kontor.url}${LINK}`)).searchParams.get('token')!;
    expect(await kontor.container.emailChanges.peek(token)).toEqual({ accountId: user.accountId });
    return { token, address };
  }

  async function expectVoided(user: TestUser, token: string) {
    expect(await kontor.container.emailChanges.peek(token)).toBeNull();
    expect(await kontor.container.emailChanges.confirmEmailChange(token, { ip: '198.51.100.9' })).toEqual({ kind: 'invalid' });
    expect((await kontor.container.accounts.findById(user.accountId))?.email).toBe(user.email);
  }

  it('after the password is changed in Mein Bereich', async () => {
    const user = await createUser(kontor);
    const { token } = await intruderRequests(user);
    const changed = await kontor.container.passwordChange.changePassword(user.accountId, user.password, 'Neues-Kennwort-2026!', {
      ip: '203.0.113.5',
      keepSessionUid: undefined,
    });
    expect(changed.kind).toBe('changed');
    await expectVoided(user, token);
  });

  it('after a password reset', async () => {
    const user = await createUser(kontor);
    const { token } = await intruderRequests(user);
    await kontor.container.passwordReset.request({ identifier: user.email, ip: '203.0.113.5', locale: 'de', mayMail: true });
    // Two mails to the owner, in either order: the notice of the intruder's request and the reset link.
    const mail = (await smtp.waitFor(user.email, 2)).find((candidate) => candidate.text.includes(`${kontor.url}/password/reset`))!;
    const resetToken = new URL(SmtpSink.linkIn(mail, `${kontor.url}/password/reset`)).searchParams.get('token')!;
    expect(await kontor.container.passwordReset.reset(resetToken, 'Neues-Kennwort-2026!', { ip: '203.0.113.5' })).not.toBeNull();
    await expectVoided(user, token);
  });

  it('after the account is locked, also once it is unlocked again', async () => {
    const user = await createUser(kontor);
    const { token } = await intruderRequests(user);
    expect((await kontor.container.accountLock.lock(user.accountId, { actor: 'self' })).kind).toBe('locked');
    expect((await kontor.container.accountLock.unlockByOperator(user.email)).kind).toBe('unlocked');
    await expectVoided(user, token);
  });
});
