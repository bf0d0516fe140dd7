/**
 * The organisation pages of brief H3 (issue 19 item 4) through the browser's way in: services and their
 * approval, roles of members, groups, role requests; admins only where the domain says so.
 */
import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { clientWithRoles, memberOf, organisationWithAdmin } from './helpers/organisations.ts';
import { createUser, type TestUser } from './helpers/relying-party.ts';
import { SmtpSink } from './helpers/smtp-sink.ts';
import { decodeEntities, formEndingWith, type AgentResponse, type BrowserAgent } from './helpers/browser-agent.ts';
import { openAccountArea } from './helpers/account-area.ts';

describe('organisation pages: services, roles, groups, role requests', () => {
  let kontor: TestKontor;
  let smtp: SmtpSink;
  let counter = 0;
  beforeAll(async () => {
    smtp = await SmtpSink.start();
    const rateLimits = { ...ROOMY_RATE_LIMITS.rateLimits, organisationJoinRequestsPerAccount: { limit: 1000, windowSeconds: 3600 } };
    kontor = await startTestKontor('postgres', { SMTP_URL: smtp.url, KONTOR_CONFIG_FILE: configFile({ rateLimits }) });
  });
  afterAll(async () => {
    await kontor?.stop();
    await smtp?.stop();
  });

  const text = (page: AgentResponse) => decodeEntities(page.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' '));

  /** Logs in to "Mein Bereich" and returns a browser on it. */
  async function browserOf(user: TestUser): Promise<BrowserAgent> {
    return (await openAccountArea(kontor, user)).agent;
  }

  /** Submits the form whose action ends with `suffix` on `page`, with its hidden fields and `fields`; follows the 303. */
  async function submit(
    agent: BrowserAgent,
    page: AgentResponse,
    suffix: string,
    fields: Array<[string, string]> = [],
    match?: (form: { fields: Record<string, string> }) => boolean,
  ) {
    const forms = page.body.matchAll(/<form\b[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g);
    let hidden: Record<string, string> | undefined;
    let action = '';
    for (const [, formAction, inner] of forms) {
      if (!decodeEntities(formAction!).endsWith(suffix)) continue;
      const found = Object.fromEntries([...inner!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, decodeEntities(m[2]!)]));
      if (match && !match({ fields: found })) continue;
      hidden = found;
      action = decodeEntities(formAction!);
      break;
    }
    if (!hidden) throw new Error(`no form ending in ${suffix} on ${page.url}:\n${page.body.slice(0, 2000)}`);
    const response = await agent.post(action, [...Object.entries(hidden), ...fields]);
    return response.status === 303 ? agent.follow(response) : response;
  }

  async function setUp() {
    counter += 1;
    const org = await organisationWithAdmin(kontor);
    const member = await memberOf(kontor, org.organisationId, org.admin, org.input);
    const client = await clientWithRoles(kontor, { name: `Ausbildungsportal ${counter}` });
    return { ...org, member, clientId: client.clientId, serviceName: `Ausbildungsportal ${counter}`, base: `/account/organisations/${org.organisationId}` };
  }

  it('subscribes to an automatic service at once and to an authority-approved one pending until the authority decides', async () => {
    const { admin, organisationId, base, clientId, serviceName } = await setUp();
    const authority = `behoerde.${Date.now()}@example.org`;
    const approvalName = `Fachverfahren ${counter}`;
    const approved = await clientWithRoles(kontor, { name: approvalName, orgApproval: 'authority', authorityEmail: authority });
    const agent = await browserOf(admin);
    let page = await agent.get(`${base}/services`);
    expect(page.status).toBe(200);
    expect(text(page)).toContain(serviceName);

    const empty = await submit(agent, page, '/services/subscribe');
    expect(empty.status).toBe(400);
    expect(text(empty)).toContain('Wählen Sie den Online-Dienst aus');
    expect(empty.body).toMatch(/<a href="#clientId">/);

    page = await submit(agent, page, '/services/subscribe', [['clientId', clientId]]);
    expect(page.url).toContain('done=subscribed');
    expect(text(page)).toContain('kann sofort genutzt werden');
    page = await submit(agent, page, '/services/subscribe', [['clientId', approved.clientId]]);
    expect(page.url).toContain('done=pending');
    expect(text(page)).toMatch(new RegExp(`${approvalName} Status Wartet auf die Zustimmung der zuständigen Behörde`));
    expect((await smtp.waitFor(authority, 1))[0]!.subject).toContain(approvalName);
    expect(await kontor.container.organisations.access.accessDecision(admin.accountId, organisationId, approved.clientId)).toMatchObject({
      reason: 'pending_approval',
    });

    await kontor.container.organisations.subscriptions.decide({ kind: 'operator' }, organisationId, approved.clientId, 'approved');
    expect((await smtp.waitFor(admin.email, 1))[0]!.subject).toBe(`Online-Dienst „${approvalName}“ freigeschaltet`);
    page = await agent.get(`${base}/services`);
    expect(text(page)).toMatch(new RegExp(`${approvalName} Status Nutzbar`));

    page = await submit(agent, page, '/services/unsubscribe', [], (form) => form.fields.clientId === approved.clientId);
    expect(page.url).toContain('done=unsubscribed');
    expect((await kontor.container.organisations.subscriptions.subscriptions(admin.accountId, organisationId)).map((s) => s.clientId)).toEqual([clientId]);
  });

  it('assigns roles to a member directly and through a group; renames and deletes the group', async () => {
    const { admin, member, organisationId, base, clientId } = await setUp();
    const { access, subscriptions } = kontor.container.organisations;
    await subscriptions.subscribe(admin.accountId, organisationId, clientId);
    const agent = await browserOf(admin);

    let page = await agent.get(`${base}/members/${member.accountId}/roles`);
    expect(page.status).toBe(200);
    expect(text(page)).toContain('Nur lesen'); // the catalogue's description
    page = await submit(agent, page, '/roles', [
      ['roles', 'trainee'],
      ['roles', 'viewer'],
    ]);
    expect(page.url).toContain('done=saved');
    expect(await access.accessDecision(member.accountId, organisationId, clientId)).toEqual({ allowed: true, roles: ['trainee', 'viewer'] });
    const unknown = await submit(agent, page, '/roles', [['roles', 'root']]);
    expect(unknown.status).toBe(400);
    expect(text(unknown)).toContain('Diese Rolle gibt es für den Online-Dienst nicht.');
    page = await submit(agent, page, '/roles');
    expect(page.url).toContain('done=removed');
    expect(await access.accessDecision(member.accountId, organisationId, clientId)).toEqual({ allowed: false, reason: 'no_role' });

    page = await agent.get(`${base}/groups`);
    const nameless = await submit(agent, page, '/groups', [['name', '  ']]);
    expect(nameless.status).toBe(400);
    expect(nameless.body).toMatch(/<a href="#name">/);
    page = await submit(agent, page, '/groups', [['name', 'Ausbildung']]);
    expect(page.url).toMatch(/groups\/[0-9a-f-]{36}\?done=created/);
    const groupPath = new URL(page.url).pathname;
    const taken = await submit(agent, await agent.get(`${base}/groups`), '/groups', [['name', 'Ausbildung']]);
    expect(text(taken)).toContain('Eine Gruppe mit diesem Namen gibt es schon.');
    expect(decodeEntities(taken.body)).toContain('value="Ausbildung"');

    const missing = await submit(agent, page, '/members', [['accountId', '']]);
    expect(missing.status).toBe(400);
    expect(text(missing)).toContain('Wählen Sie das Mitglied aus');
    page = await submit(agent, page, '/members', [['accountId', member.accountId]]);
    expect(page.url).toContain('done=member_added');
    page = await submit(agent, page, '/services', [['roles', 'trainer']]);
    expect(page.url).toContain('done=services_saved');
    expect(await access.accessDecision(member.accountId, organisationId, clientId)).toEqual({ allowed: true, roles: ['trainer'] });
    const roles = await agent.get(`${base}/members/${member.accountId}/roles`);
    expect(text(roles)).toContain('Gruppe „Ausbildung“: Ausbilder');

    page = await submit(agent, page, '/rename', [['name', 'Ausbilder']]);
    expect(page.url).toContain('done=renamed');
    expect(text(page)).toContain('Gruppe „Ausbilder“');
    const confirm = await agent.get(`${groupPath}/delete`);
    expect(text(confirm)).toContain('Gruppe „Ausbilder“ löschen?');
    page = await submit(agent, confirm, '/delete');
    expect(page.url).toContain(`${base}/groups?done=deleted`);
    expect(text(page)).toContain('Es gibt noch keine Gruppe.');
    expect(await access.accessDecision(member.accountId, organisationId, clientId)).toEqual({ allowed: false, reason: 'no_role' });
    expect((await agent.get(groupPath)).status).toBe(404);
  });

  it('lets a member request roles with a justification; the admin approves or rejects and the member is mailed', async () => {
    const { admin, member, organisationId, base, clientId, serviceName } = await setUp();
    const { access, subscriptions } = kontor.container.organisations;
    await subscriptions.subscribe(admin.accountId, organisationId, clientId);
    const memberAgent = await browserOf(member);
    let form = await memberAgent.get(`${base}/role-requests/new?service=${encodeURIComponent(clientId)}`);
    expect(form.status).toBe(200);
    expect(text(form)).toContain(serviceName);

    const noReason = await submit(memberAgent, form, '/role-requests/new', [
      ['roles', 'trainee'],
      ['justification', '   '],
    ]);
    expect(noReason.status).toBe(400);
    expect(text(noReason)).toContain('Geben Sie eine Begründung ein.');
    expect(noReason.body).toMatch(/<a href="#justification">/);
    expect(noReason.body).toMatch(/value="trainee" checked/);
    const tooLong = await submit(memberAgent, form, '/role-requests/new', [
      ['roles', 'trainee'],
      ['justification', 'x'.repeat(501)],
    ]);
    expect(text(tooLong)).toContain('höchstens 500 Zeichen');
    const noRole = await submit(memberAgent, form, '/role-requests/new', [['justification', 'Azubi']]);
    expect(text(noRole)).toContain('Wählen Sie mindestens eine Rolle aus.');
    const unknown = await submit(memberAgent, form, '/role-requests/new', [
      ['roles', 'root'],
      ['justification', 'Azubi'],
    ]);
    expect(unknown.status).toBe(400);
    expect(text(unknown)).toContain('Diese Rolle gibt es für den Online-Dienst nicht.');
    expect(decodeEntities(unknown.body)).toContain('>Azubi</textarea>');

    form = await submit(memberAgent, form, '/role-requests/new', [
      ['roles', 'trainee'],
      ['justification', 'Ich bin Azubi seit August.'],
    ]);
    expect(form.url).toContain('/role-requests/mine?done=sent');
    expect(text(form)).toMatch(new RegExp(`${serviceName} Rollen Auszubildende .* Status Offen`));

    const adminAgent = await browserOf(admin);
    let pending = await adminAgent.get(`${base}/role-requests`);
    expect(text(pending)).toContain('Ich bin Azubi seit August.');
    pending = await submit(adminAgent, pending, '/approve');
    expect(pending.url).toContain('done=approved');
    expect((await smtp.waitFor(member.email, 2))[1]!.subject).toBe('Ihre Rollenanfrage wurde genehmigt');
    expect(await access.accessDecision(member.accountId, organisationId, clientId)).toEqual({ allowed: true, roles: ['trainee'] });

    form = await memberAgent.get(`${base}/role-requests/new`); // the only service is chosen by itself
    form = await submit(memberAgent, form, '/role-requests/new', [
      ['roles', 'trainer'],
      ['justification', 'Ich bilde jetzt aus.'],
    ]);
    pending = await submit(adminAgent, await adminAgent.get(`${base}/role-requests`), '/reject');
    expect(pending.url).toContain('done=rejected');
    expect(text(pending)).toContain('Es gibt keine offenen Rollenanträge.');
    expect((await smtp.waitFor(member.email, 3))[2]!.subject).toBe('Ihre Rollenanfrage wurde abgelehnt');
    const mine = text(await memberAgent.get(`${base}/role-requests/mine`));
    expect(mine).toMatch(/Ausbilder .* Status Abgelehnt .* Auszubildende .* Status Genehmigt/);
    expect(await kontor.container.organisations.roleRequests.mine(member.accountId, organisationId)).toEqual([
      expect.objectContaining({ roles: ['trainer'], status: 'rejected' }),
      expect.objectContaining({ roles: ['trainee'], status: 'accepted' }),
    ]);
  });

  it('refuses the admin pages and changes to members and strangers with the 403 page, never a 500', async () => {
    const { admin, member, organisationId, base, clientId } = await setUp();
    await kontor.container.organisations.subscriptions.subscribe(admin.accountId, organisationId, clientId);
    const { groupId } = await kontor.container.organisations.groups.create(admin.accountId, organisationId, 'Vertrieb');
    const memberAgent = await browserOf(member);
    for (const path of ['/services', '/groups', `/groups/${groupId}`, '/role-requests', `/members/${admin.accountId}/roles`]) {
      const page = await memberAgent.get(`${base}${path}`);
      expect([path, page.status]).toEqual([path, 403]);
      expect(text(page)).toContain('nur Administratorinnen und Administratoren der Organisation erlaubt');
    }
    const csrf = formEndingWith((await memberAgent.get(`${base}/role-requests/mine`)).body, '/account/logout').fields;
    for (const [path, fields] of [
      ['/services/subscribe', { clientId }],
      ['/services/unsubscribe', { clientId }],
      [`/groups/${groupId}/delete`, {}],
      [`/members/${member.accountId}/roles`, { clientId, roles: 'trainer' }],
    ] as const) {
      const response = await memberAgent.post(`${base}${path}`, { ...csrf, ...fields });
      expect([path, response.status]).toEqual([path, 403]);
    }
    expect(await kontor.container.organisations.access.accessDecision(member.accountId, organisationId, clientId)).toMatchObject({ allowed: false });
    expect((await kontor.container.organisations.groups.groups(admin.accountId, organisationId)).map((group) => group.name)).toEqual(['Vertrieb']);

    const stranger = await browserOf(await createUser(kontor));
    for (const path of ['/role-requests/new', '/role-requests/mine', '/services']) expect((await stranger.get(`${base}${path}`)).status).toBe(403);
    expect((await stranger.get('/account/organisations/not-a-uuid/groups')).status).toBe(403);
  });

  it('speaks English with ?lang=en', async () => {
    const { admin, base } = await setUp();
    const agent = await browserOf(admin);
    const page = await agent.get(`${base}/services?lang=en`);
    expect(text(page)).toContain('Add an online service');
    expect(text(await agent.get(`${base}/groups`))).toContain('Create group');
  });
});
