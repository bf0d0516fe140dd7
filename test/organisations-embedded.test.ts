import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { clientWithRoles, memberOf, organisationWithAdmin } from './helpers/organisations.ts';

/**
 * The embedded database has one connection: a service that opened a second one inside its transaction would
 * hang there. One pass through every kind of write proves the domain keeps to the caller's transaction.
 */
describe('organisations on the embedded database (PGlite)', () => {
  let kontor: TestKontor;
  beforeAll(async () => {
    kontor = await startTestKontor('embedded');
  });
  afterAll(() => kontor?.stop());

  it('registers, admits a member, subscribes with approval, assigns roles and deletes without hanging', async () => {
    const { admin, organisationId, input } = await organisationWithAdmin(kontor);
    const member = await memberOf(kontor, organisationId, admin, input);
    const { clientId } = await clientWithRoles(kontor, { orgApproval: 'authority', authorityEmail: 'leitstelle@example.org' });
    const { subscriptions, assignments, groups, roleRequests, access, organisations, invitations } = kontor.container.organisations;
    await subscriptions.subscribe(admin.accountId, organisationId, clientId);
    await subscriptions.decide({ kind: 'operator' }, organisationId, clientId, 'approved');
    const { groupId } = await groups.create(admin.accountId, organisationId, 'Alle');
    await groups.addMember(admin.accountId, organisationId, groupId, member.accountId);
    await assignments.assign(admin.accountId, organisationId, { groupId }, clientId, ['viewer']);
    const { requestId } = await roleRequests.request(member.accountId, organisationId, { clientId, roles: ['trainee'], justification: 'Azubi' });
    await roleRequests.approve(admin.accountId, organisationId, requestId);
    await invitations.invite(admin.accountId, organisationId, { email: 'neu@example.org' });
    await access.choose(member.accountId, clientId, organisationId);
    expect(await access.accessDecision(member.accountId, organisationId, clientId)).toEqual({ allowed: true, roles: ['trainee', 'viewer'] });
    expect(await access.attributesOf(member.accountId, { clientId })).toEqual([
      { name: 'sk_org', value: { id: organisationId, name: input.name }, level: 'basisregistrierung' },
      { name: 'sk_org_roles', value: ['trainee', 'viewer'], level: 'basisregistrierung' },
    ]);
    expect(await organisations.remove(admin.accountId, organisationId, input.name)).toEqual({ notified: 2 });
  });
});
