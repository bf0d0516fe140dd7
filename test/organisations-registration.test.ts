import { AppError } from '../src/shared/app-error.ts';
import { OrganisationInputError } from '../src/organisations/index.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { adult, auditOf, memberOf, organisationInput, organisationWithAdmin, refusal, setBirthdate, yearsAgo } from './helpers/organisations.ts';
import { createUser } from './helpers/relying-party.ts';

describe('registering an organisation and its admins (seed 001 "Servicekonto Business")', () => {
  let kontor: TestKontor;
  beforeAll(async () => {
    kontor = await startTestKontor('postgres');
  });
  afterAll(() => kontor?.stop());

  const fieldErrorsOf = (input: Parameters<TestKontor['container']['organisations']['organisations']['check']>[0]) => {
    try {
      kontor.container.organisations.organisations.check(input);
      return {};
    } catch (error) {
      expect(error).toBeInstanceOf(OrganisationInputError);
      return (error as OrganisationInputError).fieldErrors;
    }
  };

  it('checks the name: 1–40 characters without " < > { } [ ], whitespace collapsed', () => {
    expect(fieldErrorsOf(organisationInput({ name: '' }))).toMatchObject({ name: 'organisation.name_required' });
    expect(fieldErrorsOf(organisationInput({ name: 'x'.repeat(41) }))).toMatchObject({ name: 'organisation.name_too_long' });
    for (const character of ['"', '<', '>', '{', '}', '[', ']'])
      expect(fieldErrorsOf(organisationInput({ name: `Muster ${character} GmbH` }))).toMatchObject({ name: 'organisation.name_forbidden_characters' });
    expect(fieldErrorsOf(organisationInput({ name: 'Muster & Söhne (Köln) GmbH' }))).toEqual({});
    expect(kontor.container.organisations.organisations.check(organisationInput({ name: '  Muster   Bau  ' })).name).toBe('Muster Bau');
    // It goes into invitation mail to any address: no link.
    expect(fieldErrorsOf(organisationInput({ name: 'Gewinn auf evil.example' }))).toMatchObject({ name: 'input.no_urls' });
  });

  it('checks the address: house number ≤ 11 characters without spaces or 0, a PO box of 4–20 digits as preferred postal address', () => {
    for (const houseNumber of ['2a', '12a-c', '48-50', '0', '12345678901'])
      expect(fieldErrorsOf(organisationInput({ houseNumber }))).not.toHaveProperty('houseNumber');
    expect(fieldErrorsOf(organisationInput({ houseNumber: '12 a' }))).toMatchObject({ houseNumber: 'organisation.house_number_invalid' });
    expect(fieldErrorsOf(organisationInput({ houseNumber: '123456789012' }))).toMatchObject({ houseNumber: 'organisation.house_number_too_long' });
    expect(fieldErrorsOf(organisationInput({ houseNumber: '' }))).toMatchObject({ houseNumber: 'organisation.house_number_required' });
    expect(fieldErrorsOf(organisationInput({ postalCode: '5114' }))).toMatchObject({ postalCode: 'organisation.postal_code_invalid' });
    expect(fieldErrorsOf(organisationInput({ poBox: '123' }))).toMatchObject({ poBox: 'organisation.po_box_invalid' });
    expect(fieldErrorsOf(organisationInput({ poBox: '1'.repeat(21) }))).toMatchObject({ poBox: 'organisation.po_box_invalid' });
    expect(fieldErrorsOf(organisationInput({ poBox: '12 34' }))).toMatchObject({ poBox: 'organisation.po_box_invalid' });
    const { check } = kontor.container.organisations.organisations;
    expect(check(organisationInput({ poBox: '1234' }))).toMatchObject({ poBox: '1234', postalAddress: 'po_box' });
    expect(check(organisationInput({ poBox: '' }))).toMatchObject({ poBox: null, postalAddress: 'street' });
    expect(fieldErrorsOf(organisationInput({ contactEmail: 'müller@example.org' }))).toMatchObject({ contactEmail: 'account.email_ascii_only' });
  });

  it('takes the trade register number as optional, loosely checked, with its court, and stores it in one spelling', () => {
    const { check } = kontor.container.organisations.organisations;
    expect(check(organisationInput({ registerCourt: '', registerNumber: '' }))).toMatchObject({ registerCourt: null, registerNumber: null });
    expect(check(organisationInput({ registerNumber: 'hrb  4711 b' })).registerNumber).toBe('HRB 4711 B');
    expect(fieldErrorsOf(organisationInput({ registerNumber: 'Nummer 5' }))).toMatchObject({ registerNumber: 'organisation.register_number_invalid' });
    expect(fieldErrorsOf(organisationInput({ registerCourt: '' }))).toMatchObject({ registerCourt: 'organisation.register_court_required' });
    expect(fieldErrorsOf(organisationInput({ legalForm: 'llc' as never }))).toMatchObject({ legalForm: 'organisation.legal_form_invalid' });
  });

  it('refuses an admin without a birth date, or under 18 in the operator’s time zone, and takes one of age from this day', async () => {
    const { organisations } = kontor.container.organisations;
    const person = await createUser(kontor);
    expect(await refusal(organisations.register(person.accountId, organisationInput()))).toMatchObject({ code: 'organisation.birthdate_missing', status: 422 });
    await setBirthdate(kontor, person.accountId, yearsAgo(kontor, 18, 1));
    expect(await refusal(organisations.register(person.accountId, organisationInput()))).toMatchObject({ code: 'organisation.admin_under_age' });
    // Only the year known: the latest possible birthday counts.
    await setBirthdate(kontor, person.accountId, yearsAgo(kontor, 18).slice(0, 4));
    const yearOnly = await refusal(organisations.register(person.accountId, organisationInput()));
    if (!yearsAgo(kontor, 18).endsWith('12-31')) expect(yearOnly).toMatchObject({ code: 'organisation.admin_under_age' });
    await setBirthdate(kontor, person.accountId, yearsAgo(kontor, 18));
    const { organisationId } = await organisations.register(person.accountId, organisationInput());
    expect(await kontor.container.organisations.access.organisationsOf(person.accountId)).toEqual([
      expect.objectContaining({ id: organisationId, role: 'admin' }),
    ]);
    expect(await auditOf(kontor, 'organisation.registered', organisationId)).toEqual([expect.objectContaining({ accountId: person.accountId })]);
  });

  it('refuses to register the same organisation twice (same name and postal code): its people join it instead', async () => {
    const { input } = await organisationWithAdmin(kontor);
    const other = await adult(kontor);
    const twice = organisationInput({ name: `  ${input.name.toUpperCase()} `, postalCode: input.postalCode });
    expect(await refusal(kontor.container.organisations.organisations.register(other.accountId, twice))).toMatchObject({
      code: 'organisation.already_registered',
    });
  });

  it('keeps the last admin: leaving, removal and demotion are refused with a message recommending a second admin', async () => {
    const { admin, organisationId } = await organisationWithAdmin(kontor);
    const { members } = kontor.container.organisations;
    for (const attempt of [
      () => members.leave(admin.accountId, organisationId),
      () => members.remove(admin.accountId, organisationId, admin.accountId),
      () => members.setRole(admin.accountId, organisationId, admin.accountId, 'member'),
    ]) {
      const error = await refusal(attempt());
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: 'organisation.last_admin', status: 409 });
    }
    expect(await members.members(admin.accountId, organisationId)).toEqual([expect.objectContaining({ accountId: admin.accountId, role: 'admin' })]);
  });

  it('gives any number of admins equal rights: the second removes the first, who may then leave no longer', async () => {
    const { admin, organisationId, input } = await organisationWithAdmin(kontor);
    const { members } = kontor.container.organisations;
    const second = await memberOf(kontor, organisationId, admin, input);
    // A new admin must be of age too.
    expect(await refusal(members.setRole(admin.accountId, organisationId, second.accountId, 'admin'))).toMatchObject({
      code: 'organisation.birthdate_missing',
    });
    await setBirthdate(kontor, second.accountId, '1990-01-01');
    await members.setRole(admin.accountId, organisationId, second.accountId, 'admin');
    const third = await memberOf(kontor, organisationId, admin, input);
    await setBirthdate(kontor, third.accountId, '1991-02-02');
    await members.setRole(second.accountId, organisationId, third.accountId, 'admin');
    await members.setRole(third.accountId, organisationId, admin.accountId, 'member');
    await members.remove(second.accountId, organisationId, admin.accountId);
    await members.leave(third.accountId, organisationId);
    expect(await refusal(members.leave(second.accountId, organisationId))).toMatchObject({ code: 'organisation.last_admin' });
    expect((await members.members(second.accountId, organisationId)).map((member) => [member.accountId, member.role])).toEqual([[second.accountId, 'admin']]);
    expect((await auditOf(kontor, 'organisation.member_role_changed', organisationId)).map((event) => event.details.to)).toEqual(['member', 'admin', 'admin']);
    expect(await auditOf(kontor, 'organisation.member_removed', organisationId)).toEqual([
      expect.objectContaining({ accountId: second.accountId, details: expect.objectContaining({ member: admin.accountId }) }),
    ]);
    expect(await auditOf(kontor, 'organisation.member_left', organisationId)).toHaveLength(1);
  });

  it('lets only admins change the organisation, and answers an unknown organisation the same way', async () => {
    const { admin, organisationId, input } = await organisationWithAdmin(kontor);
    const member = await memberOf(kontor, organisationId, admin, input);
    const stranger = await adult(kontor);
    const { organisations, members } = kontor.container.organisations;
    for (const actor of [member, stranger]) {
      for (const attempt of [
        () => organisations.details(actor.accountId, organisationId),
        () => organisations.update(actor.accountId, organisationId, input),
        () => organisations.setAdminsMayUseServices(actor.accountId, organisationId, true),
        () => organisations.remove(actor.accountId, organisationId, input.name),
        () => members.members(actor.accountId, organisationId),
        () => members.remove(actor.accountId, organisationId, admin.accountId),
        () => members.setRole(actor.accountId, organisationId, actor.accountId, 'admin'),
      ])
        expect(await refusal(attempt())).toMatchObject({ code: 'organisation.not_admin', status: 403 });
    }
    expect(await refusal(organisations.details(admin.accountId, '00000000-0000-4000-8000-000000000000'))).toMatchObject({ code: 'organisation.not_admin' });
    expect(await refusal(organisations.details(admin.accountId, 'not-a-uuid'))).toMatchObject({ code: 'organisation.not_admin' });
  });

  it('changes the data and the admins-may-use-services switch, audited with what changed', async () => {
    const { admin, organisationId, input } = await organisationWithAdmin(kontor);
    const { organisations } = kontor.container.organisations;
    const updated = await organisations.update(admin.accountId, organisationId, { ...input, houseNumber: '0', poBox: '98765' });
    expect(updated).toMatchObject({ houseNumber: '0', poBox: '98765', postalAddress: 'po_box', adminsMayUseServices: false });
    await organisations.setAdminsMayUseServices(admin.accountId, organisationId, true);
    expect(await organisations.details(admin.accountId, organisationId)).toMatchObject({ adminsMayUseServices: true });
    expect((await auditOf(kontor, 'organisation.updated', organisationId)).map((event) => event.details.changed)).toEqual([
      ['adminsMayUseServices'],
      expect.arrayContaining(['houseNumber', 'poBox', 'postalAddress']),
    ]);
  });
});
