import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { SmtpSink } from './helpers/smtp-sink.ts';
import {
  BrowserAgent,
  authorizationRequest,
  createUser,
  discover,
  open,
  registerClient,
  submitLogin,
  REDIRECT_URI,
  type TestUser,
} from './helpers/relying-party.ts';
import type * as oidc from 'openid-client';
import { AuditEvent } from '../src/audit/audit-event.entity.ts';
import { AccountAttributeReader } from '../src/accounts/index.ts';
import { openAccountArea, reauthenticate, formEndingWith } from './helpers/account-area.ts';
import { decodeEntities, type AgentResponse } from './helpers/browser-agent.ts';
import { fieldError } from './helpers/registration.ts';

const LINK = '/account/email/confirm?token=';

describe('e-mail change (seed 001 "E-Mail-Adresse ändern")', () => {
  let kontor: TestKontor;
  let smtp: SmtpSink;
  let portal: oidc.Configuration;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    kontor = await startTestKontor('postgres', { SMTP_URL: smtp.url, KONTOR_CONFIG_FILE: configFile(ROOMY_RATE_LIMITS) });
    const client = await registerClient(kontor, { consent: 'remembered' });
    portal = await discover(kontor, client.clientId, client.clientSecret);
  });
  afterAll(async () => {
    await kontor?.stop();
    await smtp?.stop();
  });

  const context = { ip: '127.0.0.1', locale: 'de' as const };
  let counter = 0;
  const freshAddress = () => `neu${++counter}.${Date.now()}@example.net`;

  /** A real login at a portal with this name and password: true when it reaches the portal. */
  async function logsIn(identifier: string, password: string): Promise<boolean> {
    const agent = new BrowserAgent(kontor.url);
    const page = await open(agent, (await authorizationRequest(portal)).url);
    const next = await submitLogin(agent, page, identifier, password);
    // Past the password: the portal's callback or its consent page; a refused login shows the login form again.
    return Boolean(next.location?.startsWith(REDIRECT_URI)) || (next.status === 200 && next.body.includes('/consent'));
  }

  async function request(user: TestUser, address: string) {
    return kontor.container.emailChanges.requestEmailChange(user.accountId, address, context);
  }

  async function audits(accountId: string, type: string) {
    return kontor.container.db.orm.em.fork().find(AuditEvent, { accountId, type: type as AuditEvent['type'] });
  }

  it('mails a link to the new address and a notice without a link to the old one; only the link switches the login', async () => {
    const user = await createUser(kontor);
    const address = freshAddress();
    expect(await request(user, address)).toEqual({ kind: 'requested' });
    const [confirm] = await smtp.waitFor(address);
    const [notice] = await smtp.waitFor(user.email);
    expect(confirm!.subject).toBe('Bitte bestätigen Sie Ihre neue E-Mail-Adresse');
    expect(confirm!.text).toContain('24 Stunden');
    const link = SmtpSink.linkIn(confirm!, `${kontor.url}${LINK}`);
    expect(notice!.subject).toBe('Änderung Ihrer E-Mail-Adresse angefordert');
    expect(notice!.text).toContain(`n***@example.net`);
    expect(notice!.text).not.toContain(address);
    expect(notice!.text).not.toMatch(/https?:\/\//);

    // Step 8: before the link is used, the old address is the login and the new one is not.
    expect(await logsIn(user.email, user.password)).toBe(true);
    expect(await logsIn(address, user.password)).toBe(false);

    const token = new URL(link).searchParams.get('token')!;
    expect(await kontor.container.emailChanges.peek(token)).toEqual({ accountId: user.accountId });
    expect(await kontor.container.emailChanges.confirmEmailChange(token, { ip: '127.0.0.1' })).toEqual({ kind: 'changed', accountId: user.accountId });

    // Step 10: afterwards only the new address works.
    expect(await logsIn(address, user.password)).toBe(true);
    expect(await logsIn(user.email, user.password)).toBe(false);
    const account = await kontor.container.accounts.findById(user.accountId);
    expect(account).toMatchObject({ email: address, emailNormalized: address.toLowerCase(), emailVerified: true, username: null });
    const attributes = await new AccountAttributeReader(kontor.container.db.orm.em, []).attributesOf(user.accountId);
    expect(attributes?.find((attribute) => attribute.name === 'email')).toMatchObject({ value: address, source: 'email_confirmed' });
    expect(attributes?.find((attribute) => attribute.name === 'email')?.verifiedAt).toBeInstanceOf(Date);

    const [done] = await smtp.waitFor(user.email, 2);
    expect(smtp.to(user.email)[1]!.subject).toBe('Ihre E-Mail-Adresse wurde geändert');
    expect(done).toBeDefined();
    const [changed] = await audits(user.accountId, 'email.changed');
    expect(changed).toBeDefined();
    expect(JSON.stringify(changed!.details)).not.toContain('@');
  });

  it('refuses a used link the second time and an expired one', async () => {
    const user = await createUser(kontor);
    const address = freshAddress();
    await request(user, address);
    const token = new URL(SmtpSink.linkIn((await smtp.waitFor(address))[0]!, `${kontor.url}${LINK}`)).searchParams.get('token')!;
    expect((await kontor.container.emailChanges.confirmEmailChange(token, { ip: '127.0.0.1' })).kind).toBe('changed');
    expect(await kontor.container.emailChanges.confirmEmailChange(token, { ip: '127.0.0.1' })).toEqual({ kind: 'invalid' });

    const other = await createUser(kontor);
    const later = freshAddress();
    await request(other, later);
    const expired = new URL(SmtpSink.linkIn((await smtp.waitFor(later))[0]!, `${kontor.url}${LINK}`)).searchParams.get('token')!;
    kontor.clock.advance(24 * 3600 + 1);
    expect(await kontor.container.emailChanges.peek(expired)).toBeNull();
    expect(await kontor.container.emailChanges.confirmEmailChange(expired, { ip: '127.0.0.1' })).toEqual({ kind: 'invalid' });
    expect((await kontor.container.accounts.findById(other.accountId))?.email).toBe(other.email);
  });

  it('answers a taken address like a free one but sends no link to anyone', async () => {
    const user = await createUser(kontor);
    const owner = await createUser(kontor);
    const ownerMails = smtp.to(owner.email).length;
    const before = smtp.mails.length;
    expect(await request(user, owner.email.toUpperCase())).toEqual({ kind: 'requested' });
    const [notice] = await smtp.waitFor(user.email);
    expect(notice!.subject).toBe('Änderung Ihrer E-Mail-Adresse angefordert');
    // Give the dispatcher time to send anything else it might have written.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const sent = smtp.mails.slice(before);
    expect(smtp.to(user.email)).toHaveLength(1);
    expect(sent.some((mail) => mail.text.includes(LINK))).toBe(false);
    expect(smtp.to(owner.email)).toHaveLength(ownerMails);
  });

  it('refuses the link when the address was taken in the meantime, and a new request replaces an open one', async () => {
    const user = await createUser(kontor);
    const address = freshAddress();
    await request(user, address);
    const first = new URL(SmtpSink.linkIn((await smtp.waitFor(address))[0]!, `${kontor.url}${LINK}`)).searchParams.get('token')!;
    await request(user, address);
    const second = new URL(SmtpSink.linkIn((await smtp.waitFor(address, 2))[1]!, `${kontor.url}${LINK}`)).searchParams.get('token')!;
    expect(await kontor.container.emailChanges.peek(first)).toBeNull();
    await createUser(kontor, { email: address });
    expect(await kontor.container.emailChanges.confirmEmailChange(second, { ip: '127.0.0.1' })).toEqual({ kind: 'taken' });
    expect((await kontor.container.accounts.findById(user.accountId))?.email).toBe(user.email);
  });

  it('refuses a malformed address and the current one', async () => {
    const user = await createUser(kontor);
    await expect(request(user, 'kein-at-zeichen')).rejects.toMatchObject({ code: 'account.email_invalid' });
    await expect(request(user, 'müller@example.org')).rejects.toMatchObject({ code: 'account.email_ascii_only' });
    await expect(request(user, user.email.toUpperCase())).rejects.toMatchObject({ code: 'account.email_change_same' });
  });
  describe('the pages /account/email and the link', () => {
    /** The visible text of a page without its markup (and the CSRF token, which differs per response). */
    const visible = (page: AgentResponse) => decodeEntities(page.body.replace(/<input type="hidden"[^>]*>/g, '').replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');

    async function submit(agent: BrowserAgent, newEmail: string, newEmailConfirmation = newEmail): Promise<AgentResponse> {
      const form = formEndingWith((await agent.get('/account/email')).body, '/account/email');
      return agent.post(form.action, { ...form.fields, newEmail, newEmailConfirmation });
    }

    it('asks for the address twice, then confirms it by a button on the link page, without the area session', async () => {
      const user = await createUser(kontor);
      const { agent } = await openAccountArea(kontor, user);
      const address = freshAddress();
      const mismatch = await submit(agent, address, `x${address}`);
      expect(mismatch.status).toBe(400);
      expect(fieldError(mismatch, 'newEmailConfirmation')).toBe('Die beiden E-Mail-Adressen stimmen nicht überein.');
      expect(mismatch.body).toContain(`value="${address}"`);
      const same = await submit(agent, user.email);
      expect(fieldError(same, 'newEmail')).toContain('bereits Ihre E-Mail-Adresse');

      const sent = await submit(agent, address);
      expect(sent.status).toBe(200);
      expect(visible(sent)).toContain(`Wir haben Ihnen einen Link an die neue Adresse ${address} gesendet`);
      const link = SmtpSink.linkIn((await smtp.waitFor(address))[0]!, `${kontor.url}${LINK}`);

      // Another device, no session: a GET shows the button only (mail scanners prefetch links).
      const elsewhere = new BrowserAgent(kontor.url);
      const confirmPage = await elsewhere.get(link);
      expect(confirmPage.status).toBe(200);
      expect((await kontor.container.accounts.findById(user.accountId))?.email).toBe(user.email);
      const button = formEndingWith(confirmPage.body, '/account/email/confirm');
      const done = await elsewhere.post(button.action, button.fields);
      expect(done.status).toBe(200);
      expect(visible(done)).toContain('Ihre neue E-Mail-Adresse ist aktiviert');
      expect((await kontor.container.accounts.findById(user.accountId))?.email).toBe(address);

      const again = await elsewhere.post(button.action, button.fields);
      expect(again.status).toBe(410);
      expect(visible(again)).toContain('Dieser Link gilt nicht mehr');
      expect((await elsewhere.get(link)).status).toBe(410);
    });

    it('answers a taken address with the same status and page as a free one', async () => {
      const user = await createUser(kontor);
      const owner = await createUser(kontor);
      const { agent } = await openAccountArea(kontor, user);
      const free = freshAddress();
      const taken = owner.email;
      const started = Date.now();
      const forFree = await submit(agent, free);
      const freeMs = Date.now() - started;
      const startedTaken = Date.now();
      const forTaken = await submit(agent, taken);
      const takenMs = Date.now() - startedTaken;
      expect(forTaken.status).toBe(forFree.status);
      expect(visible(forTaken).replace(taken, 'ADDRESS')).toBe(visible(forFree).replace(free, 'ADDRESS'));
      // Both are padded to the same minimum (250 ms): neither answers faster than it.
      expect(Math.min(freeMs, takenMs)).toBeGreaterThanOrEqual(250);
      await smtp.waitFor(user.email, 2);
      expect(smtp.to(taken).filter((mail) => mail.text.includes(LINK))).toHaveLength(0);
    });

    it('needs a fresh login for the form and for the request', async () => {
      const user = await createUser(kontor);
      const { agent } = await openAccountArea(kontor, user);
      const form = formEndingWith((await agent.get('/account/email')).body, '/account/email');
      kontor.clock.advance(6 * 60);
      const before = smtp.mails.length;
      const post = await agent.post(form.action, { ...form.fields, newEmail: freshAddress(), newEmailConfirmation: 'x' });
      expect(post.location).toBe('/account/login?return=%2Faccount%2Femail&reauth=1');
      const get = await agent.get('/account/email');
      expect(get.location).toBe('/account/login?return=%2Faccount%2Femail&reauth=1');
      const back = await reauthenticate(agent, await agent.follow(get), { password: user.password, username: user.email });
      expect(back.url).toBe(`${kontor.url}/account/email`);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(smtp.mails.slice(before).filter((mail) => mail.to.includes(user.email))).toHaveLength(0);
    });
  });
});

