/**
 * "Passwort ändern" in Mein Bereich (issue 17 item 5): the current password and a new one under the
 * policy; afterwards every other login session ends with back-channel logout to its portals, this browser
 * stays logged in, the new password logs in and the old one does not, and a notice is mailed.
 */
import { decodeJwt } from 'jose';
import { AuditEvent } from '../src/audit/audit-event.entity.ts';
import { openAccountArea, reauthenticate } from './helpers/account-area.ts';
import { backchannelReceiver, BACKCHANNEL_EVENT } from './helpers/backchannel.ts';
import { BrowserAgent, decodeEntities, formEndingWith, type AgentResponse } from './helpers/browser-agent.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { createUser, type TestUser } from './helpers/relying-party.ts';
import { fieldError, summaryErrors } from './helpers/registration.ts';
import { signIn } from './helpers/sign-in.ts';
import { SmtpSink } from './helpers/smtp-sink.ts';

const NEW_PASSWORD = 'Neues-Kennwort-2026!';

let kontor: TestKontor;
let smtp: SmtpSink;
let receiver: Awaited<ReturnType<typeof backchannelReceiver>>;

beforeAll(async () => {
  receiver = await backchannelReceiver();
  smtp = await SmtpSink.start();
  kontor = await startTestKontor('postgres', { SMTP_URL: smtp.url });
});
afterAll(async () => {
  await kontor?.stop();
  await smtp?.stop();
  receiver?.server.close();
});

/** Posts the password form of `page` with the given values. */
async function submitPasswordForm(agent: BrowserAgent, page: AgentResponse, fields: { current: string; next: string; repeat?: string }) {
  const form = formEndingWith(page.body, '/account/password');
  return agent.post(form.action, {
    ...form.fields,
    currentPassword: fields.current,
    password: fields.next,
    passwordConfirmation: fields.repeat ?? fields.next,
  });
}

const events = (user: TestUser, type: string) => kontor.container.db.orm.em.fork().find(AuditEvent, { accountId: user.accountId, type });

