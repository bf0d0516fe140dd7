/**
 * "Zweistufige Verifizierung" in Mein Bereich (issue 17 item 6, seed 002): switching between the app and
 * e-mail codes, linking a new device, new recovery codes, removing the factor where the deployment allows
 * it; every change page behind a fresh login with the current factor.
 */
import { AuditEvent } from '../src/audit/audit-event.entity.ts';
import { openAccountArea, reauthenticate } from './helpers/account-area.ts';
import { BrowserAgent, formEndingWith, type AgentResponse } from './helpers/browser-agent.ts';
import { recoveryCodesOf, secretOf } from './helpers/enrolment.ts';
import { configFile } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { createUser, type TestUser } from './helpers/relying-party.ts';
import { SmtpSink } from './helpers/smtp-sink.ts';
import { nextTotpStep, totpAt } from './helpers/step-up.ts';

let kontor: TestKontor;
let smtp: SmtpSink;

beforeAll(async () => {
  smtp = await SmtpSink.start();
  kontor = await startTestKontor('postgres', {
    SMTP_URL: smtp.url,
    KONTOR_CONFIG_FILE: configFile({ mail: { perRecipient: { limit: 50, windowSeconds: 3600 } } }),
  });
});
afterAll(async () => {
  await kontor?.stop();
  await smtp?.stop();
});

const factors = (user: TestUser) => kontor.container.secondFactors.factorsOf(user.accountId);
const events = (user: TestUser, type: string) => kontor.container.db.orm.em.fork().find(AuditEvent, { accountId: user.accountId, type });
const context = { ip: '192.0.2.50', clientId: null, locale: 'de' as const };
/** A login's second step with this code, on the service (what the login page would do). */
const loginWith = (user: TestUser, method: 'totp' | 'email_code' | 'recovery_code', code: string) =>
  kontor.container.secondFactors.verify(user.accountId, method, code, context);
const text = (page: AgentResponse) => page.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

/** Posts the form of `page` whose action is `action`, with `fields`. */
async function post(agent: BrowserAgent, page: AgentResponse, action: string, fields: Record<string, string> = {}) {
  const form = formEndingWith(page.body, action);
  return agent.post(form.action, { ...form.fields, ...fields });
}

/** The code in the newest of `count` mails to the user. */
async function mailedCode(user: TestUser, count: number): Promise<string> {
  const mail = (await smtp.waitFor(user.email, count))[count - 1]!;
  return /\b(\d{6})\b/.exec(mail.text)?.[1] ?? '';
}

