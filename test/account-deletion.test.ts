import * as oidc from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { backchannelReceiver, BACKCHANNEL_EVENT } from './helpers/backchannel.ts';
import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { SmtpSink } from './helpers/smtp-sink.ts';
import {
  authorizationRequest,
  BrowserAgent,
  createUser,
  discover,
  loginAndConsent,
  open,
  registerClient,
  REDIRECT_URI,
  submitConsent,
  submitLogin,
  type TestUser,
} from './helpers/relying-party.ts';
import { confirmLink, newRegistrant, registerThroughInteraction, summaryErrors, type Registrant } from './helpers/registration.ts';
import { signIn, type SignedIn } from './helpers/sign-in.ts';
import { enrolTotp } from './helpers/step-up.ts';
import { deleteThroughAccountArea, openDeletionPage, submitDeletion } from './helpers/account-deletion.ts';
import { reauthenticate } from './helpers/account-area.ts';
import { deletedAccountPseudonym } from '../src/self-service/index.ts';
import { organisationInput, setBirthdate } from './helpers/organisations.ts';

const atPortal = (location: string) => location.startsWith(REDIRECT_URI);

/** Letters only (the registration's name rule), unique per run: a name no other row can contain by chance. */
function uniqueName(prefix: string): string {
  const letters = Array.from({ length: 8 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('');
  return `${prefix}${letters}`;
}

interface Portal {
  clientId: string;
  clientSecret?: string;
  config: oidc.Configuration;
  receiver: Awaited<ReturnType<typeof backchannelReceiver>>;
}

interface Person {
  registrant: Registrant;
  user: TestUser;
  /** Logged in at portal one (consent every time). */
  atOne: SignedIn;
  /** Logged in at portal two with a remembered grant and a refresh token. */
  atTwo: SignedIn;
  totpSecret: string;
}

describe('account deletion (issue 17 item 9)', () => {
  let kontor: TestKontor;
  let smtp: SmtpSink;
  let one: Portal;
  let two: Portal;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    kontor = await startTestKontor('postgres', { SMTP_URL: smtp.url, KONTOR_CONFIG_FILE: configFile(ROOMY_RATE_LIMITS) });
    const portal = async (input: Parameters<typeof registerClient>[1]): Promise<Portal> => {
      const receiver = await backchannelReceiver();
      const client = await registerClient(kontor, { ...input, backchannelLogoutUri: receiver.url });
      return { clientId: client.clientId, clientSecret: client.clientSecret, config: await discover(kontor, client.clientId, client.clientSecret), receiver };
    };
    one = await portal({ name: 'Portal Eins' });
    two = await portal({
      name: 'Portal Zwei',
      consent: 'remembered',
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'profile', 'email', 'offline_access'],
    });
  });
  afterAll(async () => {
    await kontor?.stop();
    await smtp?.stop();
    one?.receiver.server.close();
    two?.receiver.server.close();
  });

  /**
   * A person with every kind of data Kontor keeps: registered through the pages (consents, attributes, a
   * used confirmation link, sent mail, an unredeemed code from the registration's return), logged in at two
   * portals from two browsers (sessions, a remembered grant, a refresh token, ledger rows from the token
   * and userinfo responses), failed logins (throttle rows), TOTP with recovery codes and the e-mail code.
   */
  async function populate(): Promise<Person> {
    const registrant = newRegistrant({ givenName: uniqueName('Vor'), familyName: uniqueName('Nach') });
    const registering = new BrowserAgent(kontor.url);
    await registerThroughInteraction(registering, await authorizationRequest(one.config), registrant);
    const confirmation = (await smtp.waitFor(registrant.email))[0]!;
    await confirmLink(registering, SmtpSink.linkIn(confirmation, `${kontor.url}/register/confirm?token=`), atPortal);
    const account = await kontor.container.accounts.findByEmail(registrant.email);
    const user: TestUser = { email: registrant.email, password: registrant.password, accountId: account!.id };

    const atOne = await signIn(kontor, { user, existing: one });
    const atTwo = await signIn(kontor, { user, existing: two, authorization: { scope: 'openid profile email offline_access', prompt: 'consent' } });
    expect(atTwo.tokens.refresh_token).toBeTruthy();
    await oidc.fetchUserInfo(atTwo.config, atTwo.tokens.access_token, atTwo.tokens.claims()!.sub);

    const guesser = new BrowserAgent(kontor.url);
    const refused = await submitLogin(
      guesser,
      await open(guesser, (await authorizationRequest(one.config)).url),
      user.email.toUpperCase(),
      'Falsches-Passwort-9',
    );
    expect(refused.status).toBe(401);

    const { secret } = await enrolTotp(kontor, user);
    const context = { ip: '203.0.113.7', clientId: null, locale: 'de' as const };
    const before = smtp.to(user.email).length;
    await kontor.container.secondFactors.sendEnrolmentCode(user.accountId, context);
    const codeMail = (await smtp.waitFor(user.email, before + 1))[before]!;
    const code = /\b(\d{6})\b/.exec(codeMail.text)![1]!;
    expect((await kontor.container.secondFactors.confirmEmailEnrolment(user.accountId, code, context)).kind).toBe('enrolled');
    return { registrant, user, atOne, atTwo, totpSecret: secret };
  }

  const needlesOf = (person: Person) => [person.user.accountId, person.user.email, person.registrant.givenName, person.registrant.familyName];

  /** Every table of the public schema but the migrations' own: what "every row that referenced the account" is judged against. */
  async function tables(): Promise<string[]> {
    const rows = await kontor.container.db.orm.em
      .fork()
      .execute<Array<{ table_name: string }>>(
        `select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' and table_name <> 'mikro_orm_migrations' order by table_name`,
        [],
        'all',
      );
    return rows.map((row) => row.table_name);
  }

  /** Per table, the rows whose text (the whole row cast to text) contains any of the needles, case-insensitively. */
  async function rowsMentioning(needles: string[]): Promise<Record<string, number>> {
    const em = kontor.container.db.orm.em.fork();
    const patterns = `{${needles.map((needle) => `"%${needle}%"`).join(',')}}`;
    const counts: Record<string, number> = {};
    for (const table of await tables()) {
      const [row] = await em.execute<Array<{ count: string }>>(
        `select count(*) as count from "${table}" t where t::text ilike any(?::text[])`,
        [patterns],
        'all',
      );
      counts[table] = Number(row!.count);
    }
    return counts;
  }

  async function throttleRows(names: string[]): Promise<number> {
    const keys = names.map((name) => kontor.container.loginThrottle.subjectFor(name, undefined));
    const [row] = await kontor.container.db.orm.em
      .fork()
      .execute<Array<{ count: string }>>('select count(*) as count from login_throttle where key = any(?::text[])', [`{${keys.join(',')}}`], 'all');
    return Number(row!.count);
  }

  /** Whether a rate-limit counter exists for a scope and subject (its key is a keyed hash, invisible to the text scan). */
  async function counterExists(scope: string, subject: string): Promise<boolean> {
    const key = kontor.container.rateLimiter.keyFor(scope, subject);
    const rows = await kontor.container.db.orm.em.fork().execute<unknown[]>('select key from rate_limit_counter where key = ?', [key], 'all');
    return rows.length > 0;
  }

  it('removes every row that referenced the account, keeps only the pseudonym in ledger and audit, logs the portals out; the address registers again at once', async () => {
    const gone = await populate();
    const kept = await populate();
    expect(await throttleRows([gone.user.email])).toBe(1);

    // Issue 19: an organisation the person alone is in (it goes with the account), membership in one where
    // another admin accepted the person's join request (that admin's audit events name the person), an
    // invitation the person sent, and one addressed to the person.
    const { organisations } = kontor.container;
    const mailedBefore = smtp.to(gone.user.email).length;
    for (const person of [gone, kept]) await setBirthdate(kontor, person.user.accountId, '1980-05-17');
    const alone = await organisations.organisations.register(gone.user.accountId, organisationInput());
    const sharedInput = organisationInput();
    const shared = await organisations.organisations.register(kept.user.accountId, sharedInput);
    const { requestId } = await organisations.joinRequests.request(gone.user.accountId, {
      name: sharedInput.name,
      postalCode: sharedInput.postalCode,
      registerNumber: sharedInput.registerNumber,
    });
    await organisations.joinRequests.accept(kept.user.accountId, shared.organisationId, requestId);
    await organisations.invitations.invite(gone.user.accountId, alone.organisationId, { email: 'colleague@example.org' });
    const other = await organisations.organisations.register(kept.user.accountId, organisationInput());
    await organisations.invitations.invite(kept.user.accountId, other.organisationId, { email: gone.user.email });
    await kontor.container.mailDispatcher.dispatchNow();
    await smtp.waitFor(gone.user.email, mailedBefore + 2); // the join acceptance and the invitation

    // Mail that is still waiting: a reset link while the mail server is down (an open token, a pending mail).
    await smtp.stop();
    for (const person of [gone, kept]) {
      await kontor.container.passwordReset.request({ identifier: person.user.email, ip: '203.0.113.7', locale: 'de', mayMail: true });
    }
    await kontor.container.mailDispatcher.dispatchNow();
    const pending = await kontor.container.outbox.list({ status: 'pending', recipient: gone.user.email });
    expect(pending.map((mail) => mail.message)).toEqual(['password-reset']);
    await smtp.listen();

    // Before: the account is everywhere one would expect it.
    const keptBefore = await rowsMentioning(needlesOf(kept));
    const goneBefore = await rowsMentioning(needlesOf(gone));
    for (const table of [
      'account',
      'account_attribute',
      'account_consent',
      'credential',
      'verification_token',
      'oidc_payload',
      'release_ledger',
      'audit_event',
      'mail_outbox',
      'organisation_membership',
      'organisation_join_request',
      'organisation_invitation',
    ]) {
      expect({ table, rows: goneBefore[table] }).toEqual({ table, rows: expect.any(Number) });
      expect(goneBefore[table]).toBeGreaterThan(0);
    }

    expect(await counterExists('mail:registration-confirm', gone.user.email.toLowerCase())).toBe(true);
    const mailsBefore = smtp.to(gone.user.email).length;
    const deletedPage = await deleteThroughAccountArea(kontor, gone.user, { totpSecret: gone.totpSecret });
    expect(deletedPage.status).toBe(200);
    expect(deletedPage.body).toContain('Ihr Konto wurde gelöscht');

    // The confirmation goes out, and its row forgets the address once sent.
    const confirmation = (await smtp.waitFor(gone.user.email, mailsBefore + 1))[mailsBefore]!;
    expect(confirmation.subject).toBe('Ihr Servicekonto wurde gelöscht');
    expect(confirmation.text).toContain('steht sofort wieder für eine neue Registrierung zur Verfügung');
    await kontor.container.mailDispatcher.dispatchNow();

    // Every table: nothing of the deleted account (its id, address in any case, names) in any row.
    const pseudonym = deletedAccountPseudonym(kontor.config.secret, gone.user.accountId);
    const after = await rowsMentioning(needlesOf(gone));
    expect(Object.entries(after).filter(([, count]) => count > 0)).toEqual([]);
    expect(await throttleRows([gone.user.email])).toBe(0);
    expect(await counterExists('mail:registration-confirm', gone.user.email.toLowerCase())).toBe(false);
    expect(await counterExists('mail:registration-confirm', kept.user.email.toLowerCase())).toBe(true);

    // The person's own organisation went with the account; the shared one stays with its other admin.
    expect(await organisations.access.organisationsOf(kept.user.accountId)).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: shared.organisationId, role: 'admin' })]),
    );
    expect((await organisations.members.members(kept.user.accountId, shared.organisationId)).map((row) => row.accountId)).toEqual([kept.user.accountId]);
    expect(await kontor.container.db.orm.em.fork().execute('select id from organisation where id = ?', [alone.organisationId], 'all')).toEqual([]);

    // Ledger and audit keep their rows under the pseudonym only.
    const em = kontor.container.db.orm.em.fork();
    const byPseudonym = async (table: string) =>
      Number((await em.execute<Array<{ count: string }>>(`select count(*) as count from ${table} where account_id = ?`, [pseudonym], 'all'))[0]!.count);
    expect(await byPseudonym('release_ledger')).toBeGreaterThan(0);
    expect(await byPseudonym('audit_event')).toBeGreaterThan(5);
    const [deleted] = await em.execute<Array<{ ip: string | null; details: unknown }>>(
      `select ip, details from audit_event where type = 'account.deleted' and account_id = ?`,
      [pseudonym],
      'all',
    );
    expect(deleted).toBeDefined();
    expect(deleted!.ip).toBeNull();
    const withIp = await em.execute<unknown[]>('select id from audit_event where account_id = ? and ip is not null', [pseudonym], 'all');
    expect(withIp).toEqual([]);
    const sentRows = await em.execute<Array<{ recipient: string; sealed_body: string }>>(
      `select recipient, sealed_body from mail_outbox where recipient = ? and status = 'sent'`,
      [pseudonym],
      'all',
    );
    expect(sentRows.length).toBeGreaterThanOrEqual(3);
    expect(sentRows.every((row) => row.sealed_body === '')).toBe(true);

    // The other account keeps every row it had, but for two that were the deleted person's: the join
    // request it decided (the requester's) and its invitation to the deleted person's address.
    const keptAfter = await rowsMentioning(needlesOf(kept));
    expect(keptAfter).toEqual({
      ...keptBefore,
      organisation_join_request: keptBefore.organisation_join_request! - 1,
      organisation_invitation: keptBefore.organisation_invitation! - 1,
    });
    expect(await throttleRows([kept.user.email])).toBe(1);

    // Both portals were told by back-channel logout, for the deleted person's sessions.
    for (const [portal, signedIn] of [
      [one, gone.atOne],
      [two, gone.atTwo],
    ] as const) {
      const subs = await Promise.all(
        portal.receiver.tokens.map(
          async (token) =>
            (await jwtVerify(token, createRemoteJWKSet(new URL(`${kontor.url}/jwks`)), { issuer: kontor.url, audience: portal.clientId })).payload,
        ),
      );
      expect(subs).toContainEqual(expect.objectContaining({ sub: signedIn.tokens.claims()!.sub, events: { [BACKCHANNEL_EVENT]: {} } }));
    }

    // The old refresh token is refused.
    await expect(oidc.refreshTokenGrant(gone.atTwo.config, gone.atTwo.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });

    // The address registers again at once: registration, confirmation, then a login with the new password.
    const again = newRegistrant({ email: gone.user.email, givenName: 'Neu', familyName: 'Anfang', password: 'Zweiter-Anlauf-7' });
    const agent = new BrowserAgent(kontor.url);
    const checkMail = await registerThroughInteraction(agent, await authorizationRequest(one.config), again);
    expect(checkMail.status).toBe(200);
    const link = (await smtp.waitFor(again.email, mailsBefore + 2))[mailsBefore + 1]!;
    expect(link.subject).toBe('Bitte bestätigen Sie Ihre E-Mail-Adresse');
    let back = await confirmLink(agent, SmtpSink.linkIn(link, `${kontor.url}/register/confirm?token=`), atPortal);
    if (back.status === 200 && back.body.includes('/consent')) back = await submitConsent(agent, back);
    expect(back.location).toMatch(/^http:\/\/127\.0\.0\.1:4999\/callback\?code=/);
    const fresh = await kontor.container.accounts.findByEmail(again.email);
    expect(fresh!.id).not.toBe(gone.user.accountId);
    const login = await loginAndConsent(new BrowserAgent(kontor.url), await authorizationRequest(one.config), { ...again, accountId: fresh!.id });
    expect(login.searchParams.get('code')).toBeTruthy();
  });

  it('refuses the deletion without a fresh login and sends the person to re-authenticate; nothing is deleted', async () => {
    const user = await createUser(kontor);
    const { agent, page } = await openDeletionPage(kontor, user);
    kontor.clock.advance(6 * 60);
    const refused = await submitDeletion(agent, page);
    expect(refused.status).toBe(303);
    expect(refused.location).toBe(`/account/login?return=${encodeURIComponent('/account/delete')}&reauth=1`);
    expect(await kontor.container.accounts.findById(user.accountId)).not.toBeNull();
    // The page itself also asks for the re-authentication; afterwards the deletion goes through.
    const stale = await agent.get('/account/delete');
    expect(stale.status).toBe(303);
    const again = await reauthenticate(agent, await agent.follow(stale), { password: user.password, username: user.email });
    expect(again.url).toMatch(/\/account\/delete$/);
    const done = await submitDeletion(agent, again);
    expect(done.location).toBe('/account/deleted');
    expect(await kontor.container.accounts.findById(user.accountId)).toBeNull();
  });

  it('refuses the deletion without the ticked confirmation, with an error summary naming the checkbox', async () => {
    const user = await createUser(kontor);
    const { agent, page } = await openDeletionPage(kontor, user);
    expect(page.body).toContain('Ich möchte mein Konto endgültig löschen');
    expect(page.body).toContain('Pseudonym');
    const refused = await submitDeletion(agent, page, {});
    expect(refused.status).toBe(400);
    expect(summaryErrors(refused)).toEqual(['Bestätigen Sie, dass Sie Ihr Konto endgültig löschen möchten.']);
    expect(refused.body).toContain('href="#confirm"');
    expect(refused.body).toContain('aria-invalid="true"');
    expect(await kontor.container.accounts.findById(user.accountId)).not.toBeNull();
    // The area's session stays usable, and the public page after a deletion needs no session.
    expect((await agent.get('/account')).status).toBe(200);
    const deletedPage = await new BrowserAgent(kontor.url).get('/account/deleted');
    expect(deletedPage.status).toBe(200);
    expect(deletedPage.body).toContain('Ihr Konto wurde gelöscht');
  });
});
