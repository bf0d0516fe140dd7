import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { auditOf, clientWithRoles, memberOf, organisationWithAdmin, refusal } from './helpers/organisations.ts';
import { createUser } from './helpers/relying-party.ts';
import { SmtpSink } from './helpers/smtp-sink.ts';

describe('services, roles and groups of an organisation (seed 001, seed 002)', () => {
  let kontor: TestKontor;
  let smtp: SmtpSink;
  beforeAll(async () => {
    smtp = await SmtpSink.start();
    const rateLimits = { ...ROOMY_RATE_LIMITS.rateLimits, organisationJoinRequestsPerAccount: { limit: 1000, windowSeconds: 3600 } };
    kontor = await startTestKontor('postgres', { SMTP_URL: smtp.url, KONTOR_CONFIG_FILE: configFile({ rateLimits }) });
  });
  afterAll(async () => {
    await kontor?.stop();
    await smtp?.stop();
  });

  /** An organisation with an admin, a member and a subscribed, approved client with roles. */
  async function setUp() {
    const org = await organisationWithAdmin(kontor);
    const member = await memberOf(kontor, org.organisationId, org.admin, org.input);
    const client = await clientWithRoles(kontor);
    await kontor.container.organisations.subscriptions.subscribe(org.admin.accountId, org.organisationId, client.clientId);
    return { ...org, member, clientId: client.clientId };
  }

  it('refuses a member without a role, and allows one with the roles given directly', async () => {
    const { admin, organisationId, member, clientId } = await setUp();
    const { access, assignments } = kontor.container.organisations;
    expect(await access.accessDecision(member.accountId, organisationId, clientId)).toEqual({ allowed: false, reason: 'no_role' });
    await assignments.assign(admin.accountId, organisationId, { accountId: member.accountId }, clientId, ['trainee', 'viewer', 'trainee']);
    expect(await access.accessDecision(member.accountId, organisationId, clientId)).toEqual({ allowed: true, roles: ['trainee', 'viewer'] });
    expect(await refusal(assignments.assign(admin.accountId, organisationId, { accountId: member.accountId }, clientId, ['root']))).toMatchObject({
      code: 'organisation.unknown_role',
    });
    await assignments.unassign(admin.accountId, organisationId, { accountId: member.accountId }, clientId);
    expect(await access.accessDecision(member.accountId, organisationId, clientId)).toEqual({ allowed: false, reason: 'no_role' });
    expect((await auditOf(kontor, 'organisation.roles_assigned', organisationId)).map((event) => event.details.roles)).toEqual([null, ['trainee', 'viewer']]);
    const stranger = await createUser(kontor);
    expect(await access.accessDecision(stranger.accountId, organisationId, clientId)).toEqual({ allowed: false, reason: 'not_member' });
  });

  it('derives roles from groups, deduplicated with direct ones; renaming keeps them, deleting the group takes them', async () => {
    const { admin, organisationId, member, clientId } = await setUp();
    const { access, assignments, groups } = kontor.container.organisations;
    const { groupId } = await groups.create(admin.accountId, organisationId, 'Ausbildung');
    expect(await refusal(groups.create(admin.accountId, organisationId, ' Ausbildung '))).toMatchObject({ code: 'organisation.group_name_taken' });
    await groups.addMember(admin.accountId, organisationId, groupId, member.accountId);
    await assignments.assign(admin.accountId, organisationId, { groupId }, clientId, ['trainer', 'viewer']);
    await assignments.assign(admin.accountId, organisationId, { accountId: member.accountId }, clientId, ['viewer']);
    expect(await access.accessDecision(member.accountId, organisationId, clientId)).toEqual({ allowed: true, roles: ['trainer', 'viewer'] });
    await groups.rename(admin.accountId, organisationId, groupId, 'Ausbilder');
    expect(await groups.groups(admin.accountId, organisationId)).toEqual([
      { id: groupId, name: 'Ausbilder', members: [member.accountId], services: [{ clientId, roles: ['trainer', 'viewer'] }] },
    ]);
    expect(await assignments.assignmentsOf(member.accountId, organisationId, member.accountId)).toEqual(
      expect.arrayContaining([
        { clientId, roles: ['viewer'], via: { kind: 'direct' } },
        { clientId, roles: ['trainer', 'viewer'], via: { kind: 'group', groupId, groupName: 'Ausbilder' } },
      ]),
    );
    await groups.removeMember(admin.accountId, organisationId, groupId, member.accountId);
    expect(await access.accessDecision(member.accountId, organisationId, clientId)).toEqual({ allowed: true, roles: ['viewer'] });
    await groups.addMember(admin.accountId, organisationId, groupId, member.accountId);
    await groups.remove(admin.accountId, organisationId, groupId);
    expect(await access.accessDecision(member.accountId, organisationId, clientId)).toEqual({ allowed: true, roles: ['viewer'] });
    for (const type of ['organisation.group_created', 'organisation.group_renamed', 'organisation.group_deleted', 'organisation.group_member_removed'] as const)
      expect(await auditOf(kontor, type, organisationId)).toHaveLength(1);
    expect(await auditOf(kontor, 'organisation.group_member_added', organisationId)).toHaveLength(2);
  });

  it('does not let an admin use a service by being admin: only with own roles, and only while admins may use services', async () => {
    const { admin, organisationId, clientId } = await setUp();
    const { access, assignments, organisations } = kontor.container.organisations;
    await assignments.assign(admin.accountId, organisationId, { accountId: admin.accountId }, clientId, ['trainer']);
    expect(await access.accessDecision(admin.accountId, organisationId, clientId)).toEqual({ allowed: false, reason: 'no_role' });
    await organisations.setAdminsMayUseServices(admin.accountId, organisationId, true);
    expect(await access.accessDecision(admin.accountId, organisationId, clientId)).toEqual({ allowed: true, roles: ['trainer'] });
  });

  it('keeps a service that needs approval unusable until the authority approves, and mails the admins then', async () => {
    const { admin, organisationId, member, input } = await setUp();
    const authority = `leitstelle.${Date.now()}@example.org`;
    const { clientId } = await clientWithRoles(kontor, { name: 'Fachverfahren Bildung', orgApproval: 'authority', authorityEmail: authority });
    const { access, assignments, subscriptions } = kontor.container.organisations;
    expect(await access.accessDecision(member.accountId, organisationId, clientId)).toEqual({ allowed: false, reason: 'not_subscribed' });
    expect(await subscriptions.subscribe(admin.accountId, organisationId, clientId)).toEqual({ status: 'pending' });
    const [request] = await smtp.waitFor(authority, 1);
    expect(request!.text).toContain(organisationId);
    expect(await access.accessDecision(member.accountId, organisationId, clientId)).toEqual({ allowed: false, reason: 'pending_approval' });
    expect(await refusal(assignments.assign(admin.accountId, organisationId, { accountId: member.accountId }, clientId, ['trainee']))).toMatchObject({
      code: 'organisation.service_pending',
    });
    await subscriptions.decide({ kind: 'operator' }, organisationId, clientId, 'approved');
    const [approved] = await smtp.waitFor(admin.email, 1);
    expect(approved!.subject).toBe('Online-Dienst „Fachverfahren Bildung“ freigeschaltet');
    expect(approved!.text).toContain(input.name);
    await assignments.assign(admin.accountId, organisationId, { accountId: member.accountId }, clientId, ['trainee']);
    expect(await access.accessDecision(member.accountId, organisationId, clientId)).toEqual({ allowed: true, roles: ['trainee'] });
    expect(await auditOf(kontor, 'organisation.subscription_approved', organisationId)).toEqual([
      expect.objectContaining({ accountId: null, clientId, details: expect.objectContaining({ actor: 'operator' }) }),
    ]);
    expect((await subscriptions.subscriptions(member.accountId, organisationId)).map((view) => view.clientId)).toEqual(expect.arrayContaining([clientId]));
  });

  it('handles role requests: a member asks with a reason, the admin approves or rejects, the member gets a mail', async () => {
    const { admin, organisationId, member, clientId } = await setUp();
    const { access, roleRequests } = kontor.container.organisations;
    expect(await refusal(roleRequests.request(member.accountId, organisationId, { clientId, roles: ['trainee'], justification: '  ' }))).toMatchObject({
      code: 'organisation.justification_invalid',
    });
    const { requestId } = await roleRequests.request(member.accountId, organisationId, {
      clientId,
      roles: ['trainee'],
      justification: 'Ich bin Azubi seit August.',
    });
    expect(await refusal(roleRequests.request(member.accountId, organisationId, { clientId, roles: ['viewer'], justification: 'Noch eine' }))).toMatchObject({
      code: 'organisation.role_request_pending',
    });
    expect(await roleRequests.pending(admin.accountId, organisationId)).toEqual([
      expect.objectContaining({ id: requestId, accountId: member.accountId, roles: ['trainee'], justification: 'Ich bin Azubi seit August.' }),
    ]);
    expect(await refusal(roleRequests.approve(member.accountId, organisationId, requestId))).toMatchObject({ code: 'organisation.not_admin' });
    await roleRequests.approve(admin.accountId, organisationId, requestId);
    expect((await smtp.waitFor(member.email, 2))[1]!.subject).toBe('Ihre Rollenanfrage wurde genehmigt');
    expect(await access.accessDecision(member.accountId, organisationId, clientId)).toEqual({ allowed: true, roles: ['trainee'] });

    const second = await roleRequests.request(member.accountId, organisationId, { clientId, roles: ['trainer'], justification: 'Ich bilde jetzt aus.' });
    await roleRequests.reject(admin.accountId, organisationId, second.requestId);
    expect((await smtp.waitFor(member.email, 3))[2]!.subject).toBe('Ihre Rollenanfrage wurde abgelehnt');
    expect(await access.accessDecision(member.accountId, organisationId, clientId)).toEqual({ allowed: true, roles: ['trainee'] });
    expect(await auditOf(kontor, 'organisation.role_requested', organisationId)).toHaveLength(2);
    expect(await auditOf(kontor, 'organisation.role_request_approved', organisationId)).toHaveLength(1);
    expect(await auditOf(kontor, 'organisation.role_request_rejected', organisationId)).toHaveLength(1);
  });

  it('refuses every admin operation on services, groups and requests to a member and to a stranger', async () => {
    const { admin, organisationId, member, clientId } = await setUp();
    const stranger = await createUser(kontor);
    const { groupId } = await kontor.container.organisations.groups.create(admin.accountId, organisationId, 'Team');
    const { subscriptions, assignments, groups, roleRequests, invitations } = kontor.container.organisations;
    for (const actor of [member.accountId, stranger.accountId]) {
      const attempts = [
        () => subscriptions.subscribe(actor, organisationId, clientId),
        () => subscriptions.unsubscribe(actor, organisationId, clientId),
        () => assignments.assign(actor, organisationId, { accountId: actor }, clientId, ['trainer']),
        () => assignments.unassign(actor, organisationId, { accountId: member.accountId }, clientId),
        () => assignments.assignmentsOf(actor, organisationId, admin.accountId),
        () => groups.create(actor, organisationId, 'Meine'),
        () => groups.rename(actor, organisationId, groupId, 'Andere'),
        () => groups.remove(actor, organisationId, groupId),
        () => groups.addMember(actor, organisationId, groupId, actor),
        () => groups.removeMember(actor, organisationId, groupId, member.accountId),
        () => groups.groups(actor, organisationId),
        () => roleRequests.pending(actor, organisationId),
        () => invitations.invite(actor, organisationId, { email: 'x@example.org' }),
        () => invitations.invitations(actor, organisationId),
      ];
      for (const attempt of attempts) expect(await refusal(attempt())).toMatchObject({ code: 'organisation.not_admin', status: 403 });
    }
    expect(await refusal(roleRequests.request(stranger.accountId, organisationId, { clientId, roles: ['trainer'], justification: 'Bitte' }))).toMatchObject({
      code: 'organisation.not_member',
    });
  });

  it('remembers the organisation chosen per client for a person in two, and asks again when none is chosen', async () => {
    const first = await setUp();
    const second = await organisationWithAdmin(kontor);
    const { access, invitations } = kontor.container.organisations;
    await invitations.invite(second.admin.accountId, second.organisationId, { email: first.member.email });
    const token = /token=([A-Za-z0-9_-]{43})/.exec((await smtp.waitFor(first.member.email, 2))[1]!.text)![1]!;
    await invitations.accept(token, first.member.accountId);
    const step = await access.loginStep(first.member.accountId, first.clientId);
    expect(step).toMatchObject({ kind: 'choose' });
    expect(step.kind === 'choose' && step.organisations.map((organisation) => organisation.id).sort()).toEqual(
      [first.organisationId, second.organisationId].sort(),
    );
    expect(await access.chosenOrganisation(first.member.accountId, first.clientId)).toBeUndefined();
    await access.choose(first.member.accountId, first.clientId, second.organisationId);
    expect(await access.loginStep(first.member.accountId, first.clientId)).toEqual({
      kind: 'decided',
      organisationId: second.organisationId,
      decision: { allowed: false, reason: 'not_subscribed' },
    });
    await access.choose(first.member.accountId, first.clientId, first.organisationId);
    expect(await access.chosenOrganisation(first.member.accountId, first.clientId)).toBe(first.organisationId);
    expect(await refusal(access.choose(first.admin.accountId, first.clientId, second.organisationId))).toMatchObject({ code: 'organisation.not_member' });
    expect(await access.loginStep((await createUser(kontor)).accountId, first.clientId)).toEqual({ kind: 'none' });
  });

  it('deletes an organisation after confirmation: memberships, groups, subscriptions go, members are told, accounts stay', async () => {
    const { admin, organisationId, member, clientId, input } = await setUp();
    const { organisations, groups, access, subscriptions } = kontor.container.organisations;
    await groups.create(admin.accountId, organisationId, 'Alle');
    expect(await refusal(organisations.remove(member.accountId, organisationId, input.name))).toMatchObject({ code: 'organisation.not_admin' });
    expect(await refusal(organisations.remove(admin.accountId, organisationId, 'falsch'))).toMatchObject({ code: 'organisation.delete_confirmation' });
    expect(await organisations.remove(admin.accountId, organisationId, input.name)).toEqual({ notified: 2 });
    for (const person of [admin, member]) {
      const mails = await smtp.waitFor(person.email, person === member ? 2 : 1);
      expect(mails.at(-1)!.subject).toBe(`Die Organisation „${input.name}“ wurde gelöscht`);
      expect(await access.organisationsOf(person.accountId)).toEqual([]);
      expect(await kontor.container.accounts.findById(person.accountId)).not.toBeNull();
    }
    expect(await subscriptions.list({ organisationId })).toEqual([]);
    const left = await kontor.container.db.orm.em
      .fork()
      .execute<Array<{ count: string }>>(
        `select (select count(*) from organisation_group where organisation_id = ?) + (select count(*) from organisation_membership where organisation_id = ?) as count`,
        [organisationId, organisationId],
        'all',
      );
    expect(Number(left[0]!.count)).toBe(0);
    expect(await access.accessDecision(member.accountId, organisationId, clientId)).toEqual({ allowed: false, reason: 'not_member' });
    expect(await auditOf(kontor, 'organisation.deleted', organisationId)).toEqual([expect.objectContaining({ accountId: admin.accountId })]);
  });
});
