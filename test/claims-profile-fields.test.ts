import * as oidc from 'openid-client';
import { PasswordHasher } from '../src/credentials/password-hasher.ts';
import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { discover } from './helpers/relying-party.ts';
import { signIn } from './helpers/sign-in.ts';

const label = (de: string, en: string) => ({ de, en });
/** A deployment that asks for a birth year and a postal address at registration, and one field it keeps. */
const PROFILE_FIELDS = [
  { name: 'birthYear', type: 'integer', label: label('Geburtsjahr', 'Year of birth'), min: 1900, max: 'currentYear', claim: 'birthdate' },
  { name: 'street', type: 'text', label: label('Straße und Hausnummer', 'Street and number'), claim: 'address.street_address' },
  { name: 'postalCode', type: 'text', label: label('Postleitzahl', 'Postcode'), pattern: '\\d{5}', claim: 'address.postal_code' },
  { name: 'city', type: 'text', label: label('Ort', 'Town'), claim: 'address.locality' },
  {
    name: 'country',
    type: 'select',
    label: label('Land', 'Country'),
    options: [{ value: 'DE', label: label('Deutschland', 'Germany') }],
    claim: 'address.country',
  },
  { name: 'department', type: 'text', label: label('Dienststelle', 'Department') },
];

describe("a deployment's profile fields mapped to claims", () => {
  let kontor: TestKontor;

  beforeAll(async () => {
    kontor = await startTestKontor('postgres', { KONTOR_CONFIG_FILE: configFile({ ...ROOMY_RATE_LIMITS, registration: { profileFields: PROFILE_FIELDS } }) });
  });
  afterAll(() => kontor?.stop());

  /** Registers as the registration flow does (the service behind its last step), then confirms the address. */
  async function registered(email: string) {
    const { registration, db } = kontor.container;
    const passwordHash = await new PasswordHasher({ memoryKiB: 19 * 1024, timeCost: 2, parallelism: 1 }).hash('Sicheres-Passwort-1');
    const { accountId } = await registration.register(
      {
        salutation: 'ms',
        givenName: 'Erika',
        familyName: 'Mustermann',
        email,
        username: null,
        passwordHash,
        profile: { birthYear: 1964, street: 'Heidestraße 17', postalCode: '51147', city: 'Köln', country: 'DE', department: 'Bauamt' },
      },
      new Set(['privacy']),
      { ip: '203.0.113.9', locale: 'de' },
    );
    // The confirmation link's effect, without the mail round trip the registration tests cover.
    await db.orm.em.fork().execute(`update account set status = 'active', email_verified = true where id = ?`, [accountId]);
    return { email, password: 'Sicheres-Passwort-1', accountId: accountId! };
  }

  it('lists the address scope and the mapped claims in discovery, and no identity claim nobody supplies', async () => {
    const config = await discover(kontor, 'nobody');
    const metadata = config.serverMetadata();
    expect(metadata.scopes_supported).toEqual(expect.arrayContaining(['address', 'profile']));
    expect(metadata.scopes_supported).not.toContain('sk_identity');
    expect(metadata.claims_supported).toEqual(expect.arrayContaining(['birthdate', 'address', 'gender']));
    expect(metadata.claims_supported).not.toContain('title');
    expect(metadata.claims_supported).not.toContain('place_of_birth');
  });

  it('releases the birth year as birthdate, the address with its formatted form and the salutation as gender; never an unmapped field', async () => {
    const user = await registered(`profil.${Date.now()}@example.org`);
    const { tokens, config } = await signIn(kontor, {
      user,
      client: { scopes: ['openid', 'profile', 'address'] },
      authorization: { scope: 'openid profile address' },
    });
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
    expect(userinfo).toMatchObject({
      birthdate: '1964',
      gender: 'female',
      address: { street_address: 'Heidestraße 17', postal_code: '51147', locality: 'Köln', country: 'DE', formatted: 'Heidestraße 17\n51147 Köln\nDE' },
    });
    expect(userinfo.sk_claim_trust).toMatchObject({ birthdate: 'basisregistrierung', address: 'basisregistrierung', gender: 'basisregistrierung' });
    expect(JSON.stringify(userinfo)).not.toContain('Bauamt');
    // Not asked for the email scope: none of it.
    expect(userinfo.email).toBeUndefined();
  });

  it('refuses to register a client for a claim this deployment cannot supply', async () => {
    await expect(
      kontor.container.clients.create(
        { name: 'Zu viel', redirectUris: ['http://127.0.0.1:9/cb'], claims: ['place_of_birth'] },
        kontor.container.validateClientMetadata,
      ),
    ).rejects.toMatchObject({
      code: 'client.invalid_metadata',
    });
  });
});
