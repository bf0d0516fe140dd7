/**
 * Second-factor enrolment inside the login (issue 15 item 5): a portal asks for substanziell, the person
 * has only a password, sets up a factor after the password and comes back at substanziell; the factor is
 * asked for at the next login, and a recovery code from the enrolment works once. openid-client as the
 * portal, real PostgreSQL, a real SMTP sink for the e-mailed codes.
 */
import type * as oidc from 'openid-client';
import { generate } from 'otplib';
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
  type AuthorizationRequest,
  type TestUser,
} from './helpers/relying-party.ts';
import { parseForms } from './helpers/browser-agent.ts';
import { callbackOf, idTokenOf, recoveryCodesOf, secretOf, submitForm, linkEndingWith } from './helpers/enrolment.ts';
import { BSI_ACR } from '../src/trust/index.ts';

let kontor: TestKontor;
let sink: SmtpSink;
let config: oidc.Configuration;

/** The code an authenticator app shows now, by Kontor's (test) clock: RFC 6238 with the otpauth defaults. */
const appCode = (secret: string) => generate({ secret, epoch: Math.floor(kontor.clock.now().getTime() / 1000), algorithm: 'sha1', digits: 6, period: 30 });
/** A code that is certainly not the current one (the next number, wrapped). */
const wrongCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');
/** Into the next TOTP step: a code is accepted once, so the next login needs the next one. */
const nextStep = () => kontor.clock.advance(30 - (Math.floor(kontor.clock.now().getTime() / 1000) % 30) + 5);

const substanziell = { acr_values: BSI_ACR.substanziell };

beforeAll(async () => {
  sink = await SmtpSink.start();
  kontor = await startTestKontor('postgres', { SMTP_URL: sink.url });
  const client = await registerClient(kontor);
  config = await discover(kontor, client.clientId, client.clientSecret);
});
afterAll(async () => {
  await kontor?.stop();
  await sink?.stop();
});

/** Password login at a portal asking for `extra`; the page after the password. */
async function afterPassword(
  user: TestUser,
  extra: Record<string, string> = substanziell,
): Promise<{ agent: BrowserAgent; request: AuthorizationRequest; page: Awaited<ReturnType<typeof open>> }> {
  const agent = new BrowserAgent(kontor.url);
  const request = await authorizationRequest(config, extra);
  const page = await submitLogin(agent, await open(agent, request.url), user.email, user.password);
  return { agent, request, page };
}

describe('second-factor enrolment inside the login', () => {
  const user = {} as TestUser;
  let secret = '';
  let recoveryCodes: string[] = [];

  beforeAll(async () => Object.assign(user, await createUser(kontor)));

  it('explains the level after the password, enrols an authenticator app, shows ten recovery codes once and ends at substanziell', async () => {
    const { agent, request, page: choice } = await afterPassword(user);
    expect(choice.status).toBe(200);
    expect(choice.body).toContain('Dieser Dienst verlangt das Vertrauensniveau substanziell.');
    expect(choice.body).toContain('Sie brauchen ihn danach bei jeder Anmeldung.');
    // A voluntary acr_values request: the person may go on without the higher level.
    expect(choice.body).toContain('/continue-below"');

    const totpPage = await agent.get(linkEndingWith(choice, '/enrol/totp'));
    expect(totpPage.status).toBe(200);
    expect(totpPage.headers.get('cache-control')).toContain('no-store');
    expect(totpPage.body).toMatch(/<div class="qr-code" role="img" aria-label="[^"]+"><svg /);
    expect(totpPage.body).toContain('autocomplete="one-time-code"');
    secret = secretOf(totpPage);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);

    // A wrong code: the same secret again (the one the app already holds), not a new enrolment.
    const wrong = await submitForm(agent, totpPage, '/enrol/totp', { code: wrongCode(await appCode(secret)) });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toContain('Das Einmal-Passwort stimmt nicht.');
    expect(secretOf(wrong)).toBe(secret);

    const codesPage = await submitForm(agent, wrong, '/enrol/totp', { code: await appCode(secret) });
    expect(codesPage.status).toBe(200);
    expect(codesPage.headers.get('cache-control')).toContain('no-store');
    expect(codesPage.body).toContain('Bewahren Sie sie sicher auf; jeder Code gilt einmal.');
    recoveryCodes = recoveryCodesOf(codesPage);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);

    // Secrets stay out of what a later request could read: no code is in the stored interaction.
    const rows = await kontor.container.db.orm.em.fork().execute<Array<{ payload: unknown }>>(`select payload from oidc_payload where kind = 'Interaction'`);
    const stored = JSON.stringify(rows);
    for (const code of recoveryCodes) expect(stored).not.toContain(code);
    expect(stored).not.toContain(secret);

    const callback = await callbackOf(agent, await submitForm(agent, codesPage, '/enrol/continue'));
    const claims = await idTokenOf(config, request, callback);
    expect(claims.acr).toBe(BSI_ACR.substanziell);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
  });

  it('asks for the app’s code after the password at the next login, in a new browser', async () => {
    nextStep();
    const { agent, request, page } = await afterPassword(user, {});
    expect(page.status).toBe(200);
    expect(page.body).toContain('name="method" value="totp"');
    const callback = await callbackOf(agent, await submitForm(agent, page, '/second-factor', { method: 'totp', code: await appCode(secret) }, 'totp'));
    const claims = await idTokenOf(config, request, callback);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.acr).toBe(BSI_ACR.substanziell);
  });

  it('logs in once with a recovery code from the enrolment page', async () => {
    const [code] = recoveryCodes;
    const first = await afterPassword(user);
    const callback = await callbackOf(first.agent, await submitForm(first.agent, first.page, '/second-factor', { code: code! }, 'recovery_code'));
    expect((await idTokenOf(config, first.request, callback)).acr).toBe(BSI_ACR.substanziell);

    const again = await afterPassword(user);
    const refused = await submitForm(again.agent, again.page, '/second-factor', { code: code! }, 'recovery_code');
    expect(refused.status).toBe(401);
    expect(refused.location).toBeNull();
  });
});

