import { createServer, type AddressInfo } from 'node:net';
import type * as oidc from 'openid-client';
import { configFile } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { SmtpSink } from './helpers/smtp-sink.ts';
import { decodeEntities } from './helpers/browser-agent.ts';
import { BrowserAgent, authorizationRequest, discover, registerClient, REDIRECT_URI } from './helpers/relying-party.ts';
import { confirmLink, newRegistrant, registerThroughInteraction } from './helpers/registration.ts';
import { Account } from '../src/accounts/account.entity.ts';

interface OutboxRow {
  id: string;
  message: string;
  recipient: string;
  subject: string;
  status: string;
  attempts: number;
  last_error: string | null;
  sealed_body: string;
  locked_until: Date | null;
  sent_at: Date | null;
}

async function outboxRows(kontor: TestKontor, recipient?: string): Promise<OutboxRow[]> {
  return kontor.container.db.orm.em
    .fork()
    .execute<OutboxRow[]>(
      recipient ? 'select * from mail_outbox where recipient = ? order by created_at' : 'select * from mail_outbox order by created_at',
      recipient ? [recipient] : [],
      'all',
    );
}

async function sql(kontor: TestKontor, query: string, params: unknown[] = []): Promise<void> {
  await kontor.container.db.orm.em.fork().execute(query, params, 'run');
}

