import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as oidc from 'openid-client';
import { backchannelReceiver } from './helpers/backchannel.ts';
import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { SmtpSink } from './helpers/smtp-sink.ts';
import {
  BrowserAgent,
  authorizationRequest,
  createUser,
  discover,
  formEndingWith,
  loginAndConsent,
  open,
  registerClient,
  submitLogin,
  type TestUser,
} from './helpers/relying-party.ts';
import { decodeEntities, type AgentResponse } from './helpers/browser-agent.ts';
import { AuditEvent } from '../src/audit/audit-event.entity.ts';
import { openAccountArea, reauthenticate } from './helpers/account-area.ts';

const run = promisify(execFile);
const SECRET = 'lock-test-secret-0123456789-abcdefghijklmnop';

describe('locking and unlocking an account', () => {
  let kontor: TestKontor;
  let smtp: SmtpSink;
  let portal: oidc.Configuration;
  let databaseUrl: string;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    kontor = await startTestKontor('postgres', { SMTP_URL: smtp.url, KONTOR_SECRET: SECRET, KONTOR_CONFIG_FILE: configFile(ROOMY_RATE_LIMITS) });
    databaseUrl = kontor.config.database.url!;
    const client = await registerClient(kontor, { consent: 'remembered' });
    portal = await discover(kontor, client.clientId, client.clientSecret);
  });
  afterAll(async () => {
    await kontor?.stop();
    await smtp?.stop();
  });

  /** Runs `npm run kontor -- …` on the test's database, as operators do. */
  async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, ['src/cli/main.ts', ...args], {
        env: { PATH: process.env.PATH ?? '', KONTOR_SECRET: SECRET, DATABASE_URL: databaseUrl, KONTOR_DEV_FEATURES: 'false', KONTOR_LOG_LEVEL: 'silent' },
        cwd: process.cwd(),
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  async function tryLogin(email: string, password: string): Promise<AgentResponse> {
    const agent = new BrowserAgent(kontor.url);
    return submitLogin(agent, await open(agent, (await authorizationRequest(portal)).url), email, password);
  }

  const loginWorks = async (user: TestUser) =>
    expect((await loginAndConsent(new BrowserAgent(kontor.url), await authorizationRequest(portal), user)).searchParams.get('code')).toBeTruthy();

  /** The first mail with this subject that arrived after the first `before` ones (mails may overtake each other). */
  async function mailTo(address: string, subject: string, before: number) {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const mail = smtp
        .to(address)
        .slice(before)
        .find((candidate) => candidate.subject === subject);
      if (mail) return mail;
      if (Date.now() > deadline)
        throw new Error(
          `no mail "${subject}" to ${address}; got ${smtp
            .to(address)
            .map((m) => m.subject)
            .join(', ')}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function lockOwn(user: TestUser): Promise<string> {
    const before = smtp.to(user.email).length;
    expect(await kontor.container.accountLock.lock(user.accountId, { actor: 'self', ip: '127.0.0.1' })).toMatchObject({ kind: 'locked' });
    const mail = await mailTo(user.email, 'Ihr Servicekonto ist gesperrt', before);
    return SmtpSink.linkIn(mail, `${kontor.url}/account/unlock?token=`);
  }

  /** Opens the mailed link and presses its button; returns the answer and a replay of the same POST. */
  async function unlockThrough(link: string): Promise<{ unlocked: AgentResponse; replay: () => Promise<AgentResponse> }> {
    const agent = new BrowserAgent(kontor.url);
    const page = await agent.get(link);
    expect(page.status).toBe(200);
    // A button, not a GET that unlocks: mail scanners fetch links.
    const subject = await kontor.container.accountLock.peek(new URL(link).searchParams.get('token')!);
    expect((await kontor.container.accounts.findById(subject!.accountId))?.status).toBe('locked');
    const form = formEndingWith(page.body, '/account/unlock');
    return { unlocked: await agent.post(form.action, form.fields), replay: () => agent.post(form.action, form.fields) };
  }

  const events = (accountId: string, type: string) =>
    kontor.container.db.orm.em.fork().find(AuditEvent, { accountId, type }, { orderBy: { createdAt: 'asc' } });

  it('ends every session with a back-channel logout, then refuses the login after the right password only, until the mailed link unlocks it', async () => {
    const receiver = await backchannelReceiver();
    try {
      const client = await registerClient(kontor, { backchannelLogoutUri: receiver.url, consent: 'remembered' });
      const bcPortal = await discover(kontor, client.clientId, client.clientSecret);
      const user = await createUser(kontor, { password: 'Sperr-Passwort-1' });
      const agent = new BrowserAgent(kontor.url);
      const request = await authorizationRequest(bcPortal);
      const tokens = await oidc.authorizationCodeGrant(bcPortal, await loginAndConsent(agent, request, user), {
        pkceCodeVerifier: request.codeVerifier,
        expectedState: request.state,
        expectedNonce: request.nonce,
      });

      const link = await lockOwn(user);
      expect(receiver.tokens).toHaveLength(1);
      // Everything of the account ended: sessions, grants, tokens.
      const left = await kontor.container.db.orm.em.fork().execute('select kind from oidc_payload where account_id = ?', [user.accountId], 'all');
      expect(left).toEqual([]);
      await expect(oidc.fetchUserInfo(bcPortal, tokens.access_token, tokens.claims()!.sub)).rejects.toThrow();
      // The old browser session is gone too: the portal's next request shows the login form again.
      expect((await open(agent, (await authorizationRequest(bcPortal)).url)).body).toContain('name="password"');
      expect(await events(user.accountId, 'account.locked')).toEqual([expect.objectContaining({ details: { by: 'self' } })]);

      // Wrong password: exactly the answer an unknown account gets (no enumeration of locked accounts).
      const wrong = await tryLogin(user.email, 'Falsches-Passwort-9');
      const unknown = await tryLogin('niemand.hier@example.org', 'Falsches-Passwort-9');
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.body).toContain('Die Anmeldung ist fehlgeschlagen.');
      expect(decodeEntities(wrong.body)).not.toContain('gesperrt');
      expect(decodeEntities(unknown.body)).not.toContain('gesperrt');

      // Right password: the locked page, with the way to unlock; no code reaches the portal.
      const locked = await tryLogin(user.email, user.password);
      expect(locked.status).toBe(403);
      expect(decodeEntities(locked.body)).toContain('Dieses Konto ist gesperrt');
      expect(locked.body).toContain('action="/account/unlock/resend"');
      expect(locked.location).toBeFalsy();

      const beforeUnlock = smtp.to(user.email).length;
      const { unlocked } = await unlockThrough(link);
      expect(unlocked.status).toBe(200);
      expect(decodeEntities(unlocked.body)).toContain('Ihr Konto ist entsperrt');
      expect((await kontor.container.accounts.findById(user.accountId))?.status).toBe('active');
      await mailTo(user.email, 'Ihr Servicekonto ist entsperrt', beforeUnlock);
      expect(await events(user.accountId, 'account.unlocked')).toEqual([expect.objectContaining({ details: { by: 'self' } })]);
      await loginWorks(user);
    } finally {
      receiver.server.close();
    }
  });

  it('locks from the account area after a fresh login: the portal gets a back-channel logout, the area session ends on a "locked" page', async () => {
    const receiver = await backchannelReceiver();
    try {
      const client = await registerClient(kontor, { backchannelLogoutUri: receiver.url, consent: 'remembered' });
      const bcPortal = await discover(kontor, client.clientId, client.clientSecret);
      const user = await createUser(kontor);
      await loginAndConsent(new BrowserAgent(kontor.url), await authorizationRequest(bcPortal), user);
      const { agent, page } = await openAccountArea(kontor, user);
      expect(page.body).toContain('href="/account/lock"');

      // A login older than account.reauthMinutes: the page asks to log in again, and a POST changes nothing.
      kontor.clock.advance(6 * 60);
      const stale = await agent.get('/account/lock');
      expect(stale.status).toBe(303);
      expect(stale.location).toContain('reauth=1');
      const refusedCsrf = formEndingWith(page.body, '/account/logout').fields.csrf_token!;
      expect((await agent.post('/account/lock', { csrf_token: refusedCsrf })).status).toBe(303);
      expect((await kontor.container.accounts.findById(user.accountId))?.status).toBe('active');
      expect(receiver.tokens).toHaveLength(0);

      const lockPage = await reauthenticate(agent, await agent.follow(stale), { password: user.password, username: user.email });
      expect(lockPage.status).toBe(200);
      expect(lockPage.headers.get('cache-control')).toBe('no-store');
      expect(decodeEntities(lockPage.body)).toContain('Sie werden überall abgemeldet');
      expect(decodeEntities(lockPage.body)).toContain(user.email);
      const before = smtp.to(user.email).length;
      const done = await agent.post('/account/lock', formEndingWith(lockPage.body, '/account/lock').fields);
      expect(done.status).toBe(303);
      expect(done.location).toBe('/account/locked');
      const lockedPage = await agent.follow(done);
      expect(decodeEntities(lockedPage.body)).toContain('Ihr Konto ist gesperrt');
      expect(lockedPage.body).toContain('href="/account/unlock/resend"');

      expect((await kontor.container.accounts.findById(user.accountId))?.status).toBe('locked');
      // Both IdP sessions ended: the portal's (told by back-channel logout) and the area's.
      expect(receiver.tokens).toHaveLength(1);
      expect(await kontor.container.accountSessions.list(user.accountId)).toEqual([]);
      const after = await agent.get('/account');
      expect(after.status).toBe(303);
      expect(after.location).toContain('/account/login');
      await mailTo(user.email, 'Ihr Servicekonto ist gesperrt', before);
      expect(await events(user.accountId, 'account.locked')).toEqual([expect.objectContaining({ details: { by: 'self' } })]);
    } finally {
      receiver.server.close();
    }
  });

  it('uses an unlock link once, refuses it after its lifetime, and a new link replaces the old one', async () => {
    const user = await createUser(kontor);
    const first = await lockOwn(user);
    // "Send the link again": the same page whatever the name, a new link to the account's own address.
    const agent = new BrowserAgent(kontor.url);
    const form = formEndingWith((await agent.get('/account/unlock/resend')).body, '/account/unlock/resend');
    const before = smtp.to(user.email).length;
    const sent = await agent.post(form.action, { ...form.fields, identifier: user.email });
    const nobody = await agent.post(form.action, { ...form.fields, identifier: 'nicht.registriert@example.org' });
    expect(sent.status).toBe(200);
    expect(nobody.status).toBe(200);
    const withoutToken = (page: AgentResponse) => decodeEntities(page.body).replace(/value="[^"]*"/g, '');
    expect(withoutToken(sent)).toBe(withoutToken(nobody));
    const second = SmtpSink.linkIn(await mailTo(user.email, 'Link zum Entsperren Ihres Servicekontos', before), `${kontor.url}/account/unlock?token=`);
    expect(smtp.to('nicht.registriert@example.org')).toHaveLength(0);

    expect((await new BrowserAgent(kontor.url).get(first)).status).toBe(410);
    const { unlocked, replay } = await unlockThrough(second);
    expect(unlocked.status).toBe(200);
    // Used: the link cannot unlock a second time.
    expect((await new BrowserAgent(kontor.url).get(second)).status).toBe(410);
    expect((await replay()).status).toBe(410);

    const third = await lockOwn(user);
    kontor.clock.advance(kontor.config.account.unlockLinkDays * 86_400 + 60);
    const expired = await new BrowserAgent(kontor.url).get(third);
    expect(expired.status).toBe(410);
    expect(decodeEntities(expired.body)).toContain('Dieser Link entsperrt nichts');
    expect((await kontor.container.accounts.findById(user.accountId))?.status).toBe('locked');
  });

  it('lets a locked account reset its password, which keeps it locked', async () => {
    const user = await createUser(kontor);
    await lockOwn(user);
    const before = smtp.to(user.email).length;
    await kontor.container.passwordReset.request({ identifier: user.email, ip: '127.0.0.1', locale: 'de', mayMail: true });
    const link = SmtpSink.linkIn(await mailTo(user.email, 'Passwort zurücksetzen', before), `${kontor.url}/password/reset?token=`);
    const subject = await kontor.container.passwordReset.reset(new URL(link).searchParams.get('token')!, 'Neues-Passwort-77', { ip: '127.0.0.1' });
    expect(subject?.accountId).toBe(user.accountId);
    expect((await kontor.container.accounts.findById(user.accountId))?.status).toBe('locked');
    expect((await tryLogin(user.email, 'Neues-Passwort-77')).status).toBe(403);
  });

  it('kontor user lock and user unlock: operator actor in the audit trail, JSON output, mails to the owner', async () => {
    const user = await createUser(kontor);
    const before = smtp.to(user.email).length;
    const locked = await cli(['user', 'lock', '--email', user.email, '--json']);
    expect(locked.code).toBe(0);
    expect(JSON.parse(locked.stdout)).toMatchObject({ id: user.accountId, status: 'locked', changed: true });
    // Mail the CLI's own process wrote waits for the server's dispatcher: nudge it.
    kontor.container.mailDispatcher.nudge();
    const mail = await mailTo(user.email, 'Ihr Servicekonto ist gesperrt', before);
    expect(mail.text).toContain('der Betreiber hat Ihr Servicekonto gesperrt');
    expect((await tryLogin(user.email, user.password)).status).toBe(403);
    expect(JSON.parse((await cli(['user', 'lock', '--email', user.email, '--json'])).stdout)).toMatchObject({ status: 'locked', changed: false });

    const unlocked = await cli(['user', 'unlock', '--email', user.email, '--json']);
    expect(unlocked.code).toBe(0);
    expect(JSON.parse(unlocked.stdout)).toEqual({ id: user.accountId, status: 'active', changed: true });
    expect(await events(user.accountId, 'account.locked')).toEqual([expect.objectContaining({ details: { by: 'operator' } })]);
    expect(await events(user.accountId, 'account.unlocked')).toEqual([expect.objectContaining({ details: { by: 'operator' } })]);
    await loginWorks(user);

    const missing = await cli(['user', 'unlock', '--email', 'gibt.es.nicht@example.org', '--json']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('account.not_found');
    expect((await cli(['user', 'lock', '--json'])).code).toBe(64);
  });
});
