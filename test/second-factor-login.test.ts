import type * as oidc from 'openid-client';
import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { SmtpSink } from './helpers/smtp-sink.ts';
import { BrowserAgent, authorizationRequest, createUser, discover, open, registerClient, submitLogin, type TestUser } from './helpers/relying-party.ts';
import { callbackOf, enrolTotp, idTokenClaims, nextTotpStep, submitCode, submitForm, textOf, totpAt } from './helpers/step-up.ts';
import { BSI_ACR } from '../src/trust/index.ts';

const FAILURES_BEFORE_DELAY = 3;

describe('the second factor at login', () => {
  let kontor: TestKontor;
  let smtp: SmtpSink;
  let config: oidc.Configuration;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    const settings = {
      ...ROOMY_RATE_LIMITS,
      rateLimits: { ...ROOMY_RATE_LIMITS.rateLimits, secondFactorPerIp: { limit: 1000, windowSeconds: 3600 } },
      secondFactor: { failuresBeforeDelay: FAILURES_BEFORE_DELAY },
    };
    kontor = await startTestKontor('postgres', { SMTP_URL: smtp.url, KONTOR_CONFIG_FILE: configFile(settings) });
    const client = await registerClient(kontor);
    config = await discover(kontor, client.clientId, client.clientSecret);
  });
  afterAll(async () => {
    await kontor?.stop();
    await smtp?.stop();
  });

  /** A fresh browser through the password: the page that comes next (the second factor's, for these users). */
  async function afterPassword(user: TestUser, extra: Record<string, string> = {}) {
    const agent = new BrowserAgent(kontor.url);
    const request = await authorizationRequest(config, extra);
    const page = await submitLogin(agent, await open(agent, request.url), user.email, user.password);
    return { agent, request, page };
  }

  it('asks an account with an app for its code after the password, and logs in at substanziell with pwd+otp+mfa', async () => {
    const user = await createUser(kontor);
    const { secret } = await enrolTotp(kontor, user);
    const { agent, request, page } = await afterPassword(user);
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('name="password"');
    expect(page.body).toContain('autocomplete="one-time-code"');
    expect(page.body).toContain('inputmode="numeric"');
    expect(textOf(page)).toContain('Mit Passwort angemeldet als Erika Mustermann');
    // No level was asked for: no level text, and no way around the factor the person chose.
    expect(page.body).not.toContain('Vertrauensniveau');
    expect(page.body).not.toContain('/continue-below');
    // The recovery code is offered; the e-mail code is not (this account has none).
    expect(page.body).toContain('Wiederherstellungscode verwenden');
    expect(page.body).not.toContain('/second-factor/send-code');

    const claims = await idTokenClaims(config, request, await callbackOf(agent, await submitCode(agent, page, 'totp', await totpAt(kontor, secret))));
    expect(claims.acr).toBe(BSI_ACR.substanziell);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.sk_authn_means).toBe('Benutzername');
    expect(Math.abs((claims.auth_time ?? 0) - kontor.clock.now().getTime() / 1000)).toBeLessThan(5);
  });

  it('refuses a TOTP code that was used once already, with one message in the error summary naming the field', async () => {
    const user = await createUser(kontor);
    const { secret } = await enrolTotp(kontor, user);
    const code = await totpAt(kontor, secret);
    const first = await afterPassword(user);
    await callbackOf(first.agent, await submitCode(first.agent, first.page, 'totp', code));

    const second = await afterPassword(user);
    const replayed = await submitCode(second.agent, second.page, 'totp', code);
    expect(replayed.status).toBe(401);
    expect(replayed.body).toContain('class="error-summary"');
    expect(replayed.body).toContain('href="#totp-code"');
    expect(textOf(replayed)).toContain('Der Code in „Einmal-Passwort aus der App“ stimmt nicht oder ist nicht mehr gültig.');
    expect(replayed.body).toMatch(/id="totp-code"[^>]*aria-invalid="true"/);
    // A code of the next step is accepted in the same interaction.
    nextTotpStep(kontor);
    const done = await submitCode(second.agent, replayed, 'totp', await totpAt(kontor, secret));
    expect((await callbackOf(second.agent, done)).searchParams.get('code')).toBeTruthy();
  });

  it('checks the code’s format before the service: 400 with the field named, spaces tolerated', async () => {
    const user = await createUser(kontor);
    const { secret } = await enrolTotp(kontor, user);
    const { agent, request, page } = await afterPassword(user);
    const short = await submitCode(agent, page, 'totp', '12 34');
    expect(short.status).toBe(400);
    expect(textOf(short)).toContain('„Einmal-Passwort aus der App“ besteht aus 6 Ziffern.');
    const code = await totpAt(kontor, secret);
    const spaced = await submitCode(agent, short, 'totp', ` ${code.slice(0, 3)} ${code.slice(3)} `);
    expect((await idTokenClaims(config, request, await callbackOf(agent, spaced))).amr).toEqual(['pwd', 'otp', 'mfa']);
  });

  it('accepts a recovery code once (any case, with or without the dash), never twice', async () => {
    const user = await createUser(kontor);
    const { recoveryCodes } = await enrolTotp(kontor, user);
    expect(recoveryCodes).toHaveLength(10);
    const code = recoveryCodes[0]!;
    const first = await afterPassword(user);
    const claims = await idTokenClaims(
      config,
      first.request,
      await callbackOf(first.agent, await submitCode(first.agent, first.page, 'recovery_code', code.toLowerCase())),
    );
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);

    const second = await afterPassword(user);
    const again = await submitCode(second.agent, second.page, 'recovery_code', code.replace('-', ''));
    expect(again.status).toBe(401);
    expect(again.body).toContain('href="#recovery-code"');
    // The disclosure with the failed field is open on the page that comes back.
    expect(again.body).toMatch(/<details[^>]*open/);
  });

  it('sends an e-mail code only when asked, and logs in with the code from the mail', async () => {
    const user = await createUser(kontor);
    const context = { ip: '203.0.113.2', clientId: null, locale: 'de' as const };
    await kontor.container.secondFactors.sendEnrolmentCode(user.accountId, context);
    const enrolMail = (await smtp.waitFor(user.email, 1))[0]!;
    const enrolCode = /\b(\d{6})\b/.exec(enrolMail.text)![1]!;
    expect((await kontor.container.secondFactors.confirmEmailEnrolment(user.accountId, enrolCode, context)).kind).toBe('enrolled');

    const { agent, request, page } = await afterPassword(user);
    expect(page.status).toBe(200);
    expect(textOf(page)).toContain('Code per E-Mail senden');
    // The page alone sends nothing (a reload must not mail anew); no code field before the mail.
    expect(page.body).not.toContain('id="email-code"');
    await agent.get(page.url);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.to(user.email)).toHaveLength(1);

    const sent = await submitForm(agent, page, '/second-factor/send-code');
    expect(sent.status).toBe(200);
    expect(sent.body).toContain('id="email-code"');
    const mail = (await smtp.waitFor(user.email, 2))[1]!;
    const code = /\b(\d{6})\b/.exec(mail.text)![1]!;
    const claims = await idTokenClaims(config, request, await callbackOf(agent, await submitCode(agent, sent, 'email_code', code)));
    expect(claims.acr).toBe(BSI_ACR.substanziell);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
  });

  it('throttles wrong codes: 429 with Retry-After after the configured number of failures', async () => {
    const user = await createUser(kontor);
    const { secret } = await enrolTotp(kontor, user);
    const { agent, page } = await afterPassword(user);
    const right = await totpAt(kontor, secret);
    const wrong = right === '000000' ? '111111' : '000000';
    let current = page;
    for (let attempt = 1; attempt <= FAILURES_BEFORE_DELAY; attempt += 1) {
      current = await submitCode(agent, current, 'totp', wrong);
      expect(current.status).toBe(401);
    }
    const throttled = await submitCode(agent, current, 'totp', right);
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(textOf(throttled)).toContain('Zu viele falsche Codes für dieses Servicekonto.');
  });

  it('lets someone who is not the account holder end the session and start over at the password', async () => {
    const user = await createUser(kontor);
    await enrolTotp(kontor, user);
    const { agent, page } = await afterPassword(user);
    const back = await submitForm(agent, page, '/second-factor/not-you');
    expect(back.status).toBe(200);
    expect(back.body).toContain('name="password"');
    expect(back.body).not.toContain('Erika Mustermann');
  });

  it('refuses a code for a step the login is not at (400), and a method the account does not have', async () => {
    const user = await createUser(kontor);
    const agent = new BrowserAgent(kontor.url);
    const loginPage = await open(agent, (await authorizationRequest(config)).url);
    const uid = /\/interaction\/([^/"]+)\/login/.exec(loginPage.body)![1]!;
    const csrf = /name="csrf_token" value="([^"]+)"/.exec(loginPage.body)![1]!;
    const early = await agent.post(`/interaction/${uid}/second-factor`, { csrf_token: csrf, method: 'totp', code: '123456' });
    expect(early.status).toBe(400);
    expect(early.body).toContain('Dieser Schritt passt nicht');

    await enrolTotp(kontor, user);
    const { agent: other, page } = await afterPassword(user);
    const form = /action="([^"]*\/second-factor)"/.exec(page.body)![1]!;
    const token = /name="csrf_token" value="([^"]+)"/.exec(page.body)![1]!;
    expect((await other.post(form, { csrf_token: token, method: 'email_code', code: '123456' })).status).toBe(400);
  });

  it('never lets a voluntary level skip the account’s own factor in a fresh login', async () => {
    const user = await createUser(kontor);
    await enrolTotp(kontor, user);
    const { agent, page } = await afterPassword(user, { acr_values: BSI_ACR.substanziell });
    expect(textOf(page)).toContain('Dieser Dienst verlangt das Vertrauensniveau substanziell.');
    expect(page.body).not.toContain('/continue-below');
    // Posted anyway (the route exists for step-ups): the factor is still asked, nothing reaches the portal.
    const uid = /\/interaction\/([^/"]+)\/second-factor"/.exec(page.body)![1]!;
    const csrf = /name="csrf_token" value="([^"]+)"/.exec(page.body)![1]!;
    const below = await agent.follow(await agent.post(`/interaction/${uid}/continue-below`, { csrf_token: csrf }));
    expect(below.status).toBe(200);
    expect(below.body).toContain('id="totp-code"');
  });
});

describe('the second factor’s per-address window', () => {
  it('answers 429 with Retry-After and the wait once one address has tried too many codes', async () => {
    const kontor = await startTestKontor('postgres', {
      KONTOR_CONFIG_FILE: configFile({
        ...ROOMY_RATE_LIMITS,
        rateLimits: { ...ROOMY_RATE_LIMITS.rateLimits, secondFactorPerIp: { limit: 2, windowSeconds: 900 } },
      }),
    });
    try {
      const client = await registerClient(kontor);
      const config = await discover(kontor, client.clientId, client.clientSecret);
      const user = await createUser(kontor);
      await enrolTotp(kontor, user);
      const agent = new BrowserAgent(kontor.url);
      let page = await submitLogin(agent, await open(agent, (await authorizationRequest(config)).url), user.email, user.password);
      for (let attempt = 1; attempt <= 2; attempt += 1) page = await submitCode(agent, page, 'totp', '000000');
      const limited = await submitCode(agent, page, 'totp', '000000');
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(textOf(limited)).toMatch(/in \d+ (Sekunden|Minuten)/);
    } finally {
      await kontor.stop();
    }
  });
});