describe('enrolment by e-mailed one-time password', () => {
  it('mails a code, names the address and its lifetime, and enrols with the code from the mail', async () => {
    const user = await createUser(kontor);
    const { agent, request, page: choice } = await afterPassword(user);
    const sent = await submitForm(agent, choice, '/enrol/email');
    expect(sent.status).toBe(200);
    expect(sent.body).toContain(`Wir haben Ihnen ein Einmal-Passwort an ${user.email} geschickt; es gilt 10 Minuten.`);
    const [mail] = await sink.waitFor(user.email);
    const code = /\b(\d{6})\b/.exec(mail!.text)?.[1];
    expect(code).toBeDefined();

    const wrong = await submitForm(agent, sent, '/enrol/email/confirm', { code: wrongCode(code!) });
    expect(wrong.status).toBe(401);
    const codesPage = await submitForm(agent, wrong, '/enrol/email/confirm', { code: code! });
    expect(recoveryCodesOf(codesPage)).toHaveLength(10);
    const claims = await idTokenOf(config, request, await callbackOf(agent, await submitForm(agent, codesPage, '/enrol/continue')));
    expect(claims.acr).toBe(BSI_ACR.substanziell);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
  });
});

describe('the enrolment page’s edges', () => {
  it('shows a new secret on reload, and only the newest one counts', async () => {
    const user = await createUser(kontor);
    const { agent, page: choice } = await afterPassword(user);
    const first = await agent.get(linkEndingWith(choice, '/enrol/totp'));
    const reloaded = await agent.get(first.url);
    expect(secretOf(reloaded)).not.toBe(secretOf(first));
    const stale = await submitForm(agent, reloaded, '/enrol/totp', { code: await appCode(secretOf(first)) });
    expect(stale.status).toBe(401);
    expect(secretOf(stale)).toBe(secretOf(reloaded));
  });

  it('offers no way on below an essential level, and refuses an enrolment step out of turn', async () => {
    const user = await createUser(kontor);
    const essential = JSON.stringify({ id_token: { acr: { essential: true, values: [BSI_ACR.substanziell] } } });
    const { agent, page: choice } = await afterPassword(user, { claims: essential });
    expect(choice.body).toContain('Dieser Dienst verlangt das Vertrauensniveau substanziell.');
    expect(choice.body).not.toContain('/continue-below"');
    // "Weiter" under recovery codes before any factor was enrolled is no step of this login.
    const csrf = parseForms(choice.body)[0]!.fields.csrf_token!;
    const uid = new URL(choice.url).pathname.split('/')[2];
    const early = await agent.post(`/interaction/${uid}/enrol/continue`, { csrf_token: csrf });
    expect(early.status).toBe(400);
  });

  it('rejects a code that is not six digits with the field named', async () => {
    const user = await createUser(kontor);
    const { agent, page: choice } = await afterPassword(user);
    const totpPage = await agent.get(linkEndingWith(choice, '/enrol/totp'));
    const invalid = await submitForm(agent, totpPage, '/enrol/totp', { code: '12ab' });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toContain('Das Einmal-Passwort besteht aus 6 Ziffern.');
    expect(invalid.body).toContain('href="#code"');
    expect(secretOf(invalid)).toBe(secretOf(totpPage));
  });

  it('throttles wrong codes like the password: a wait with Retry-After, and the same secret still shown', async () => {
    const user = await createUser(kontor);
    const { agent, page: choice } = await afterPassword(user);
    let page = await agent.get(linkEndingWith(choice, '/enrol/totp'));
    const secret = secretOf(page);
    const failures = kontor.config.secondFactor.failuresBeforeDelay;
    for (let attempt = 0; attempt < failures; attempt += 1) {
      page = await submitForm(agent, page, '/enrol/totp', { code: wrongCode(await appCode(secret)) });
      expect(page.status).toBe(401);
    }
    const throttled = await submitForm(agent, page, '/enrol/totp', { code: await appCode(secret) });
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(throttled.body).toContain('Zu viele falsche Einmal-Passwörter.');
    expect(secretOf(throttled)).toBe(secret);
  });
});