describe('changing the password in Mein Bereich', () => {
  it('refuses a wrong current password and a new one against the policy, keeping no password in the form', async () => {
    const user = await createUser(kontor);
    const { agent } = await openAccountArea(kontor, user);
    const page = await agent.get('/account/password');
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.body).toContain('autocomplete="current-password"');
    expect(page.body).toContain('Neues Passwort');

    const wrong = await submitPasswordForm(agent, page, { current: 'Nicht-das-Passwort-1', next: NEW_PASSWORD });
    expect(wrong.status).toBe(401);
    expect(decodeEntities(fieldError(wrong, 'currentPassword') ?? '')).toContain('Das bisherige Passwort stimmt nicht.');
    expect(wrong.body).not.toContain(NEW_PASSWORD);
    expect(wrong.body).not.toContain('Nicht-das-Passwort-1');
    expect(await events(user, 'password.change_failed')).toHaveLength(1);

    const personal = await submitPasswordForm(agent, wrong, { current: user.password, next: 'Mustermann-Kennwort-1' });
    expect(personal.status).toBe(400);
    expect(summaryErrors(personal).join(' ')).toContain('ohne Ihren Namen');
    const mismatch = await submitPasswordForm(agent, personal, { current: user.password, next: NEW_PASSWORD, repeat: 'Anderes-Kennwort-99' });
    expect(mismatch.status).toBe(400);
    expect(fieldError(mismatch, 'passwordConfirmation')).toBeDefined();
    const same = await submitPasswordForm(agent, mismatch, { current: user.password, next: user.password });
    expect(same.status).toBe(400);
    expect(decodeEntities(fieldError(same, 'password') ?? '')).toContain('anderes Passwort als Ihr bisheriges');
    const missing = await submitPasswordForm(agent, same, { current: '', next: NEW_PASSWORD });
    expect(decodeEntities(fieldError(missing, 'currentPassword') ?? '')).toContain('Geben Sie Ihr bisheriges Passwort ein.');

    expect(await events(user, 'password.changed')).toHaveLength(0);
    expect(await kontor.container.passwords.verifyFor(user.accountId, user.password)).toBe(true);
  });

  it('changes it: the other browser and its portal are logged out (back-channel), this one stays; old password out, new in; a notice mail', async () => {
    const user = await createUser(kontor);
    const { agent } = await openAccountArea(kontor, user);
    // Another browser, logged in at a portal that registered for back-channel logout.
    const other = new BrowserAgent(kontor.url);
    const portal = await signIn(kontor, { user, agent: other, client: { name: 'Bauportal', backchannelLogoutUri: receiver.url } });
    expect(await kontor.container.accountSessions.list(user.accountId)).toHaveLength(2);
    receiver.tokens.length = 0;

    const page = await agent.get('/account/password');
    const done = await submitPasswordForm(agent, page, { current: user.password, next: NEW_PASSWORD });
    expect(done.status).toBe(303);
    expect(done.location).toBe('/account?done=password_changed');
    const dashboard = await agent.follow(done);
    expect(dashboard.status).toBe(200);
    expect(dashboard.body).toContain('Ihr Passwort wurde geändert.');

    // The other browser's session ended and its portal was told.
    const sessions = await kontor.container.accountSessions.list(user.accountId);
    expect(sessions).toHaveLength(1);
    expect(receiver.tokens).toHaveLength(1);
    const logoutToken = decodeJwt(receiver.tokens[0]!);
    expect(logoutToken.aud).toBe(portal.clientId);
    expect(logoutToken.events).toHaveProperty([BACKCHANNEL_EVENT]);
    const ended = await events(user, 'session.ended');
    expect(ended.map((event) => event.details)).toEqual([{ reason: 'password_changed' }]);
    // What is left is this browser's session (logged in to Mein Bereich only).
    expect(sessions[0]!.authorizations.map((authorization) => authorization.clientId)).toEqual(['kontor-account']);

    // This browser is still in the account area.
    expect((await agent.get('/account/sessions')).status).toBe(200);

    expect(await kontor.container.logins.login({ identifier: user.email, password: user.password, ip: '192.0.2.10' })).toMatchObject({ kind: 'failed' });
    expect(await kontor.container.logins.login({ identifier: user.email, password: NEW_PASSWORD, ip: '192.0.2.10' })).toMatchObject({ kind: 'succeeded' });
    expect(await events(user, 'password.changed')).toHaveLength(1);

    const [mail] = await smtp.waitFor(user.email, 1);
    expect(mail!.subject).toBe('Ihr Passwort wurde geändert');
    expect(mail!.text).toContain('überall sonst abgemeldet');
  });

  it('needs a fresh login: after 6 minutes the change is refused, sent to re-authenticate, and applied only after it', async () => {
    const user = await createUser(kontor);
    const { agent } = await openAccountArea(kontor, user);
    const page = await agent.get('/account/password');
    kontor.clock.advance(6 * 60);
    const refused = await submitPasswordForm(agent, page, { current: user.password, next: NEW_PASSWORD });
    expect(refused.status).toBe(303);
    expect(refused.location).toBe('/account/login?return=%2Faccount%2Fpassword&reauth=1');
    expect(await kontor.container.passwords.verifyFor(user.accountId, user.password)).toBe(true);
    expect(await events(user, 'password.changed')).toHaveLength(0);

    const back = await reauthenticate(agent, await agent.follow(refused), { password: user.password, username: user.email });
    expect(back.url).toContain('/account/password');
    const done = await submitPasswordForm(agent, back, { current: user.password, next: NEW_PASSWORD });
    expect(done.location).toBe('/account?done=password_changed');
  });

  it('speaks English', async () => {
    const user = await createUser(kontor);
    const { agent } = await openAccountArea(kontor, user);
    const page = await agent.get('/account/password?lang=en');
    expect(page.body).toContain('Current password');
    expect(page.body).toContain('New password');
  });
});
