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
});
