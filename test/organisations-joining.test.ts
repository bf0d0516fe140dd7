import { PasswordHasher } from '../src/credentials/password-hasher.ts';
import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { adult, auditOf, memberOf, organisationWithAdmin, refusal, setBirthdate } from './helpers/organisations.ts';
import { createUser } from './helpers/relying-party.ts';
import { SmtpSink } from './helpers/smtp-sink.ts';

/** The link's token in a mail. */
const tokenIn = (text: string) => /[?&]token=([A-Za-z0-9_-]{43})/.exec(text)![1]!;

describe('joining an organisation: invitations and join requests (seed 002)', () => {
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

  it('invites a registered person, who joins only with the invited address confirmed on their account, once', async () => {
    const { admin, organisationId, input } = await organisationWithAdmin(kontor);
    const invitee = await createUser(kontor);
    const other = await createUser(kontor);
    const { invitations, access } = kontor.container.organisations;
    // Spelled differently from the account's address: the comparison is case-insensitive.
    const spelled = invitee.email.replace(/^citizen/, 'Citizen');
    await invitations.invite(admin.accountId, organisationId, { email: spelled });
    const [mail] = await smtp.waitFor(spelled, 1);
    expect(mail!.subject).toBe(`Einladung in die Organisation „${input.name}“`);
    expect(mail!.text).toContain('24 Stunden');
    const token = tokenIn(mail!.text);
    expect(await invitations.pendingInvitation(token)).toMatchObject({ organisationId, organisationName: input.name, role: 'member' });
    expect(await invitations.invitations(admin.accountId, organisationId)).toHaveLength(1);

    expect(await refusal(invitations.accept(token, other.accountId))).toMatchObject({ code: 'organisation.invitation_other_address', status: 403 });
    // The refusal left the link usable for the invited person.
    expect(await invitations.accept(token, invitee.accountId)).toEqual({ organisationId });
    expect(await access.organisationsOf(invitee.accountId)).toEqual([expect.objectContaining({ id: organisationId, role: 'member' })]);
    expect(await refusal(invitations.accept(token, invitee.accountId))).toMatchObject({ code: 'organisation.invitation_invalid', status: 410 });
    expect(await invitations.pendingInvitation(token)).toBeNull();
    expect(await auditOf(kontor, 'organisation.invitation_accepted', organisationId)).toEqual([expect.objectContaining({ accountId: invitee.accountId })]);
    expect(await auditOf(kontor, 'organisation.invitation_sent', organisationId)).toEqual([expect.objectContaining({ accountId: admin.accountId })]);
  });

  it('invites an unregistered person, who registers with the invited address and joins after confirming it', async () => {
    const { admin, organisationId } = await organisationWithAdmin(kontor);
    const email = `neu.${Date.now()}@example.org`;
    const { invitations, access } = kontor.container.organisations;
    await invitations.invite(admin.accountId, organisationId, { email, locale: 'en' });
    const [invitation] = await smtp.waitFor(email, 1);
    expect(invitation!.text).toContain('register through the link');
    const token = tokenIn(invitation!.text);
    const pending = await invitations.pendingInvitation(token);

    // The registration page carries the token and pre-fills the invited address.
    const passwordHash = await new PasswordHasher({ memoryKiB: 19 * 1024, timeCost: 2, parallelism: 1 }).hash('Sicheres-Passwort-1');
    const { registration } = kontor.container;
    const draft = { salutation: null, givenName: 'Max', familyName: 'Neumann', email: pending!.email, username: null, passwordHash, profile: {} };
    const { accountId } = await registration.register(draft, new Set(['privacy']), { ip: '203.0.113.7', locale: 'en' });
    // Before the address is confirmed the account cannot take the invitation.
    expect(await refusal(invitations.acceptAfterRegistration(token, accountId!))).toMatchObject({ code: 'organisation.invitation_other_address' });
    const [confirmation] = await smtp.waitFor(email, 2).then((mails) => mails.slice(1));
    const confirmed = await registration.confirm(tokenIn(confirmation!.text), { ip: '203.0.113.7' }, { kind: 'password', password: 'Sicheres-Passwort-1' });
    expect(confirmed.kind).toBe('confirmed');
    expect(await invitations.acceptAfterRegistration(token, accountId!)).toEqual({ organisationId });
    expect(await access.organisationsOf(accountId!)).toEqual([expect.objectContaining({ id: organisationId, role: 'member' })]);
    expect(await auditOf(kontor, 'organisation.member_added', organisationId)).toEqual(
      expect.arrayContaining([expect.objectContaining({ accountId, details: expect.objectContaining({ via: 'invitation_registration' }) })]),
    );
  });

  it('lets an invitation expire after 24 hours, and a newer invitation or a withdrawal void the older link', async () => {
    const { admin, organisationId } = await organisationWithAdmin(kontor);
    const invitee = await createUser(kontor);
    const { invitations } = kontor.container.organisations;
    await invitations.invite(admin.accountId, organisationId, { email: invitee.email });
    const first = tokenIn((await smtp.waitFor(invitee.email, 1))[0]!.text);
    await invitations.invite(admin.accountId, organisationId, { email: invitee.email });
    const second = tokenIn((await smtp.waitFor(invitee.email, 2))[1]!.text);
    expect(await invitations.pendingInvitation(first)).toBeNull();
    expect(await invitations.invitations(admin.accountId, organisationId)).toHaveLength(1);
    kontor.clock.advance(24 * 3600 + 1);
    expect(await invitations.pendingInvitation(second)).toBeNull();
    expect(await refusal(invitations.accept(second, invitee.accountId))).toMatchObject({ code: 'organisation.invitation_invalid' });

    await invitations.invite(admin.accountId, organisationId, { email: invitee.email });
    const third = tokenIn((await smtp.waitFor(invitee.email, 3))[2]!.text);
    const [open] = await invitations.invitations(admin.accountId, organisationId);
    await invitations.withdraw(admin.accountId, organisationId, open!.id);
    expect(await refusal(invitations.accept(third, invitee.accountId))).toMatchObject({ code: 'organisation.invitation_invalid' });
  });

  it('makes an invited admin an admin only if of age', async () => {
    const { admin, organisationId } = await organisationWithAdmin(kontor);
    const invitee = await createUser(kontor);
    const { invitations, access } = kontor.container.organisations;
    await invitations.invite(admin.accountId, organisationId, { email: invitee.email, role: 'admin' });
    const mail = (await smtp.waitFor(invitee.email, 1))[0]!;
    expect(mail.text).toContain('Administratorin oder Administrator mitzuverwalten');
    const token = tokenIn(mail.text);
    expect(await refusal(invitations.accept(token, invitee.accountId))).toMatchObject({ code: 'organisation.birthdate_missing' });
    await setBirthdate(kontor, invitee.accountId, '1970-03-03');
    await invitations.accept(token, invitee.accountId);
    expect(await access.organisationsOf(invitee.accountId)).toEqual([expect.objectContaining({ role: 'admin' })]);
  });

  it('accepts a join request whose data match exactly (whitespace and case aside) and tells the requester by mail', async () => {
    const { admin, organisationId, input } = await organisationWithAdmin(kontor);
    const requester = await createUser(kontor);
    const { joinRequests, access } = kontor.container.organisations;
    const { requestId } = await joinRequests.request(requester.accountId, {
      name: `  ${input.name.toLowerCase().replace(' ', '   ')} `,
      postalCode: ` ${input.postalCode} `,
      registerNumber: 'hrb12345',
    });
    expect(await joinRequests.pending(admin.accountId, organisationId)).toEqual([expect.objectContaining({ id: requestId, accountId: requester.accountId })]);
    await joinRequests.accept(admin.accountId, organisationId, requestId);
    const [mail] = await smtp.waitFor(requester.email, 1);
    expect(mail!.subject).toBe('Ihre Beitrittsanfrage wurde angenommen');
    expect(mail!.text).toContain(input.name);
    expect(await access.organisationsOf(requester.accountId)).toEqual([expect.objectContaining({ id: organisationId, role: 'member' })]);
    expect(await refusal(joinRequests.request(requester.accountId, input))).toMatchObject({ code: 'organisation.already_member' });
    expect(await auditOf(kontor, 'organisation.join_requested', organisationId)).toHaveLength(1);
    expect(await auditOf(kontor, 'organisation.join_accepted', organisationId)).toEqual([expect.objectContaining({ accountId: admin.accountId })]);
  });

  it('refuses mismatching data with one answer that names neither the organisation nor the field', async () => {
    const { input } = await organisationWithAdmin(kontor);
    const { input: withoutRegister } = await organisationWithAdmin(kontor, { registerCourt: '', registerNumber: '' });
    const requester = await createUser(kontor);
    const { joinRequests } = kontor.container.organisations;
    const attempts = [
      { name: `${input.name}x`, postalCode: input.postalCode, registerNumber: input.registerNumber },
      { name: input.name, postalCode: '99999', registerNumber: input.registerNumber },
      { name: input.name, postalCode: input.postalCode, registerNumber: 'HRB 54321' },
      { name: input.name, postalCode: input.postalCode },
      { name: withoutRegister.name, postalCode: withoutRegister.postalCode, registerNumber: 'HRB 1' },
      { name: 'Gibt es nicht GmbH', postalCode: '10115' },
    ];
    for (const attempt of attempts) {
      const error = await refusal(joinRequests.request(requester.accountId, attempt));
      expect(error).toMatchObject({ code: 'organisation.join_mismatch', status: 422, details: [] });
    }
    expect(await joinRequests.request(requester.accountId, { name: withoutRegister.name, postalCode: withoutRegister.postalCode })).toMatchObject({
      requestId: expect.any(String),
    });
  });

  it('rejects a join request with a mail, and limits the attempts per person', async () => {
    const { admin, organisationId, input } = await organisationWithAdmin(kontor);
    const requester = await createUser(kontor);
    const { joinRequests, access } = kontor.container.organisations;
    const { requestId } = await joinRequests.request(requester.accountId, input);
    // A non-admin cannot decide it, an unknown id is no request.
    const member = await memberOf(kontor, organisationId, admin, input);
    expect(await refusal(joinRequests.accept(member.accountId, organisationId, requestId))).toMatchObject({ code: 'organisation.not_admin' });
    expect(await refusal(joinRequests.pending(member.accountId, organisationId))).toMatchObject({ code: 'organisation.not_admin' });
    expect(await refusal(joinRequests.reject(admin.accountId, organisationId, 'nope'))).toMatchObject({ code: 'organisation.unknown_request' });
    await joinRequests.reject(admin.accountId, organisationId, requestId);
    const [mail] = await smtp.waitFor(requester.email, 1);
    expect(mail!.subject).toBe('Ihre Beitrittsanfrage wurde abgelehnt');
    expect(await access.organisationsOf(requester.accountId)).toEqual([]);
    expect(await auditOf(kontor, 'organisation.join_rejected', organisationId)).toHaveLength(1);
  });
});

describe('the join-request limit', () => {
  let kontor: TestKontor;
  beforeAll(async () => {
    kontor = await startTestKontor('postgres', {
      KONTOR_CONFIG_FILE: configFile({ rateLimits: { organisationJoinRequestsPerAccount: { limit: 2, windowSeconds: 3600 } } }),
    });
  });
  afterAll(() => kontor?.stop());

  it('counts refused attempts too, so nobody can probe for organisations', async () => {
    const requester = await adult(kontor);
    const { joinRequests } = kontor.container.organisations;
    const { input } = await organisationWithAdmin(kontor);
    for (let attempt = 0; attempt < 2; attempt++)
      expect(await refusal(joinRequests.request(requester.accountId, { name: `Probe ${attempt}`, postalCode: '10115' }))).toMatchObject({
        code: 'organisation.join_mismatch',
      });
    expect(await refusal(joinRequests.request(requester.accountId, input))).toMatchObject({ code: 'organisation.join_limit', status: 429 });
  });
});
