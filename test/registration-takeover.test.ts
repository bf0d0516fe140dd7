import type * as oidc from 'openid-client';
import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { SmtpSink } from './helpers/smtp-sink.ts';
import { BrowserAgent, authorizationRequest, discover, formEndingWith, open, registerClient, submitLogin, REDIRECT_URI } from './helpers/relying-party.ts';
import { confirmLink, fieldError, newRegistrant, registerThroughInteraction, type Registrant } from './helpers/registration.ts';
import type { AgentResponse } from './helpers/browser-agent.ts';
import { Account } from '../src/accounts/account.entity.ts';

// Pre-account takeover: an attacker registers the victim's address with the attacker's password and
// waits for the victim to click "confirm" in the mail. Whoever confirms must be the one whose password
// counts: the registering browser (its registration cookie) or someone who knows the password.

describe('who confirms an address', () => {
  let kontor: TestKontor;
  let smtp: SmtpSink;
  let config: oidc.Configuration;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    kontor = await startTestKontor('postgres', {
      SMTP_URL: smtp.url,
      KONTOR_CONFIG_FILE: configFile({ rateLimits: { ...ROOMY_RATE_LIMITS.rateLimits, confirmAttemptsPerLink: { limit: 3, windowSeconds: 86400 } } }),
    });
    const client = await registerClient(kontor);
    config = await discover(kontor, client.clientId, client.clientSecret);
  });
  afterAll(async () => {
    await kontor?.stop();
    await smtp?.stop();
  });

  const accountOf = (email: string) => kontor.container.db.orm.em.fork().findOne(Account, { emailNormalized: email.toLowerCase() });

  /** Registers `person` in a fresh browser; returns that browser and the mailed link. */
  async function register(person: Registrant): Promise<{ agent: BrowserAgent; link: string }> {
    const agent = new BrowserAgent(kontor.url);
    const before = smtp.to(person.email).length;
    expect((await registerThroughInteraction(agent, await authorizationRequest(config), person)).status).toBe(200);
    const mail = (await smtp.waitFor(person.email, before + 1))[before]!;
    return { agent, link: SmtpSink.linkIn(mail, `${kontor.url}/register/confirm?token=`) };
  }

  async function pressConfirm(agent: BrowserAgent, link: string, fields: Record<string, string> = {}): Promise<AgentResponse> {
    const form = formEndingWith((await agent.get(link)).body, '/register/confirm');
    return agent.post(form.action, { ...form.fields, ...fields });
  }

  async function login(email: string, password: string): Promise<AgentResponse> {
    const agent = new BrowserAgent(kontor.url);
    return submitLogin(agent, await open(agent, (await authorizationRequest(config)).url), email, password);
  }
  const loginStatus = async (email: string, password: string) => (await login(email, password)).status;

  it('does not activate a registration the attacker started when the victim clicks the link in another browser; the attacker’s password never logs in', async () => {
    const victimEmail = `buerger.${Date.now()}@example.org`;
    const attacker = newRegistrant({ email: victimEmail, password: 'Angreifer-Pass-1' });
    const { link } = await register(attacker);

    const victim = new BrowserAgent(kontor.url);
    const page = await victim.get(link);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Bitte geben Sie zur Bestätigung das Passwort ein, das Sie bei der Registrierung gewählt haben.');
    expect(page.body).toContain('Sie haben sich nicht registriert? Dann schließen Sie diese Seite und ignorieren Sie die E-Mail');

    // The button alone (the old behaviour) and the victim's own password both leave the account pending.
    const bare = await pressConfirm(victim, link);
    expect(bare.status).toBe(400);
    expect(fieldError(bare, 'password')).toBe('Bitte geben Sie das Passwort ein, das Sie bei der Registrierung gewählt haben.');
    const wrong = await pressConfirm(victim, link, { password: 'Opfer-Passwort-2' });
    expect(wrong.status).toBe(400);
    expect(fieldError(wrong, 'password')).toMatch(/^Das Passwort passt nicht zu dieser Registrierung\./);
    expect(await accountOf(victimEmail)).toMatchObject({ status: 'pending', emailVerified: false });

    // The attacker's password does not log in (unconfirmed), and the victim can still register the address.
    expect(await loginStatus(victimEmail, attacker.password)).toBe(403);
    const owner = newRegistrant({ email: victimEmail, password: 'Opfer-Passwort-2' });
    const mine = await register(owner);
    const confirmed = await confirmLink(mine.agent, mine.link, (location) => location.startsWith(REDIRECT_URI));
    expect(confirmed.location ?? confirmed.body).toMatch(/code=|\/consent"/);
    expect(await accountOf(victimEmail)).toMatchObject({ status: 'active', emailVerified: true });
    expect(await loginStatus(victimEmail, attacker.password)).toBe(401);
    // The attacker's link died with the registration the owner's replaced.
    expect((await victim.get(link)).status).toBe(410);
  });

  it('confirms in the registering browser with the button alone, no extra step', async () => {
    const person = newRegistrant();
    const { agent, link } = await register(person);
    const page = await agent.get(link);
    expect(page.body).not.toContain('name="password"');
    const pressed = await pressConfirm(agent, link);
    expect(pressed.status).toBe(303);
    expect(pressed.location).toMatch(/^\/interaction\/[^/]+\/resume$/);
    expect(await accountOf(person.email)).toMatchObject({ status: 'active', emailVerified: true });
  });

  it('lets the owner confirm from another browser by entering the password chosen at registration', async () => {
    const person = newRegistrant();
    const { link } = await register(person);
    const phone = new BrowserAgent(kontor.url);
    const confirmed = await confirmLink(phone, link, undefined, person.password);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toContain('Ihr Servicekonto ist aktiviert');
    expect(await accountOf(person.email)).toMatchObject({ status: 'active', emailVerified: true });
    // Logged in: on to the consent page.
    const loggedIn = await login(person.email, person.password);
    expect(loggedIn.status).toBe(200);
    expect(loggedIn.body).toContain('/consent"');
  });

  it('refuses further password attempts on one link after confirmAttemptsPerLink, even the right password', async () => {
    const person = newRegistrant();
    const { link } = await register(person);
    const guesser = new BrowserAgent(kontor.url);
    for (let i = 0; i < 3; i += 1) expect((await pressConfirm(guesser, link, { password: `Falsch-geraten-${i}` })).status).toBe(400);
    const refused = await pressConfirm(new BrowserAgent(kontor.url), link, { password: person.password });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await accountOf(person.email)).toMatchObject({ status: 'pending' });
  });
});