/** Polls until `probe` returns a value (or fails after `timeoutMs`). */
async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('mail outbox with an SMTP server', () => {
  let kontor: TestKontor;
  let smtp: SmtpSink;
  let config: oidc.Configuration;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    // A long poll interval: sending happens on the write nudge and on the test's dispatchNow() only.
    kontor = await startTestKontor('postgres', {
      SMTP_URL: smtp.url,
      KONTOR_CONFIG_FILE: configFile({ mail: { retryBaseSeconds: 1, dispatchIntervalSeconds: 3600 } }),
    });
    const client = await registerClient(kontor);
    config = await discover(kontor, client.clientId, client.clientSecret);
  });
  afterAll(async () => {
    await kontor?.stop();
    await smtp?.stop();
  });

  it('keeps the confirmation mail while SMTP is down and sends it exactly once when SMTP is back', async () => {
    await smtp.stop();
    let row: OutboxRow;
    try {
      const person = newRegistrant();
      const page = await registerThroughInteraction(new BrowserAgent(kontor.url), await authorizationRequest(config), person);
      expect(page.status).toBe(200);
      expect(page.body).toContain('Bitte bestätigen Sie Ihre E-Mail-Adresse');

      row = await until('a failed delivery attempt', async () => {
        const [found] = await outboxRows(kontor, person.email);
        return found && found.attempts >= 1 && found.last_error && !found.locked_until ? found : undefined;
      });
      expect(row.status).toBe('pending');
      expect(row.attempts).toBeGreaterThanOrEqual(1);
      expect(row.last_error).toMatch(/ECONNREFUSED|connect/i);
      expect(smtp.to(person.email)).toHaveLength(0);
    } finally {
      await smtp.listen();
    }

    // Past any retry delay (backoff is capped at an hour).
    kontor.clock.advance(3600);
    expect(await kontor.container.mailDispatcher.dispatchNow()).toBe(1);
    const [mail] = await smtp.waitFor(row.recipient);
    expect(mail!.subject).toBe('Bitte bestätigen Sie Ihre E-Mail-Adresse');
    expect(mail!.messageId).toBe(`<${row.id}@localhost>`);

    // Nothing goes out twice: another round finds nothing due.
    expect(await kontor.container.mailDispatcher.dispatchNow()).toBe(0);
    await sleep(500);
    expect(smtp.to(row.recipient)).toHaveLength(1);
    const [after] = await outboxRows(kontor, row.recipient);
    expect(after).toMatchObject({ status: 'sent', last_error: null, locked_until: null });
    expect(after!.sent_at).not.toBeNull();
    expect((await kontor.container.outbox.list({ status: 'sent', recipient: row.recipient })).map((entry) => entry.id)).toEqual([row.id]);
  });

  it('sends a row again under the same Message-ID, so mail systems can recognise a duplicate', async () => {
    const person = newRegistrant();
    await registerThroughInteraction(new BrowserAgent(kontor.url), await authorizationRequest(config), person);
    const [first] = await smtp.waitFor(person.email);
    const [row] = await outboxRows(kontor, person.email);
    await until('the row marked sent', async () => (await outboxRows(kontor, person.email))[0]?.status === 'sent');
    expect(first!.messageId).toBe(`<${row!.id}@localhost>`);

    // As after a crash between the SMTP server's OK and the status update.
    await sql(kontor, "update mail_outbox set status = 'pending', next_attempt_at = now() where id = ?", [row!.id]);
    await kontor.container.mailDispatcher.dispatchNow();
    const mails = await smtp.waitFor(person.email, 2);
    expect(mails.map((mail) => mail.messageId)).toEqual([first!.messageId, first!.messageId]);
  });

  it('writes no mail when the registration that would cause it fails', async () => {
    const before = (await outboxRows(kontor)).length;

    // On the form: a required consent is missing.
    const refused = await registerThroughInteraction(new BrowserAgent(kontor.url), await authorizationRequest(config), newRegistrant({ consents: [] }));
    expect(refused.status).toBe(400);

    // In the service: the transaction fails at commit, after the mail was enqueued (the audit event's
    // ip column holds 64 characters).
    const person = newRegistrant();
    const draft = {
      salutation: null,
      givenName: person.givenName,
      familyName: person.familyName,
      email: person.email,
      username: null,
      passwordHash: await kontor.container.passwords.hash(person.password),
      profile: {},
    };
    await expect(kontor.container.registration.register(draft, new Set(['privacy']), { ip: 'x'.repeat(200), locale: 'de' })).rejects.toThrow(/value too long/);

    expect(await outboxRows(kontor)).toHaveLength(before);
    expect(await kontor.container.db.orm.em.fork().count(Account, { emailNormalized: person.email.toLowerCase() })).toBe(0);
  });

  it('stores the mail body encrypted and decrypts it only through the outbox', async () => {
    const person = newRegistrant();
    await registerThroughInteraction(new BrowserAgent(kontor.url), await authorizationRequest(config), person);
    const [row] = await outboxRows(kontor, person.email);
    const read = await kontor.container.outbox.read(row!.id);
    const token = /\/register\/confirm\?token=([A-Za-z0-9_-]+)/.exec(read!.text)?.[1];
    expect(token).toBeDefined();
    expect(read!.html).toContain('E-Mail-Adresse bestätigen');
    expect(read!.text).toContain('bestätigen');

    const sealed = row!.sealed_body;
    expect(sealed).not.toContain(token);
    expect(sealed).not.toContain('bestätigen');
    expect(sealed).not.toContain(person.givenName);
    // Nor in any of its base64url parts decoded.
    for (const part of sealed.split('.')) {
      const bytes = Buffer.from(part, 'base64url');
      expect(bytes.includes(Buffer.from(token!))).toBe(false);
      expect(bytes.includes(Buffer.from('bestätigen'))).toBe(false);
    }
  });

  it('writes the mail in the language of the registering person', async () => {
    const person = newRegistrant();
    const page = await registerThroughInteraction(new BrowserAgent(kontor.url), await authorizationRequest(config, { ui_locales: 'en' }), person);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Please confirm your e-mail address');
    const [mail] = await smtp.waitFor(person.email);
    expect(mail!.subject).toBe('Please confirm your e-mail address');
    const [row] = await outboxRows(kontor, person.email);
    expect(row!.subject).toBe('Please confirm your e-mail address');
  });

  it('has no development mailbox when dev features are off', async () => {
    const response = await fetch(`${kontor.url}/dev/mail`);
    expect(response.status).toBe(404);
    const [row] = await outboxRows(kontor);
    expect((await fetch(`${kontor.url}/dev/mail/${row!.id}`)).status).toBe(404);
  });
});

