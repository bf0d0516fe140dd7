import type * as oidc from 'openid-client';
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
import { newRegistrant, submitAccountStep, type Registrant } from './helpers/registration.ts';
import type { AgentResponse } from './helpers/browser-agent.ts';
import { Account } from '../src/accounts/account.entity.ts';

/** The equaliser's floor (MINIMUM_RESPONSE_MS in src/app.ts); only a floor is asserted, never a ceiling. */
const FLOOR_MS = 245;

/** A page with what legitimately differs removed: the address typed, CSRF tokens and the interaction uid. */
function comparable(html: string, { email, uid }: { email?: string; uid?: string }): string {
  let out = html.replace(/(name="csrf_token" value=")[^"]*"/g, '$1"');
  if (email) out = out.replaceAll(email, '«email»');
  if (uid) out = out.replaceAll(uid, '«uid»');
  return out;
}

const cookieNames = (response: AgentResponse) =>
  response.headers
    .getSetCookie()
    .map((cookie) => cookie.split('=')[0])
    .sort();

interface Submission {
  /** The response to "Servicekonto anlegen" (before following its redirect). */
  created: AgentResponse;
  elapsedMs: number;
  /** The page it leads to. */
  page: AgentResponse;
  uid: string;
}

describe('registration and password reset do not reveal whether an account exists', () => {
  let kontor: TestKontor;
  let smtp: SmtpSink;
  let config: oidc.Configuration;
  let existing: TestUser;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    kontor = await startTestKontor('postgres', { SMTP_URL: smtp.url });
    const client = await registerClient(kontor);
    config = await discover(kontor, client.clientId, client.clientSecret);
    existing = await createUser(kontor, { password: 'Altes-Passwort-1' });
  });
  afterAll(async () => {
    await kontor?.stop();
    await smtp?.stop();
  });

  /** Walks the registration up to "Servicekonto anlegen" and times that request. */
  async function registerAs(person: Registrant): Promise<Submission> {
    const agent = new BrowserAgent(kontor.url);
    const login = await open(agent, (await authorizationRequest(config)).url);
    const registerUrl = /href="(\/interaction\/([^"/]+)\/register)"/.exec(login.body)!;
    const review = await submitAccountStep(agent, await agent.get(registerUrl[1]!), person);
    expect(review.url).toMatch(/\/register\/review$/);
    const form = formEndingWith(review.body, '/register/review');
    const started = performance.now();
    const created = await agent.post(form.action, { ...form.fields, consent_privacy: 'on' });
    const elapsedMs = performance.now() - started;
    return { created, elapsedMs, page: await agent.follow(created), uid: registerUrl[2]! };
  }

  async function forgot(identifier: string): Promise<{ response: AgentResponse; elapsedMs: number }> {
    const agent = new BrowserAgent(kontor.url);
    const form = formEndingWith((await agent.get('/password/forgot')).body, '/password/forgot');
    const started = performance.now();
    const response = await agent.post(form.action, { ...form.fields, identifier });
    return { response, elapsedMs: performance.now() - started };
  }

  const passwordHashOf = async (accountId: string) =>
    (
      await kontor.container.db.orm.em
        .fork()
        .execute<Array<{ hash: string }>>("select secret_hash as hash from credential where account_id = ? and type = 'password'", [accountId], 'all')
    )[0]!.hash;

  it('answers a registration of a confirmed address exactly like a new one, mailing each address once and changing nothing', async () => {
    // An account of its own: the "forgot password" tests mail the shared one, and this test counts its mails.
    const registered = await createUser(kontor, { password: 'Altes-Passwort-1' });
    const em = kontor.container.db.orm.em.fork();
    const before = await em.findOneOrFail(Account, { id: registered.accountId });
    const hashBefore = await passwordHashOf(registered.accountId);
    const fresh = newRegistrant();
    const intruder = newRegistrant({ email: registered.email, givenName: 'Mallory', familyName: 'Fremd', password: 'Neues-Passwort-2' });

    const forNew = await registerAs(fresh);
    const forExisting = await registerAs(intruder);

    expect(forExisting.created.status).toBe(forNew.created.status);
    expect(forNew.created.status).toBe(303);
    expect(forExisting.created.location!.replace(forExisting.uid, '«uid»')).toBe(forNew.created.location!.replace(forNew.uid, '«uid»'));
    expect(cookieNames(forExisting.created)).toEqual(cookieNames(forNew.created));
    expect(forExisting.page.status).toBe(forNew.page.status);
    expect(forNew.page.status).toBe(200);
    expect(forNew.page.body).toContain('Bitte bestätigen Sie Ihre E-Mail-Adresse');
    expect(comparable(forExisting.page.body, { email: registered.email, uid: forExisting.uid })).toBe(
      comparable(forNew.page.body, { email: fresh.email, uid: forNew.uid }),
    );
    expect(forNew.elapsedMs).toBeGreaterThanOrEqual(FLOOR_MS);
    expect(forExisting.elapsedMs).toBeGreaterThanOrEqual(FLOOR_MS);

    // One mail each: a confirmation link for the new address, a notice for the registered one.
    const [toNew] = await smtp.waitFor(fresh.email);
    const [toExisting] = await smtp.waitFor(registered.email);
    await kontor.container.mailDispatcher.dispatchNow();
    expect(smtp.to(fresh.email)).toHaveLength(1);
    expect(smtp.to(registered.email)).toHaveLength(1);
    expect(toNew!.subject).toBe('Bitte bestätigen Sie Ihre E-Mail-Adresse');
    expect(toNew!.text).toContain(`${kontor.url}/register/confirm?token=`);
    expect(toExisting!.subject).toBe('Sie haben bereits ein Servicekonto');
    expect(toExisting!.text).toContain('Guten Tag Erika Mustermann,');
    expect(toExisting!.text).toContain(`${kontor.url}/password/forgot`);
    expect(toExisting!.text).not.toContain('/register/confirm');
    expect(toExisting!.text).not.toContain('Mallory');

    // No second account, nothing changed on the registered one, the old password still the one that works.
    const accounts = await kontor.container.db.orm.em.fork().find(Account, { emailNormalized: registered.email.toLowerCase() });
    expect(accounts).toHaveLength(1);
    expect(accounts[0]).toMatchObject({ id: registered.accountId, givenName: 'Erika', familyName: 'Mustermann', status: 'active', emailVerified: true });
    expect(accounts[0]!.updatedAt.getTime()).toBe(before.updatedAt.getTime());
    expect(await passwordHashOf(registered.accountId)).toBe(hashBefore);

    const agent = new BrowserAgent(kontor.url);
    const refused = await submitLogin(agent, await open(agent, (await authorizationRequest(config)).url), registered.email, intruder.password);
    expect(refused.status).toBe(401);
    await loginAndConsent(new BrowserAgent(kontor.url), await authorizationRequest(config), registered);
  });

  it('answers "forgot password" for a known and an unknown address with the same page, one mail each', async () => {
    const unknown = `niemand.${Date.now()}@example.org`;
    await kontor.container.mailDispatcher.dispatchNow();
    const mailsBefore = smtp.to(existing.email).length;
    const known = await forgot(existing.email);
    const stranger = await forgot(unknown);

    expect(known.response.status).toBe(200);
    expect(stranger.response.status).toBe(known.response.status);
    expect(known.response.body).toContain('Bitte sehen Sie in Ihr Postfach');
    expect(comparable(stranger.response.body, {})).toBe(comparable(known.response.body, {}));
    expect(known.elapsedMs).toBeGreaterThanOrEqual(FLOOR_MS);
    expect(stranger.elapsedMs).toBeGreaterThanOrEqual(FLOOR_MS);

    await smtp.waitFor(unknown);
    const resetMail = (await smtp.waitFor(existing.email, mailsBefore + 1)).at(-1)!;
    await kontor.container.mailDispatcher.dispatchNow();
    expect(smtp.to(existing.email)).toHaveLength(mailsBefore + 1);
    expect(smtp.to(unknown)).toHaveLength(1);
    expect(resetMail.subject).toBe('Passwort zurücksetzen');
    expect(resetMail.text).toContain(`${kontor.url}/password/reset?token=`);
    const [unknownMail] = smtp.to(unknown);
    expect(unknownMail!.subject).toBe('Passwort zurücksetzen: kein Servicekonto gefunden');
    expect(unknownMail!.text).toContain('Zu dieser Adresse gibt es bei uns jedoch kein Servicekonto.');
    expect(unknownMail!.text).not.toContain('/password/reset');
  });

  it('answers "forgot password" for an unknown username with the same page and sends no mail', async () => {
    const known = await forgot(existing.email);
    await kontor.container.mailDispatcher.dispatchNow();
    const mailsBefore = smtp.mails.length;

    const nobody = await forgot('unbekannter.nutzer');
    expect(nobody.response.status).toBe(known.response.status);
    expect(comparable(nobody.response.body, {})).toBe(comparable(known.response.body, {}));
    expect(nobody.elapsedMs).toBeGreaterThanOrEqual(FLOOR_MS);

    await kontor.container.mailDispatcher.dispatchNow();
    expect(smtp.mails.length).toBe(mailsBefore);
  });
});
