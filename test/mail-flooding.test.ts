import type * as oidc from 'openid-client';
import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { SmtpSink } from './helpers/smtp-sink.ts';
import { BrowserAgent, authorizationRequest, createUser, discover, formEndingWith, registerClient } from './helpers/relying-party.ts';
import { newRegistrant, registerThroughInteraction } from './helpers/registration.ts';
import type { AgentResponse } from './helpers/browser-agent.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Kontor must not become a tool for flooding someone's mailbox: one recipient per mail, and a cap per
// recipient and mail kind that no form (and no future mail kind) can get around.

describe('mail flooding', () => {
  let kontor: TestKontor;
  let smtp: SmtpSink;
  let config: oidc.Configuration;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    kontor = await startTestKontor('postgres', {
      SMTP_URL: smtp.url,
      KONTOR_CONFIG_FILE: configFile({ ...ROOMY_RATE_LIMITS, mail: { perRecipient: { limit: 2, windowSeconds: 3600 } } }),
    });
    const client = await registerClient(kontor);
    config = await discover(kontor, client.clientId, client.clientSecret);
  });
  afterAll(async () => {
    await kontor?.stop();
    await smtp?.stop();
  });

  const outboxTo = (fragment: string) =>
    kontor.container.db.orm.em
      .fork()
      .execute<Array<{ message: string }>>('select message from mail_outbox where lower(recipient) like ?', [`%${fragment.toLowerCase()}%`], 'all');

  /** Sends the only form at `path` with these fields. */
  async function submit(path: string, fields: Record<string, string>): Promise<AgentResponse> {
    const agent = new BrowserAgent(kontor.url);
    const form = formEndingWith((await agent.get(path)).body, path);
    return agent.post(form.action, { ...form.fields, ...fields });
  }

  /** Everything written so far has been handed to SMTP (or given up). */
  async function drain(): Promise<void> {
    await kontor.container.mailDispatcher.dispatchNow();
    await sleep(300);
  }

  it('refuses "a,victim@example.org" on the forgotten-password and resend forms; nothing reaches the victim', async () => {
    const victim = await createUser(kontor);
    for (const identifier of [`a,${victim.email}`, `a@example.org,${victim.email}`, `${victim.email} a@example.org`]) {
      const refused = await submit('/password/forgot', { identifier });
      expect(refused.status).toBe(400);
      expect(refused.body).toContain('Geben Sie genau eine E-Mail-Adresse ein, zum Beispiel name@beispiel.de.');
      expect((await submit('/register/resend', { email: identifier })).status).toBe(400);
    }
    await drain();
    expect(smtp.to(victim.email)).toEqual([]);
    expect(await outboxTo(victim.email)).toEqual([]);
  });

  it('sends at most perRecipient "you already have an account" mails, however often the address registers', async () => {
    const owner = await createUser(kontor);
    for (let i = 0; i < 4; i += 1) {
      const sent = await registerThroughInteraction(new BrowserAgent(kontor.url), await authorizationRequest(config), newRegistrant({ email: owner.email }));
      expect(sent.status).toBe(200);
      expect(sent.body).toContain('Bitte bestätigen Sie Ihre E-Mail-Adresse');
    }
    await smtp.waitFor(owner.email, 2);
    await drain();
    expect(smtp.to(owner.email).map((mail) => mail.subject)).toEqual(['Sie haben bereits ein Servicekonto', 'Sie haben bereits ein Servicekonto']);
    expect(await outboxTo(owner.email)).toHaveLength(2);
  });

  it('counts the cap by the normalised address: other spellings of it share one budget', async () => {
    const user = await createUser(kontor);
    const [local, domain] = user.email.split('@') as [string, string];
    for (const spelling of [user.email, `${local.toUpperCase()}@${domain}`, ` ${user.email.toUpperCase()} `]) {
      expect((await submit('/password/forgot', { identifier: spelling })).status).toBe(200);
    }
    await smtp.waitFor(user.email, 2);
    await drain();
    expect(smtp.mails.filter((mail) => mail.to.some((to) => to.toLowerCase() === user.email.toLowerCase()))).toHaveLength(2);
  });

  it('keeps the last mailed confirmation link valid when a further one is dropped by the cap', async () => {
    const person = newRegistrant();
    await registerThroughInteraction(new BrowserAgent(kontor.url), await authorizationRequest(config), person);
    expect((await submit('/register/resend', { email: person.email })).status).toBe(200);
    const mails = await smtp.waitFor(person.email, 2);
    const link = SmtpSink.linkIn(mails[1]!, `${kontor.url}/register/confirm?token=`);

    const third = await submit('/register/resend', { email: person.email });
    expect(third.status).toBe(200);
    expect(third.body).toContain('Bitte sehen Sie in Ihr Postfach');
    await drain();
    expect(smtp.to(person.email)).toHaveLength(2);
    expect((await new BrowserAgent(kontor.url).get(link)).status).toBe(200);
  });

  it('refuses a mail whose "to" is more than one address, at the outbox itself', async () => {
    const outbox = kontor.container.outbox;
    for (const to of ['a,victim@example.org', 'a@example.org, victim@example.org', 'Victim <victim@example.org>', 'victim@example.org\r\nBcc: b@example.org']) {
      await expect(
        kontor.container.db.orm.em
          .fork()
          .transactional((tx) => outbox.enqueue(tx, { message: 'password-reset-unknown', to, locale: 'de', data: { registerHint: true } })),
      ).rejects.toMatchObject({ code: 'mail.invalid_recipient' });
    }
    expect(await outboxTo('victim@example.org')).toEqual([]);
  });
});
