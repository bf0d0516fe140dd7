import type * as oidc from 'openid-client';
import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { SmtpSink } from './helpers/smtp-sink.ts';
import { BrowserAgent, authorizationRequest, createUser, discover, formEndingWith, loginAndConsent, open, registerClient } from './helpers/relying-party.ts';
import { decodeEntities, type AgentResponse } from './helpers/browser-agent.ts';
import { accountFields, fieldError, markedRules, newRegistrant } from './helpers/registration.ts';

// "p@ssw0rd" is on the shipped list of breached passwords; capitalised it meets the Sachsen-Anhalt rules.
const LISTED = 'P@ssw0rd';
const NOT_COMMON = 'darf kein häufig verwendetes oder bereits bekannt gewordenes Passwort sein';
const NOT_PERSONAL = 'darf weder Ihren Namen noch Ihre E-Mail-Adresse oder Ihren Benutzernamen enthalten';
// The error says once what to do; the rule itself stays in the list beside the field.
const CHOOSE_ANOTHER = 'Wählen Sie ein anderes Passwort: Dieses wird häufig verwendet oder ist bereits bekannt geworden.';

/** Opens a new authorization request and submits the registration's account step with `password`. */
async function submitAccountStep(
  kontor: TestKontor,
  config: oidc.Configuration,
  password: string,
  familyName?: string,
): Promise<{ step: AgentResponse; submitted: AgentResponse }> {
  const agent = new BrowserAgent(kontor.url);
  const login = await open(agent, (await authorizationRequest(config)).url);
  const registerUrl = /href="(\/interaction\/[^"]+\/register)"/.exec(login.body)?.[1];
  if (!registerUrl) throw new Error(`no registration link on the login page: ${login.status}`);
  const step = await agent.get(registerUrl);
  const form = formEndingWith(step.body, '/register');
  return {
    step,
    submitted: await agent.post(form.action, { ...form.fields, ...accountFields(newRegistrant({ password, ...(familyName ? { familyName } : {}) })) }),
  };
}

/** Asks for a reset link for `email`, opens it and submits `password` as the new one. */
async function resetTo(kontor: TestKontor, smtp: SmtpSink, email: string, password: string): Promise<AgentResponse> {
  const agent = new BrowserAgent(kontor.url);
  const forgot = formEndingWith((await agent.get('/password/forgot')).body, '/password/forgot');
  expect((await agent.post(forgot.action, { ...forgot.fields, identifier: email })).status).toBe(200);
  const [mail] = await smtp.waitFor(email);
  const form = formEndingWith((await agent.get(SmtpSink.linkIn(mail!, `${kontor.url}/password/reset?token=`))).body, '/password/reset');
  return agent.post(form.action, { ...form.fields, password, passwordConfirmation: password });
}

let smtp: SmtpSink;
beforeAll(async () => {
  smtp = await SmtpSink.start();
});
afterAll(() => smtp?.stop());

describe('common passwords in the default deployment (the check is on)', () => {
  let kontor: TestKontor;
  let config: oidc.Configuration;

  beforeAll(async () => {
    kontor = await startTestKontor('postgres', { SMTP_URL: smtp.url, KONTOR_CONFIG_FILE: configFile(ROOMY_RATE_LIMITS) });
    const client = await registerClient(kontor);
    config = await discover(kontor, client.clientId, client.clientSecret);
  });
  afterAll(() => kontor?.stop());

  it('refuses a listed password at registration, naming and marking the rule, and without showing the password', async () => {
    const { step, submitted: page } = await submitAccountStep(kontor, config, LISTED);
    expect(decodeEntities(step.body)).toContain(NOT_COMMON);
    expect(page.status).toBe(400);
    expect(fieldError(page, 'password')).toBe(CHOOSE_ANOTHER);
    expect(markedRules(page)).toEqual([NOT_COMMON]);
    expect(decodeEntities(page.body).toLowerCase()).not.toContain(LISTED.toLowerCase());
  });

  it('refuses a password that contains the name typed on the same form (NIST SP 800-63B context words)', async () => {
    const { step, submitted: page } = await submitAccountStep(kontor, config, 'Sonnenschein-2026', 'Sonnenschein');
    expect(decodeEntities(step.body)).toContain(NOT_PERSONAL);
    expect(page.status).toBe(400);
    expect(markedRules(page)).toEqual([NOT_PERSONAL]);
  });

  it('refuses a reset password that contains the e-mail address of the account', async () => {
    const user = await createUser(kontor, { email: `rosemarie.${Date.now()}@example.org` });
    const page = await resetTo(kontor, smtp, user.email, 'Rosemarie-1957!');
    expect(page.status).toBe(400);
    expect(markedRules(page)).toEqual([NOT_PERSONAL]);
  });

  it('refuses a listed password in the password reset form too', async () => {
    const user = await createUser(kontor);
    const page = await resetTo(kontor, smtp, user.email, LISTED);
    expect(page.status).toBe(400);
    expect(fieldError(page, 'password')).toBe(CHOOSE_ANOTHER);
  });
});

describe('a deployment that refines the preset: check off, maximum raised to 1024 characters', () => {
  let kontor: TestKontor;
  let config: oidc.Configuration;

  beforeAll(async () => {
    const passwordPolicy = { preset: 'sachsen-anhalt', rejectCommonPasswords: false, maxLength: 1024 };
    kontor = await startTestKontor('postgres', {
      SMTP_URL: smtp.url,
      KONTOR_CONFIG_FILE: configFile({ ...ROOMY_RATE_LIMITS, registration: { passwordPolicy } }),
    });
    const client = await registerClient(kontor);
    config = await discover(kontor, client.clientId, client.clientSecret);
  });
  afterAll(() => kontor?.stop());

  it('accepts the listed password at registration and does not list the rule', async () => {
    const { step, submitted } = await submitAccountStep(kontor, config, LISTED);
    expect(decodeEntities(step.body)).toContain('mindestens 8 und höchstens 1024 Zeichen');
    expect(decodeEntities(step.body)).not.toContain(NOT_COMMON);
    expect(submitted.status).toBe(303);
    expect(submitted.location).toMatch(/\/register\/review$/);
  });

  it('sets a 1024-character passphrase through the reset form and logs in with it', async () => {
    const user = await createUser(kontor);
    const passphrase = 'Elbe-Saale-7-Harz-'.repeat(57).slice(0, 1024);
    const done = await resetTo(kontor, smtp, user.email, passphrase);
    expect(done.status).toBe(200);
    expect(done.body).toContain('Ihr Passwort wurde geändert');
    const callback = await loginAndConsent(new BrowserAgent(kontor.url), await authorizationRequest(config), { ...user, password: passphrase });
    expect(callback.searchParams.get('code')).toBeTruthy();
  });
});
