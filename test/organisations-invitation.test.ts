import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { SmtpSink } from './helpers/smtp-sink.ts';
import { BrowserAgent, createUser, submitLogin } from './helpers/relying-party.ts';
import { decodeEntities, formEndingWith, type AgentResponse } from './helpers/browser-agent.ts';
import { openAccountArea } from './helpers/account-area.ts';
import { confirmLink, newRegistrant, submitAccountStep, submitReview, summaryErrors } from './helpers/registration.ts';
import { auditOf, organisationWithAdmin } from './helpers/organisations.ts';

// Issue 19 item 3 through the pages (brief H2): an admin invites by e-mail; the mailed link
// /organisations/invitation is public; a registered person accepts after logging in, an unregistered one
// registers through it and joins, another account's address is refused.

const text = (page: AgentResponse) => decodeEntities(page.body.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');

describe('organisation invitations through the pages (issue 19, brief H2)', () => {
  let kontor: TestKontor;
  let smtp: SmtpSink;
  beforeAll(async () => {
    smtp = await SmtpSink.start();
    kontor = await startTestKontor('postgres', { SMTP_URL: smtp.url, KONTOR_CONFIG_FILE: configFile(ROOMY_RATE_LIMITS) });
  });
  afterAll(async () => {
    await kontor?.stop();
    await smtp?.stop();
  });

  /** The admin invites `email` on the invitations page; returns the link of the mail. */
  async function invite(email: string, role: 'member' | 'admin' = 'member') {
    const { admin, organisationId, input } = await organisationWithAdmin(kontor);
    const { agent } = await openAccountArea(kontor, admin);
    const page = await agent.get(`/account/organisations/${organisationId}/invitations`);
    expect(page.status).toBe(200);
    const form = formEndingWith(page.body, '/invitations');
    const empty = await agent.post(form.action, { ...form.fields, email: '' });
    expect(empty.status).toBe(400);
    expect(summaryErrors(empty)).toEqual(['Geben Sie die E-Mail-Adresse der Person ein, die Sie einladen.']);
    const sent = await agent.post(form.action, { ...form.fields, email, role });
    expect(sent.status).toBe(303);
    expect(sent.location).toBe(`/account/organisations/${organisationId}/invitations?done=invited`);
    expect(text(await agent.get(sent.location!))).toContain(email);
    await kontor.container.mailDispatcher.dispatchNow();
    const [mail] = await smtp.waitFor(email);
    const link = SmtpSink.linkIn(mail!, `${kontor.url}/organisations/invitation?token=`);
    return { admin, organisationId, input, link, adminAgent: agent };
  }

  it('lets a registered person accept after logging in; another account is refused clearly; a used link is invalid', async () => {
    const invited = await createUser(kontor);
    const { organisationId, input, link, adminAgent } = await invite(invited.email);

    // Public: no account session needed to see what the invitation is.
    const browser = new BrowserAgent(kontor.url);
    const landing = await browser.get(link);
    expect(landing.status).toBe(200);
    expect(landing.headers.get('cache-control')).toBe('no-store');
    expect(text(landing)).toContain(`Sie wurden eingeladen, der Organisation „${input.name}“ beizutreten`);
    expect(text(landing)).toContain('Jetzt registrieren');

    // Someone else logged in in another browser: refused, no accept button; posting anyway joins nobody.
    const stranger = await createUser(kontor);
    const other = await openAccountArea(kontor, stranger);
    const redirected = await other.agent.get(link);
    expect(redirected.status).toBe(303);
    const refused = await other.agent.get(redirected.location!);
    expect(refused.status).toBe(403);
    expect(text(refused)).toContain('Diese Einladung gilt für eine andere E-Mail-Adresse');
    expect(text(refused)).toContain(`Sie sind mit ${stranger.email} angemeldet`);
    expect(refused.body).not.toContain('action="/account/organisations/invitation"');
    const token = new URL(link).searchParams.get('token')!;
    const forced = await other.agent.post('/account/organisations/invitation', {
      token,
      csrf_token: formEndingWith(refused.body, '/account/logout').fields.csrf_token!,
    });
    expect(forced.status).toBe(403);
    expect(text(forced)).toContain('Diese Einladung gilt für eine andere E-Mail-Adresse');
    expect(await kontor.container.organisations.access.organisationsOf(stranger.accountId)).toEqual([]);

    // The invited person: "log in and accept" → the login → back at the accept page.
    const loginHref = /href="([^"]*\/account\/organisations\/invitation\?token[^"]+)"/.exec(landing.body)![1]!;
    const loginPage = await browser.follow(await browser.get(decodeEntities(loginHref)));
    const acceptPage = await browser.follow(await submitLogin(browser, loginPage, invited.email, invited.password));
    expect(acceptPage.url).toBe(`${kontor.url}/account/organisations/invitation?token=${token}`);
    const accepted = await browser.post('/account/organisations/invitation', formEndingWith(acceptPage.body, '/account/organisations/invitation').fields);
    expect(accepted.status).toBe(303);
    expect(accepted.location).toBe(`/account/organisations/${organisationId}?done=joined`);
    expect(text(await browser.get(accepted.location!))).toContain('Sie sind jetzt Mitglied der Organisation');
    const [event] = await auditOf(kontor, 'organisation.invitation_accepted', organisationId);
    expect(event!.details).toMatchObject({ via: 'link' });

    // Used up: the link says so, and the admin's list no longer shows it.
    const used = await new BrowserAgent(kontor.url).get(link);
    expect(used.status).toBe(410);
    expect(text(used)).toContain('Dieser Einladungslink ist ungültig, abgelaufen oder wurde bereits verwendet');
    expect(text(await adminAgent.get(`/account/organisations/${organisationId}/invitations`))).toContain('Es gibt keine offenen Einladungen.');
  });

  it('carries an unregistered person through the registration to the invitation, who then joins', async () => {
    const registrant = newRegistrant();
    const { organisationId, link } = await invite(registrant.email);
    const browser = new BrowserAgent(kontor.url);
    const landing = await browser.get(link);
    if (landing.status !== 200) throw new Error(`${landing.status} ${landing.location} ${landing.body.slice(0, 800)}`);
    const registerHref = decodeEntities([...landing.body.matchAll(/href="([^"]*\/account\/organisations\/invitation\?token[^"]+)"/g)].at(-1)![1]!);
    const loginPage = await browser.follow(await browser.get(registerHref));
    const registerUrl = /href="(\/interaction\/[^"]+\/register)"/.exec(loginPage.body)![1]!;
    const review = await submitAccountStep(browser, await browser.get(registerUrl), registrant);
    expect(review.url).toMatch(/\/register\/review$/);
    await submitReview(browser, review);
    await kontor.container.mailDispatcher.dispatchNow();
    const confirmation = (await smtp.waitFor(registrant.email, 2)).find((mail) => mail.text.includes('/register/confirm?token='))!;
    const back = await confirmLink(browser, SmtpSink.linkIn(confirmation, `${kontor.url}/register/confirm?token=`));
    const acceptPage = back.url.includes('/account/organisations/invitation') ? back : await browser.follow(back);
    expect(acceptPage.url).toContain('/account/organisations/invitation?token=');
    expect(acceptPage.status).toBe(200);
    const accepted = await browser.post('/account/organisations/invitation', formEndingWith(acceptPage.body, '/account/organisations/invitation').fields);
    expect(accepted.status).toBe(303);
    const account = await kontor.container.accounts.findByEmail(registrant.email);
    expect((await kontor.container.organisations.access.organisationsOf(account!.id)).map((row) => row.id)).toEqual([organisationId]);
    const [event] = await auditOf(kontor, 'organisation.invitation_accepted', organisationId);
    expect(event!.details).toMatchObject({ via: 'registration' });
  });

  it('an admin invitation needs an adult; without a birth date field the page says the deployment records none', async () => {
    const invited = await createUser(kontor);
    const { organisationId, link } = await invite(invited.email, 'admin');
    const { agent } = await openAccountArea(kontor, invited);
    const page = await agent.follow(await agent.get(link));
    const refused = await agent.post('/account/organisations/invitation', formEndingWith(page.body, '/account/organisations/invitation').fields);
    expect(refused.status).toBe(409);
    expect(summaryErrors(refused)).toEqual([expect.stringContaining('Administratorin oder Administrator können nur volljährige Personen sein')]);
    expect(await kontor.container.organisations.access.organisationsOf(invited.accountId)).toEqual([]);
    const registration = await agent.get('/account/organisations/new');
    expect(registration.status).toBe(403);
    expect(text(registration)).toContain('Dieses Servicekonto erfasst kein Geburtsdatum');
    expect(organisationId).toBeTruthy();
  });

  it('withdraws an open invitation: its link stops working', async () => {
    const { organisationId, link, adminAgent } = await invite(`withdrawn.${Date.now()}@example.org`);
    const list = await adminAgent.get(`/account/organisations/${organisationId}/invitations`);
    const form = formEndingWith(list.body, '/invitations/withdraw');
    const withdrawn = await adminAgent.post(form.action, form.fields);
    expect(withdrawn.status).toBe(303);
    expect(withdrawn.location).toBe(`/account/organisations/${organisationId}/invitations?done=withdrawn`);
    expect((await new BrowserAgent(kontor.url).get(link)).status).toBe(410);
    const en = await new BrowserAgent(kontor.url).get(`${link}&lang=en`);
    expect(text(en)).toContain('This invitation is no longer valid');
  });
});