describe('e-mail change rate limits', () => {
  let kontor: TestKontor;
  let smtp: SmtpSink;
  beforeAll(async () => {
    smtp = await SmtpSink.start();
    kontor = await startTestKontor('postgres', {
      SMTP_URL: smtp.url,
      KONTOR_CONFIG_FILE: configFile({
        rateLimits: { emailChangePerAccount: { limit: 2, windowSeconds: 3600 }, emailChangePerIp: { limit: 3, windowSeconds: 3600 } },
      }),
    });
  });
  afterAll(async () => {
    await kontor?.stop();
    await smtp?.stop();
  });

  it('stops per account, then per IP, without writing a link', async () => {
    const user = await createUser(kontor);
    const changes = kontor.container.emailChanges;
    const context = { ip: '203.0.113.7', locale: 'de' as const };
    expect((await changes.requestEmailChange(user.accountId, 'a1@example.net', context)).kind).toBe('requested');
    expect((await changes.requestEmailChange(user.accountId, 'a2@example.net', context)).kind).toBe('requested');
    expect(await changes.requestEmailChange(user.accountId, 'a3@example.net', context)).toMatchObject({ kind: 'limited' });
    const other = await createUser(kontor);
    expect(await changes.requestEmailChange(other.accountId, 'b1@example.net', context)).toMatchObject({ kind: 'limited' });
    expect((await changes.requestEmailChange(other.accountId, 'b1@example.net', { ...context, ip: '203.0.113.8' })).kind).toBe('requested');
  });

  it('answers the page with 429 and Retry-After once the requests of the account are used up', async () => {
    const user = await createUser(kontor);
    const { agent } = await openAccountArea(kontor, user);
    const statuses: number[] = [];
    for (const n of [1, 2, 3]) {
      const form = formEndingWith((await agent.get('/account/email')).body, '/account/email');
      const response = await agent.post(form.action, { ...form.fields, newEmail: `c${n}@example.net`, newEmailConfirmation: `c${n}@example.net` });
      statuses.push(response.status);
      if (response.status === 429) expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(statuses).toEqual([200, 200, 429]);
  });
});