describe('managing the second factor in Mein Bereich', () => {
  it('switches from the app to e-mail codes and back, with a real TOTP code and a code from the mail', async () => {
    const user = await createUser(kontor);
    const { agent, totpSecret } = await openAccountArea(kontor, user, undefined, { withSecondFactor: true });
    const overview = await agent.get('/account/second-factor');
    expect(overview.status).toBe(200);
    expect(text(overview)).toContain('Verfahren Authentifizierungs-App');
    expect(text(overview)).toContain('10 von 10 übrig');

    // App → e-mail: the code from the mail confirms it; the app stops working in the same step.
    const emailPage = await agent.get('/account/second-factor/email');
    expect(emailPage.status).toBe(200);
    const entry = await post(agent, emailPage, '/account/second-factor/email/send');
    expect(entry.status).toBe(200);
    expect(entry.body).toContain(user.email);
    const wrong = await post(agent, entry, '/account/second-factor/email', { code: '000000' === (await mailedCode(user, 1)) ? '111111' : '000000' });
    expect(wrong.status).toBe(401);
    expect(await factors(user)).toMatchObject({ totp: true, emailCode: false });
    const switched = await post(agent, wrong, '/account/second-factor/email', { code: await mailedCode(user, 1) });
    expect(switched.location).toBe('/account?done=second_factor_switched_email');
    expect((await agent.follow(switched)).body).toContain('Ihr zweiter Faktor sind jetzt Einmal-Passwörter per E-Mail.');
    expect(await factors(user)).toEqual({ totp: false, emailCode: true, recoveryCodesLeft: 10 });
    nextTotpStep(kontor);
    expect(await loginWith(user, 'totp', await totpAt(kontor, totpSecret!))).toEqual({ kind: 'failed' });
    expect((await smtp.waitFor(user.email, 2))[1]!.subject).toBe('Ihr zweiter Faktor wurde geändert');

    // E-mail → app: a new secret from the page, its first code confirms it; the e-mail factor goes.
    const appPage = await agent.get('/account/second-factor/app');
    expect(appPage.status).toBe(200);
    expect(appPage.body).toContain('<svg');
    const secret = secretOf(appPage);
    expect(secret).not.toBe(totpSecret);
    nextTotpStep(kontor);
    const back = await post(agent, appPage, '/account/second-factor/app', { code: await totpAt(kontor, secret) });
    expect(back.location).toBe('/account?done=second_factor_switched_totp');
    expect(await factors(user)).toEqual({ totp: true, emailCode: false, recoveryCodesLeft: 10 });
    nextTotpStep(kontor);
    expect(await loginWith(user, 'totp', await totpAt(kontor, secret))).toMatchObject({ kind: 'succeeded' });
    expect((await events(user, 'second_factor.switched')).map((event) => event.details)).toEqual(
      expect.arrayContaining([
        { from: 'totp', to: 'email_code' },
        { from: 'email_code', to: 'totp' },
      ]),
    );
  });

  it('links a new device: the old secret works until the new one is confirmed, then only the new one', async () => {
    const user = await createUser(kontor);
    const { agent, totpSecret: old } = await openAccountArea(kontor, user, undefined, { withSecondFactor: true });
    const overview = await agent.get('/account/second-factor');
    expect(text(overview)).toContain('Neue Verknüpfung mit Mobilgerät herstellen');
    const page = await agent.get('/account/second-factor/app');
    expect(text(page)).toContain('Neues Mobilgerät verknüpfen');
    const fresh = secretOf(page);
    nextTotpStep(kontor);
    expect(await loginWith(user, 'totp', await totpAt(kontor, old!))).toMatchObject({ kind: 'succeeded' });

    // A code of the old device does not confirm the new one; the page shows the same secret again.
    nextTotpStep(kontor);
    const refused = await post(agent, page, '/account/second-factor/app', { code: await totpAt(kontor, old!) });
    expect(refused.status).toBe(401);
    expect(secretOf(refused)).toBe(fresh);
    const linked = await post(agent, refused, '/account/second-factor/app', { code: await totpAt(kontor, fresh) });
    expect(linked.location).toBe('/account?done=second_factor_device_replaced');
    nextTotpStep(kontor);
    expect(await loginWith(user, 'totp', await totpAt(kontor, old!))).toEqual({ kind: 'failed' });
    expect(await loginWith(user, 'totp', await totpAt(kontor, fresh))).toMatchObject({ kind: 'succeeded' });
    expect(await events(user, 'second_factor.device_replaced')).toHaveLength(1);
  });

  it('regenerates the recovery codes, shown once; the previous ones stop working', async () => {
    const user = await createUser(kontor);
    const { agent } = await openAccountArea(kontor, user, undefined, { withSecondFactor: true });
    const confirm = await agent.get('/account/second-factor/recovery-codes');
    expect(text(confirm)).toContain('gelten danach nicht mehr');
    const first = recoveryCodesOf(await post(agent, confirm, '/account/second-factor/recovery-codes'));
    expect(first).toHaveLength(10);
    const second = recoveryCodesOf(await post(agent, confirm, '/account/second-factor/recovery-codes'));
    expect(await loginWith(user, 'recovery_code', first[0]!)).toEqual({ kind: 'failed' });
    expect(await loginWith(user, 'recovery_code', second[0]!)).toMatchObject({ kind: 'succeeded' });
    expect(await events(user, 'recovery_codes.created')).toHaveLength(3); // the enrolment's and two new sets
  });

  it('removes the factor with its recovery codes where none is required; the next login asks for the password only', async () => {
    const user = await createUser(kontor);
    const { agent } = await openAccountArea(kontor, user, undefined, { withSecondFactor: true });
    const page = await agent.get('/account/second-factor/remove');
    expect(page.status).toBe(200);
    const removed = await post(agent, page, '/account/second-factor/remove');
    expect(removed.location).toBe('/account?done=second_factor_removed');
    expect(await factors(user)).toEqual({ totp: false, emailCode: false, recoveryCodesLeft: 0 });
    expect(await events(user, 'second_factor.removed')).toHaveLength(1);
    // A new browser logs in with the password alone (openAccountArea fails if a code is asked).
    const again = await openAccountArea(kontor, user, new BrowserAgent(kontor.url));
    expect(again.page.status).toBe(200);
    const overview = await agent.get('/account/second-factor');
    expect(text(overview)).toContain('Keiner eingerichtet');
  });

  it('sets up a first factor from the account area, showing its recovery codes once', async () => {
    const user = await createUser(kontor);
    const { agent } = await openAccountArea(kontor, user);
    const page = await agent.get('/account/second-factor/app');
    nextTotpStep(kontor);
    const done = await post(agent, page, '/account/second-factor/app', { code: await totpAt(kontor, secretOf(page)) });
    expect(done.status).toBe(200);
    expect(recoveryCodesOf(done)).toHaveLength(10);
    expect(await factors(user)).toEqual({ totp: true, emailCode: false, recoveryCodesLeft: 10 });
  });

  it('enforces step-up: a login older than 5 minutes is sent to re-authenticate and the change is not applied', async () => {
    const user = await createUser(kontor);
    const { agent, totpSecret } = await openAccountArea(kontor, user, undefined, { withSecondFactor: true });
    const page = await agent.get('/account/second-factor/app');
    const removePage = await agent.get('/account/second-factor/remove');
    kontor.clock.advance(6 * 60);
    // Reading needs only the session.
    expect((await agent.get('/account/second-factor')).status).toBe(200);
    for (const path of [
      '/account/second-factor/app',
      '/account/second-factor/email',
      '/account/second-factor/recovery-codes',
      '/account/second-factor/remove',
    ]) {
      const refused = await agent.get(path);
      expect([path, refused.status, refused.location]).toEqual([path, 303, `/account/login?return=${encodeURIComponent(path)}&reauth=1`]);
    }
    const secret = secretOf(page);
    nextTotpStep(kontor);
    const refusedCode = await post(agent, page, '/account/second-factor/app', { code: await totpAt(kontor, secret) });
    expect(refusedCode.location).toBe('/account/login?return=%2Faccount%2Fsecond-factor%2Fapp&reauth=1');
    const refusedRemove = await post(agent, removePage, '/account/second-factor/remove');
    expect(refusedRemove.location).toBe('/account/login?return=%2Faccount%2Fsecond-factor%2Fremove&reauth=1');
    expect(await factors(user)).toEqual({ totp: true, emailCode: false, recoveryCodesLeft: 10 });
    expect(await events(user, 'second_factor.device_replaced')).toHaveLength(0);
    // The new app is not linked: the old one still logs in.
    expect(await loginWith(user, 'totp', await totpAt(kontor, totpSecret!))).toMatchObject({ kind: 'succeeded' });

    // After a login with the current factor, the page opens again.
    const back = await reauthenticate(agent, await agent.follow(refusedRemove), { password: user.password, username: user.email, totpSecret, kontor });
    expect(back.url).toContain('/account/second-factor/remove');
    expect(back.status).toBe(200);
  });
});