describe('mail outbox when SMTP keeps failing', () => {
  let kontor: TestKontor;
  let config: oidc.Configuration;

  beforeAll(async () => {
    kontor = await startTestKontor('postgres', {
      SMTP_URL: `smtp://127.0.0.1:${await closedPort()}`,
      KONTOR_CONFIG_FILE: configFile({ mail: { maxAttempts: 2, retryBaseSeconds: 1, dispatchIntervalSeconds: 3600 } }),
    });
    const client = await registerClient(kontor);
    config = await discover(kontor, client.clientId, client.clientSecret);
  });
  afterAll(() => kontor?.stop());

  it('marks mail failed after maxAttempts, keeps the error, and retry puts it back in the queue', async () => {
    const person = newRegistrant();
    const page = await registerThroughInteraction(new BrowserAgent(kontor.url), await authorizationRequest(config), person);
    expect(page.status).toBe(200);

    const first = await until('the first attempt', async () => {
      const [row] = await outboxRows(kontor, person.email);
      return row && row.attempts === 1 && !row.locked_until ? row : undefined;
    });
    expect(first.status).toBe('pending');
    expect(first.last_error).toBeTruthy();

    kontor.clock.advance(3600);
    expect(await kontor.container.mailDispatcher.dispatchNow()).toBe(0);
    const [failed] = await outboxRows(kontor, person.email);
    expect(failed).toMatchObject({ status: 'failed', attempts: 2 });
    expect(failed!.last_error).toMatch(/ECONNREFUSED|connect/i);

    // Failed mail is not picked up again by itself.
    kontor.clock.advance(3600);
    await kontor.container.mailDispatcher.dispatchNow();
    expect(await outboxRows(kontor, person.email)).toMatchObject([{ status: 'failed', attempts: 2 }]);
    expect((await kontor.container.outbox.list({ status: 'failed' })).map((entry) => entry.id)).toEqual([first.id]);
    expect((await kontor.container.outbox.list({ status: 'failed' }))[0]!.lastError).toBeTruthy();

    expect(await kontor.container.outbox.retry('all-failed')).toBe(1);
    const [retried] = await outboxRows(kontor, person.email);
    expect(retried!.status).toBe('pending');
    // retry() nudges the dispatcher at once, which may already have tried (and failed) once more.
    expect(retried!.attempts).toBeLessThanOrEqual(1);
    expect(await kontor.container.outbox.list({ status: 'failed' })).toEqual([]);
  });
});

describe('development mailbox', () => {
  let kontor: TestKontor;
  let config: oidc.Configuration;

  beforeAll(async () => {
    kontor = await startTestKontor('postgres', { KONTOR_DEV_FEATURES: 'true' });
    const client = await registerClient(kontor);
    config = await discover(kontor, client.clientId, client.clientSecret);
  });
  afterAll(() => kontor?.stop());

  it('lists outbox mail with a clickable confirmation link that confirms the account', async () => {
    expect(kontor.container.mailDispatcher.sending).toBe(false);
    const person = newRegistrant();
    const page = await registerThroughInteraction(new BrowserAgent(kontor.url), await authorizationRequest(config), person);
    expect(page.status).toBe(200);
    const [row] = await outboxRows(kontor, person.email);
    expect(row!.status).toBe('pending');

    const mailbox = new BrowserAgent(kontor.url);
    const list = await mailbox.get('/dev/mail');
    expect(list.status).toBe(200);
    expect(list.body).toContain('Bitte bestätigen Sie Ihre E-Mail-Adresse');
    expect(list.body).toContain(person.email);
    const links = [...list.body.matchAll(/<a href="([^"]+)"/g)].map((match) => decodeEntities(match[1]!));
    const link = links.find((href) => href.startsWith(`${kontor.url}/register/confirm?token=`));
    expect(link).toBeDefined();
    expect((await kontor.container.outbox.read(row!.id))!.text).toContain(link);
    expect(links).toContain(`/dev/mail/${row!.id}`);

    const html = await mailbox.get(`/dev/mail/${row!.id}`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.body).toBe((await kontor.container.outbox.read(row!.id))!.html);
    expect(html.body).toContain('E-Mail-Adresse bestätigen');

    // The mailbox is another browser than the registering one: it is asked for the password.
    const confirmed = await confirmLink(mailbox, link!, (location) => location.startsWith(REDIRECT_URI), person.password);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toContain('Ihr Servicekonto ist aktiviert');
    const account = await kontor.container.db.orm.em.fork().findOneOrFail(Account, { emailNormalized: person.email.toLowerCase() });
    expect(account).toMatchObject({ status: 'active', emailVerified: true });
  });
});
