import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { createUser, type TestUser } from './helpers/relying-party.ts';
import { AuditEvent } from '../src/audit/audit-event.entity.ts';
import { AccountAttributeReader, ProfileInvalidError } from '../src/accounts/index.ts';
import { upsertAttributes } from '../src/accounts/attributes.ts';
import { openAccountArea, reauthenticate, formEndingWith } from './helpers/account-area.ts';
import { decodeEntities } from './helpers/browser-agent.ts';
import { fieldError, summaryErrors } from './helpers/registration.ts';

const PROFILE_FIELDS = [
  { name: 'birthYear', type: 'integer', label: { de: 'Geburtsjahr', en: 'Year of birth' }, required: true, min: 1900, max: 'currentYear' },
  { name: 'city', type: 'text', label: { de: 'Wohnort', en: 'Town' }, claim: 'address.locality' },
];

describe('profile edit (seed 001 "Benutzerprofil bearbeiten", "Sperrfelder")', () => {
  let kontor: TestKontor;
  beforeAll(async () => {
    kontor = await startTestKontor('postgres', { KONTOR_CONFIG_FILE: configFile({ ...ROOMY_RATE_LIMITS, registration: { profileFields: PROFILE_FIELDS } }) });
  });
  afterAll(async () => {
    await kontor?.stop();
  });

  const context = { ip: '127.0.0.1' };
  const valid = { salutation: 'ms', givenName: 'Erika', familyName: 'Mustermann', birthYear: '1964', city: 'Berlin' };
  const attributes = async (user: TestUser) => (await new AccountAttributeReader(kontor.container.db.orm.em, []).attributesOf(user.accountId)) ?? [];
  const attribute = async (user: TestUser, name: string) => (await attributes(user)).find((candidate) => candidate.name === name);

  async function errorsOf(user: TestUser, input: Record<string, string>): Promise<Record<string, string>> {
    const error = await kontor.container.profileUpdates.update(user.accountId, input, context).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProfileInvalidError);
    return (error as ProfileInvalidError).fieldErrors;
  }

  it('checks every field with the registration rules and changes nothing on an error', async () => {
    const user = await createUser(kontor);
    expect(await errorsOf(user, { ...valid, givenName: ' ' })).toEqual({ givenName: 'registration.required' });
    expect(await errorsOf(user, { ...valid, familyName: 'Muster1' })).toEqual({ familyName: 'registration.name_characters' });
    expect(await errorsOf(user, { ...valid, familyName: 'Muster www.example.org' })).toEqual({ familyName: 'input.no_urls' });
    expect(await errorsOf(user, { ...valid, salutation: 'dr' })).toEqual({ salutation: 'registration.salutation_invalid' });
    expect(await errorsOf(user, { ...valid, birthYear: '' })).toEqual({ birthYear: 'profile.required' });
    expect(await errorsOf(user, { ...valid, birthYear: '1850' })).toEqual({ birthYear: 'profile.out_of_range' });
    expect(await errorsOf(user, { ...valid, city: '<b>' })).toEqual({ city: 'profile.characters' });
    const account = await kontor.container.accounts.findById(user.accountId);
    expect(account).toMatchObject({ salutation: null, givenName: 'Erika', familyName: 'Mustermann', profile: {} });
  });

  it('writes changed values as self-entered attributes with an audit event naming the fields, not the values', async () => {
    const user = await createUser(kontor);
    const result = await kontor.container.profileUpdates.update(user.accountId, { ...valid, givenName: 'Erika Maria' }, context);
    expect(result.changed.sort()).toEqual(['birthYear', 'city', 'givenName', 'salutation']);
    expect(await kontor.container.accounts.findById(user.accountId)).toMatchObject({
      salutation: 'ms',
      givenName: 'Erika Maria',
      profile: { birthYear: 1964, city: 'Berlin' },
    });
    expect(await attribute(user, 'given_name')).toMatchObject({ value: 'Erika Maria', source: 'self_entered', level: 'basisregistrierung' });
    expect(await attribute(user, 'gender')).toMatchObject({ value: 'female', source: 'self_entered' });
    expect(await attribute(user, 'address.locality')).toMatchObject({ value: 'Berlin' });
    expect(await attribute(user, 'profile.birthYear')).toMatchObject({ value: 1964 });
    const [event] = await kontor.container.db.orm.em.fork().find(AuditEvent, { accountId: user.accountId, type: 'profile.changed' });
    expect((event!.details.fields as string[]).sort()).toEqual(result.changed.sort());
    expect(JSON.stringify(event!.details)).not.toMatch(/Erika|Berlin|1964/);
  });

  it('leaves unchanged values as they were (their source and level) and removes a cleared optional one', async () => {
    const user = await createUser(kontor);
    await kontor.container.profileUpdates.update(user.accountId, valid, context);
    const before = await attribute(user, 'family_name');
    expect(before).toMatchObject({ source: 'operator' });
    const changed = await kontor.container.profileUpdates.update(user.accountId, { ...valid, givenName: 'Erika', city: '' }, context);
    expect(changed.changed).toEqual(['city']);
    expect(await attribute(user, 'family_name')).toEqual(before);
    expect(await attribute(user, 'address.locality')).toBeUndefined();
    expect((await kontor.container.accounts.findById(user.accountId))?.profile).toEqual({ birthYear: 1964 });
    expect(await kontor.container.profileUpdates.update(user.accountId, { ...valid, city: '' }, context)).toEqual({ changed: [] });
  });

  it('refuses to change a value the eID vouches for and shows it as locked, while other fields stay editable', async () => {
    const user = await createUser(kontor);
    await kontor.container.db.orm.em
      .fork()
      .transactional((tx) =>
        upsertAttributes(tx, user.accountId, [{ name: 'family_name', value: 'Mustermann', level: 'hoch', source: 'eid', verifiedAt: new Date() }]),
      );
    const view = await kontor.container.profileUpdates.view(user.accountId);
    expect(view?.locked).toEqual({ familyName: 'account.profile.locked_eid' });
    expect(view?.input).toMatchObject({ givenName: 'Erika', familyName: 'Mustermann', salutation: '', birthYear: '' });
    await expect(kontor.container.profileUpdates.update(user.accountId, { ...valid, familyName: 'Musterfrau' }, context)).rejects.toMatchObject({
      code: 'profile.field_locked',
      details: ['familyName'],
    });
    // Left out (the page shows it as text) or sent unchanged: the edit of the other fields goes through.
    const { familyName: _left, ...withoutLocked } = valid;
    expect((await kontor.container.profileUpdates.update(user.accountId, withoutLocked, context)).changed).not.toContain('familyName');
    expect(await attribute(user, 'family_name')).toMatchObject({ value: 'Mustermann', source: 'eid', level: 'hoch' });
    expect((await kontor.container.profileUpdates.update(user.accountId, { ...valid, givenName: 'Eri' }, context)).changed).toEqual(['givenName']);
  });
  describe('the page /account/profile', () => {
    it('shows the current values, locked fields as text with their reason, and keeps the input on an error', async () => {
      const user = await createUser(kontor);
      await kontor.container.db.orm.em
        .fork()
        .transactional((tx) =>
          upsertAttributes(tx, user.accountId, [{ name: 'family_name', value: 'Mustermann', level: 'hoch', source: 'eid', verifiedAt: new Date() }]),
        );
      const { agent } = await openAccountArea(kontor, user);
      const page = await agent.get('/account/profile');
      expect(page.status).toBe(200);
      expect(page.headers.get('cache-control')).toBe('no-store');
      const text = decodeEntities(page.body);
      expect(text).toContain('Sperrfeld: vom Ausweis übernommen');
      expect(page.body).not.toContain('name="familyName"');
      expect(page.body).toMatch(/name="givenName"[^>]*value="Erika"/);
      const form = formEndingWith(page.body, '/account/profile');
      const refused = await agent.post(form.action, { ...form.fields, givenName: 'Erika1', birthYear: 'neunzehn', city: 'Berlin' });
      expect(refused.status).toBe(400);
      expect(fieldError(refused, 'givenName')).toBeDefined();
      expect(fieldError(refused, 'profile-birthYear')).toContain('Geburtsjahr');
      expect(summaryErrors(refused)).toHaveLength(2);
      expect(refused.body).toMatch(/name="givenName"[^>]*value="Erika1"/);
      expect(refused.body).toMatch(/name="city"[^>]*value="Berlin"/);
      // The locked field posted anyway (not offered by the page): refused, nothing changes.
      const locked = await agent.post(form.action, { ...form.fields, ...valid, familyName: 'Musterfrau' });
      expect(locked.status).toBe(403);
      const saved = await agent.post(form.action, { ...form.fields, givenName: 'Erika Maria', birthYear: '1964', city: 'Berlin', salutation: 'ms' });
      expect(saved.status).toBe(303);
      expect(saved.location).toBe('/account?done=profile');
      expect(decodeEntities((await agent.get(saved.location!)).body)).toContain('Ihre persönlichen Daten wurden gespeichert.');
      expect(await kontor.container.accounts.findById(user.accountId)).toMatchObject({ givenName: 'Erika Maria', familyName: 'Mustermann', salutation: 'ms' });
    });

    it('needs a fresh login for the page and for the change: a refused POST changes nothing', async () => {
      const user = await createUser(kontor);
      const { agent } = await openAccountArea(kontor, user);
      const form = formEndingWith((await agent.get('/account/profile')).body, '/account/profile');
      kontor.clock.advance(6 * 60);
      const post = await agent.post(form.action, { ...form.fields, ...valid, givenName: 'Später' });
      expect(post.status).toBe(303);
      expect(post.location).toBe('/account/login?return=%2Faccount%2Fprofile&reauth=1');
      expect((await kontor.container.accounts.findById(user.accountId))?.givenName).toBe('Erika');
      const get = await agent.get('/account/profile');
      expect(get.status).toBe(303);
      expect(get.location).toBe('/account/login?return=%2Faccount%2Fprofile&reauth=1');
      const back = await reauthenticate(agent, await agent.follow(get), { password: user.password, username: user.email });
      expect(back.url).toBe(`${kontor.url}/account/profile`);
      expect(back.status).toBe(200);
      const fresh = formEndingWith(back.body, '/account/profile');
      expect((await agent.post(fresh.action, { ...fresh.fields, ...valid, givenName: 'Später' })).status).toBe(303);
      expect((await kontor.container.accounts.findById(user.accountId))?.givenName).toBe('Später');
    });
  });
});