describe('a deployment that requires a second factor', () => {
  let strict: TestKontor;
  beforeAll(async () => {
    strict = await startTestKontor('postgres', { KONTOR_SECOND_FACTOR_REQUIRED: 'true' });
  });
  afterAll(async () => {
    await strict?.stop();
  });

  it('offers no removal and refuses the POST; switching stays possible', async () => {
    const user = await createUser(strict);
    const { agent } = await openAccountArea(strict, user, undefined, { withSecondFactor: true });
    const overview = await agent.get('/account/second-factor');
    expect(overview.body).not.toContain('href="/account/second-factor/remove"');
    expect(overview.body).toContain('href="/account/second-factor/email"');
    const page = await agent.get('/account/second-factor/remove');
    expect(page.status).toBe(409);
    expect(text(page)).toContain('muss einen zweiten Faktor behalten');
    expect(page.body).not.toContain('action="/account/second-factor/remove"');
    // A crafted POST (with the CSRF token of another form of the area) is refused too.
    const csrf = formEndingWith(overview.body, '/account/logout').fields;
    const refused = await agent.post('/account/second-factor/remove', csrf);
    expect(refused.status).toBe(409);
    expect(await strict.container.secondFactors.factorsOf(user.accountId)).toMatchObject({ totp: true, recoveryCodesLeft: 10 });
  });
});
