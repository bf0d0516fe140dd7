import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { createUser } from './helpers/relying-party.ts';
import { adult, memberOf, organisationInput, organisationWithAdmin, refusal, setBirthdate } from './helpers/organisations.ts';

// The domain methods the organisation pages added (brief H2): the overview for every member, a person's own
// join requests, the age check before the form, and the account-deletion rule (which organisations still
// need another admin).

describe('organisations: member view and account removal (issue 19, brief H2)', () => {
  let kontor: TestKontor;
  beforeAll(async () => {
    kontor = await startTestKontor('postgres', { KONTOR_CONFIG_FILE: configFile(ROOMY_RATE_LIMITS) });
  });
  afterAll(async () => {
    await kontor?.stop();
  });

  it('shows every member the data, the admins and their own role; nobody else', async () => {
    const { admin, organisationId, input } = await organisationWithAdmin(kontor);
    const member = await memberOf(kontor, organisationId, admin, input);
    const { organisations } = kontor.container.organisations;
    const seen = await organisations.overview(member.accountId, organisationId);
    expect(seen.role).toBe('member');
    expect(seen.organisation).toMatchObject({ id: organisationId, name: input.name, registerNumber: 'HRB 12345' });
    expect(seen.admins).toEqual([expect.objectContaining({ email: admin.email })]);
    expect((await organisations.overview(admin.accountId, organisationId)).role).toBe('admin');
    const stranger = await createUser(kontor);
    expect(await refusal(organisations.overview(stranger.accountId, organisationId))).toMatchObject({ code: 'organisation.not_member' });
  });

  it("lists a person's open join requests until an admin decides", async () => {
    const { admin, organisationId, input } = await organisationWithAdmin(kontor);
    const asking = await createUser(kontor);
    const { joinRequests } = kontor.container.organisations;
    const { requestId } = await joinRequests.request(asking.accountId, {
      name: input.name,
      postalCode: input.postalCode,
      registerNumber: input.registerNumber,
    });
    expect(await joinRequests.mine(asking.accountId)).toEqual([{ id: requestId, organisationName: input.name, createdAt: expect.any(Date) }]);
    await joinRequests.reject(admin.accountId, organisationId, requestId);
    expect(await joinRequests.mine(asking.accountId)).toEqual([]);
    expect(await joinRequests.mine('not-a-uuid')).toEqual([]);
  });

  it('checks the age before the form: missing birth date and under age refused, adults pass', async () => {
    const { organisations } = kontor.container.organisations;
    const person = await createUser(kontor);
    expect(await refusal(organisations.requireAdultApplicant(person.accountId))).toMatchObject({ code: 'organisation.birthdate_missing' });
    await setBirthdate(kontor, person.accountId, `${new Date().getFullYear() - 10}-01-01`);
    expect(await refusal(organisations.requireAdultApplicant(person.accountId))).toMatchObject({ code: 'organisation.admin_under_age' });
    expect(await refusal(organisations.requireAdultApplicant((await adult(kontor)).accountId))).toBeUndefined();
  });

  it('names the organisations whose last admin the person is while others are members; a sole-member one is no obstacle', async () => {
    const { admin, organisationId, input } = await organisationWithAdmin(kontor);
    const { accountRemoval, organisations, members } = kontor.container.organisations;
    await organisations.register(admin.accountId, organisationInput());
    expect(await accountRemoval.blockers(admin.accountId)).toEqual([]);
    const member = await memberOf(kontor, organisationId, admin, input);
    expect(await accountRemoval.blockers(admin.accountId)).toEqual([{ id: organisationId, name: input.name }]);
    expect(await accountRemoval.blockers(member.accountId)).toEqual([]);
    await setBirthdate(kontor, member.accountId, '1970-07-07');
    await members.setRole(admin.accountId, organisationId, member.accountId, 'admin');
    expect(await accountRemoval.blockers(admin.accountId)).toEqual([]);
    expect(await accountRemoval.blockers('not-a-uuid')).toEqual([]);
  });
});
