import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { SmtpSink } from './helpers/smtp-sink.ts';
import { createUser } from './helpers/relying-party.ts';
import { decodeEntities, type AgentResponse, type BrowserAgent } from './helpers/browser-agent.ts';
import { formEndingWith, openAccountArea, reauthenticate } from './helpers/account-area.ts';
import { summaryErrors } from './helpers/registration.ts';
import { adult, auditOf, memberOf, organisationInput, organisationWithAdmin, setBirthdate, yearsAgo } from './helpers/organisations.ts';
import { parseForms } from './helpers/browser-agent.ts';

// Issue 19 items 1–3 and 6 through the pages of "Mein Bereich" (brief H2): registration with its review
// step and the age rule, the last admin, join requests, deletion with step-up, and account deletion.

/** A deployment whose profile has a birth date (the age rule's source, seed 001). */
const PROFILE_FIELDS = [
  { name: 'birthYear', type: 'integer', label: { de: 'Geburtsjahr', en: 'Year of birth' }, min: 1900, max: 'currentYear', claim: 'birthdate' },
];

const text = (page: AgentResponse) => decodeEntities(page.body.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');

/** Posts the form of `page` whose action ends with `suffix` (and whose hidden fields match `match`). */
function post(agent: BrowserAgent, page: AgentResponse, suffix: string, fields: Record<string, string>, match: Record<string, string> = {}) {
  const form = parseForms(page.body).find(
    (candidate) => candidate.action.endsWith(suffix) && Object.entries(match).every(([name, value]) => candidate.fields[name] === value),
  );
  if (!form) throw new Error(`no form ${suffix} ${JSON.stringify(match)} on ${page.url}:\n${page.body.slice(0, 2000)}`);
  return agent.post(form.action, { ...form.fields, ...fields });
}

const formValues = (input: ReturnType<typeof organisationInput>) =>
  Object.fromEntries(Object.entries(input).map(([name, value]) => [name, String(value ?? '')])) as Record<string, string>;

describe('organisation pages (issue 19, brief H2)', () => {
  let kontor: TestKontor;
  let smtp: SmtpSink;
  beforeAll(async () => {
    smtp = await SmtpSink.start();
    kontor = await startTestKontor('postgres', {
      SMTP_URL: smtp.url,
      KONTOR_CONFIG_FILE: configFile({ ...ROOMY_RATE_LIMITS, registration: { profileFields: PROFILE_FIELDS } }),
    });
  });
  afterAll(async () => {
    await kontor?.stop();
    await smtp?.stop();
  });

  async function mailTo(address: string, subject: string) {
    await kontor.container.mailDispatcher.dispatchNow();
    const mails = await smtp.waitFor(address);
    const found = mails.find((mail) => mail.subject.includes(subject));
    if (!found) throw new Error(`no mail "${subject}" to ${address}: ${mails.map((mail) => mail.subject).join(' | ')}`);
    return found;
  }

  describe('registration', () => {
    it('refuses a person under age and one without a birth date with a page that says what to do', async () => {
      const young = await createUser(kontor);
      await setBirthdate(kontor, young.accountId, yearsAgo(kontor, 18, 1));
      const { agent } = await openAccountArea(kontor, young);
      const refused = await agent.get('/account/organisations/new');
      expect(refused.status).toBe(403);
      expect(text(refused)).toContain('Das können nur volljährige Personen sein (ab 18 Jahren)');
      expect(refused.body).not.toContain('action="/account/organisations/new"');
      // Not even the review step's POST registers (the domain checks again).
      expect((await agent.post('/account/organisations/new/review', {})).status).toBe(403);

      const undated = await createUser(kontor);
      const area = await openAccountArea(kontor, undated);
      const missing = await area.agent.get('/account/organisations/new');
      expect(missing.status).toBe(403);
      expect(text(missing)).toContain('In Ihrem Servicekonto ist kein Geburtsdatum eingetragen');
      expect(missing.body).toContain('href="/account/profile"');
      // Of age today (18th birthday): the form.
      await setBirthdate(kontor, young.accountId, yearsAgo(kontor, 18));
      expect((await agent.get('/account/organisations/new')).status).toBe(200);
    });

    it('checks the data field by field, keeps the input, shows a review step and only then registers the person as first admin', async () => {
      const person = await adult(kontor);
      const { agent } = await openAccountArea(kontor, person);
      expect((await agent.get('/account')).body).toContain('href="/account/organisations"');
      const form = await agent.get('/account/organisations/new');
      expect(form.status).toBe(200);
      const input = organisationInput({ registerNumber: 'hrb  4711', poBox: '100234' });
      const wrong = await post(agent, form, '/account/organisations/new', { ...formValues(input), name: 'Muster <GmbH>', houseNumber: '12 a' });
      expect(wrong.status).toBe(400);
      expect(summaryErrors(wrong)).toEqual([
        'Der Name der Organisation darf die Zeichen " < > { } [ ] nicht enthalten.',
        'Die Hausnummer darf keine Leerzeichen enthalten: schreiben Sie z. B. 2a, 12a-c oder 48-50.',
      ]);
      expect(wrong.body).toContain('href="#name"');
      expect(wrong.body).toContain(`value="${input.city}"`);
      expect(await kontor.container.organisations.access.organisationsOf(person.accountId)).toEqual([]);

      const next = await post(agent, wrong, '/account/organisations/new', formValues(input));
      expect(next.status).toBe(303);
      expect(next.location).toBe('/account/organisations/new/review');
      const review = await agent.get(next.location!);
      const shown = text(review);
      expect(shown).toContain(input.name);
      expect(shown).toContain('Amtsgericht Köln, HRB 4711');
      expect(shown).toContain('bevorzugte Postanschrift: Postfach');
      // Nothing exists before the review is confirmed.
      expect(await kontor.container.organisations.access.organisationsOf(person.accountId)).toEqual([]);
      // "Angaben ändern" brings the form back with the input.
      expect((await agent.get('/account/organisations/new')).body).toContain(`value="${input.street}"`);

      const done = await post(agent, review, '/account/organisations/new/review', {});
      expect(done.status).toBe(303);
      const [organisation] = await kontor.container.organisations.access.organisationsOf(person.accountId);
      expect(organisation).toMatchObject({ name: input.name, role: 'admin' });
      expect(done.location).toBe(`/account/organisations/${organisation!.id}?done=registered`);
      const overview = await agent.get(done.location!);
      expect(text(overview)).toContain('Wir empfehlen, eine zweite Person zur Administration zu ernennen');
      expect(overview.body).toContain(`href="/account/organisations/${organisation!.id}/services"`);
      const list = text(await agent.get('/account/organisations'));
      expect(list).toContain(`${input.name} Administration`);
      // The draft is gone: the review step sends back to the form.
      expect((await agent.get('/account/organisations/new/review')).location).toBe('/account/organisations/new');
      const en = await agent.get(`/account/organisations/${organisation!.id}?lang=en`);
      expect(text(en)).toContain('Manage the organisation');
    });
  });

  describe('admins and members', () => {
    it('keeps the last admin through the pages, promotes to equal rights, lets a member leave and an admin remove', async () => {
      const { admin, organisationId, input } = await organisationWithAdmin(kontor);
      const member = await memberOf(kontor, organisationId, admin, input);
      await setBirthdate(kontor, member.accountId, '1990-01-01');
      const { agent } = await openAccountArea(kontor, admin);
      const base = `/account/organisations/${organisationId}`;
      const members = await agent.get(`${base}/members`);
      expect(members.status).toBe(200);
      expect(text(members)).toContain('Ihre Organisation hat nur eine Administratorin bzw. einen Administrator. Wir empfehlen');

      const demoteSelf = await post(agent, members, '/members/role', { role: 'member' }, { memberId: admin.accountId });
      expect(demoteSelf.status).toBe(409);
      expect(summaryErrors(demoteSelf)).toEqual([expect.stringContaining('Ernennen Sie zuerst eine weitere Person zur Administration')]);
      const removeSelf = await post(agent, members, '/members/remove', {}, { memberId: admin.accountId });
      expect(removeSelf.status).toBe(409);
      const leave = await post(agent, await agent.get(base), '/leave', {});
      expect(leave.status).toBe(409);
      expect(summaryErrors(leave)).toEqual([expect.stringContaining('letzte Administratorin bzw. der letzte Administrator')]);

      const promoted = await post(agent, members, '/members/role', { role: 'admin' }, { memberId: member.accountId });
      expect(promoted.status).toBe(303);
      expect(promoted.location).toBe(`${base}/members?done=promoted`);
      const after = await agent.get(promoted.location!);
      expect(text(after)).toContain('Die Person ist jetzt Administratorin bzw. Administrator.');
      expect(text(after)).not.toContain('Wir empfehlen, eine zweite Person');

      // The second admin has the same pages; the first may now step down.
      const second = await openAccountArea(kontor, member);
      expect((await second.agent.get(`${base}/members`)).status).toBe(200);
      const demoted = await post(agent, after, '/members/role', { role: 'member' }, { memberId: admin.accountId });
      expect(demoted.status).toBe(303);
      // Now a plain member: no admin pages (the domain refuses), the overview offers "Rolle beantragen".
      expect((await agent.get(`${base}/members`)).status).toBe(403);
      const overview = await agent.get(base);
      expect(overview.body).toContain(`href="${base}/role-requests/new"`);
      expect(overview.body).not.toContain(`href="${base}/invitations"`);
      expect(
        (await agent.post(`${base}/members/remove`, { memberId: member.accountId, csrf_token: formEndingWith(overview.body, '/leave').fields.csrf_token! }))
          .status,
      ).toBe(403);

      const settings = await post(second.agent, await second.agent.get(`${base}/members`), '/settings', { adminsMayUseServices: 'yes' });
      expect(settings.status).toBe(303);
      expect((await kontor.container.organisations.organisations.details(member.accountId, organisationId)).adminsMayUseServices).toBe(true);
      const removed = await post(second.agent, await second.agent.get(`${base}/members`), '/members/remove', {}, { memberId: admin.accountId });
      expect(removed.status).toBe(303);
      expect(await auditOf(kontor, 'organisation.member_removed', organisationId)).toHaveLength(1);
      expect(await kontor.container.organisations.access.organisationsOf(admin.accountId)).toEqual([]);
    });
  });

  describe('join requests', () => {
    it('refuses mismatching data with one message naming no field, and the admin accepts or rejects with a mail', async () => {
      const { admin, organisationId, input } = await organisationWithAdmin(kontor);
      const asking = await createUser(kontor);
      const { agent } = await openAccountArea(kontor, asking);
      const form = await agent.get('/account/organisations/join');
      const data = { name: input.name, postalCode: input.postalCode, registerNumber: input.registerNumber! };
      const wrongPostal = await post(agent, form, '/account/organisations/join', { ...data, postalCode: '10115' });
      const wrongNumber = await post(agent, form, '/account/organisations/join', { ...data, registerNumber: 'HRB 99999' });
      const nothing = await post(agent, form, '/account/organisations/join', { ...data, name: 'Gibt es nicht GmbH' });
      for (const refused of [wrongPostal, wrongNumber, nothing]) {
        expect(refused.status).toBe(422);
        expect(summaryErrors(refused)).toEqual([
          'Zu diesen Angaben können wir keine Organisation finden. Die Angaben müssen genau den Daten der Organisation entsprechen; fragen Sie im Zweifel Ihre Administration.',
        ]);
        expect(refused.body).not.toMatch(/error-summary[\s\S]*href="#/);
      }
      expect(wrongPostal.body).toContain('value="10115"');
      const missing = await post(agent, form, '/account/organisations/join', { name: '', postalCode: '' });
      expect(missing.status).toBe(400);
      expect(summaryErrors(missing)).toEqual(['Geben Sie den Namen der Organisation ein.', 'Geben Sie die Postleitzahl der Organisation ein.']);

      const sent = await post(agent, form, '/account/organisations/join', { ...data, name: `  ${input.name.toUpperCase()} ` });
      expect(sent.status).toBe(303);
      expect(sent.location).toBe('/account/organisations?done=join_requested');
      expect(text(await agent.get(sent.location!))).toContain(`${input.name} (gestellt am`);

      const other = await createUser(kontor);
      await kontor.container.organisations.joinRequests.request(other.accountId, data);
      const area = await openAccountArea(kontor, admin);
      const requests = await area.agent.get(`/account/organisations/${organisationId}/join-requests`);
      expect(requests.status).toBe(200);
      const [first, second] = await kontor.container.organisations.joinRequests.pending(admin.accountId, organisationId);
      const accepted = await post(area.agent, requests, '/join-requests', { decision: 'accept' }, { requestId: first!.id });
      expect(accepted.status).toBe(303);
      expect(accepted.location).toBe(`/account/organisations/${organisationId}/join-requests?done=join_accepted`);
      const rejected = await post(area.agent, await area.agent.get(accepted.location!), '/join-requests', { decision: 'reject' }, { requestId: second!.id });
      expect(rejected.status).toBe(303);
      expect((await mailTo(asking.email, 'angenommen')).text).toContain(input.name);
      expect((await mailTo(other.email, 'abgelehnt')).text).toContain(input.name);
      expect((await kontor.container.organisations.access.organisationsOf(asking.accountId)).map((row) => row.id)).toEqual([organisationId]);
      expect(await kontor.container.organisations.access.organisationsOf(other.accountId)).toEqual([]);
      // Decided: gone from the list, a second decision finds nothing.
      expect(
        (
          await area.agent.post(`/account/organisations/${organisationId}/join-requests`, {
            ...formEndingWith(requests.body, '/join-requests').fields,
            decision: 'accept',
          })
        ).status,
      ).toBe(404);
    });
  });

  describe('deletion', () => {
    it('deletes the organisation behind step-up and the typed name; members are mailed, accounts stay', async () => {
      const { admin, organisationId, input } = await organisationWithAdmin(kontor);
      const member = await memberOf(kontor, organisationId, admin, input);
      const { agent } = await openAccountArea(kontor, admin);
      const path = `/account/organisations/${organisationId}/delete`;
      const page = await agent.get(path);
      expect(page.status).toBe(200);
      kontor.clock.advance(6 * 60);
      const stale = await post(agent, page, '/delete', { confirmation: input.name });
      expect(stale.status).toBe(303);
      expect(stale.location).toBe(`/account/login?return=${encodeURIComponent(path)}&reauth=1`);
      expect(await kontor.container.organisations.access.organisationsOf(admin.accountId)).toHaveLength(1);
      const back = await reauthenticate(agent, await agent.follow(await agent.get(path)), { password: admin.password, username: admin.email });
      expect(back.url).toBe(`${kontor.url}${path}`);
      const wrong = await post(agent, back, '/delete', { confirmation: 'Eine andere GmbH' });
      expect(wrong.status).toBe(422);
      expect(summaryErrors(wrong)).toEqual(['Zur Bestätigung geben Sie bitte den Namen der Organisation genau ein.']);
      const done = await post(agent, wrong, '/delete', { confirmation: input.name.toLowerCase() });
      expect(done.status).toBe(303);
      expect(done.location).toBe('/account/organisations?done=organisation_deleted');
      expect(await kontor.container.organisations.access.organisationsOf(member.accountId)).toEqual([]);
      expect((await mailTo(member.email, 'wurde gelöscht')).subject).toContain(input.name);
      expect(await kontor.container.accounts.findById(member.accountId)).toMatchObject({ status: 'active' });
    });

    it('keeps the account of the last admin of an organisation with members until another admin is named; a sole-member organisation goes with the account', async () => {
      const { admin, organisationId, input } = await organisationWithAdmin(kontor);
      const member = await memberOf(kontor, organisationId, admin, input);
      const alone = await kontor.container.organisations.organisations.register(admin.accountId, organisationInput());
      const { agent } = await openAccountArea(kontor, admin);
      const page = await agent.get('/account/delete');
      expect(page.status).toBe(409);
      expect(text(page)).toContain('Ihr Konto kann noch nicht gelöscht werden');
      expect(page.body).toContain(`href="/account/organisations/${organisationId}/members"`);
      expect(page.body).toContain(`href="/account/organisations/${organisationId}/delete"`);
      expect(page.body).not.toContain(`/account/organisations/${alone.organisationId}/`);
      expect(page.body).not.toContain('action="/account/delete"');
      const csrf = formEndingWith(page.body, '/account/logout').fields.csrf_token!;
      expect((await agent.post('/account/delete', { confirm: 'yes', csrf_token: csrf })).status).toBe(409);
      await expect(kontor.container.accountDeletion.delete(admin.accountId)).rejects.toMatchObject({ code: 'organisation.last_admin_account' });
      expect(await kontor.container.accounts.findById(admin.accountId)).not.toBeNull();

      await setBirthdate(kontor, member.accountId, '1985-03-03');
      await kontor.container.organisations.members.setRole(admin.accountId, organisationId, member.accountId, 'admin');
      const open = await agent.get('/account/delete');
      expect(open.status).toBe(200);
      expect(text(open)).toContain('eine Organisation, deren einziges Mitglied Sie sind, wird mit Ihrem Konto gelöscht');
      const deleted = await post(agent, open, '/account/delete', { confirm: 'yes' });
      expect(deleted.status).toBe(303);
      expect(deleted.location).toBe('/account/deleted');
      expect(await kontor.container.accounts.findById(admin.accountId)).toBeNull();
      const em = kontor.container.db.orm.em.fork();
      const rows = await em.execute<Array<{ id: string }>>('select id from organisation where id = ?', [alone.organisationId], 'all');
      expect(rows).toEqual([]);
      const members = await kontor.container.organisations.members.members(member.accountId, organisationId);
      expect(members.map((row) => row.accountId)).toEqual([member.accountId]);
    });
  });
});
