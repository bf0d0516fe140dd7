import { fileURLToPath } from 'node:url';
import type * as oidc from 'openid-client';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { BrowserAgent, authorizationRequest, discover, registerClient } from './helpers/relying-party.ts';
import { accountFields, fieldError, newRegistrant, openAccountStep, postAccountStep, submitReview } from './helpers/registration.ts';
import { Account } from '../src/accounts/account.entity.ts';

describe('the final registration step checks the whole draft (docs/examples/mein-ias.json: four required profile fields)', () => {
  let kontor: TestKontor;
  let config: oidc.Configuration;

  beforeAll(async () => {
    kontor = await startTestKontor('postgres', { KONTOR_CONFIG_FILE: fileURLToPath(new URL('../docs/examples/mein-ias.json', import.meta.url)) });
    const client = await registerClient(kontor);
    config = await discover(kontor, client.clientId, client.clientSecret);
  });
  afterAll(() => kontor?.stop());

  it('refuses a review posted directly after step 1, without the required profile fields: no account, no mail, back to the profile step', async () => {
    const agent = new BrowserAgent(kontor.url);
    const person = newRegistrant();
    const step2 = await agent.follow(await postAccountStep(agent, await openAccountStep(agent, await authorizationRequest(config)), accountFields(person)));
    expect(step2.url).toMatch(/\/register\/profile$/);

    // Skip the profile step: open the review by its URL and send it.
    const review = await agent.get(step2.url.replace(/\/profile$/, '/review'));
    expect(review.status).toBe(200);
    const refused = await submitReview(agent, review);
    expect(refused.status).toBe(400);
    expect(fieldError(refused, 'profile-hasDirectReports')).toBe('Wählen Sie bei „Sind Ihnen Mitarbeiter:innen disziplinarisch zugeordnet?“ eine Antwort aus.');
    expect(fieldError(refused, 'profile-birthYear')).toMatch(/^Füllen Sie das Feld „.+“ aus\.$/);
    expect(fieldError(refused, 'profile-gender')).toMatch(/^Wählen Sie bei „.+“ eine Antwort aus\.$/);

    const em = kontor.container.db.orm.em.fork();
    expect(await em.count(Account, { emailNormalized: person.email.toLowerCase() })).toBe(0);
    expect(await em.execute('select id from mail_outbox where recipient = ?', [person.email], 'all')).toEqual([]);
  });

  it('refuses a draft without the required profile fields at the service too (no path around the check)', async () => {
    const person = newRegistrant();
    const draft = {
      salutation: null,
      givenName: person.givenName,
      familyName: person.familyName,
      email: person.email,
      username: null,
      passwordHash: await kontor.container.passwords.hash(person.password),
      profile: { birthYear: 1980 },
    };
    await expect(kontor.container.registration.register(draft, new Set(['terms']), { ip: '127.0.0.1', locale: 'de' })).rejects.toMatchObject({
      code: 'registration.incomplete',
      fieldErrors: { hasDirectReports: 'profile.choose', gender: 'profile.choose', language: 'profile.choose' },
    });
    expect(await kontor.container.db.orm.em.fork().count(Account, { emailNormalized: person.email.toLowerCase() })).toBe(0);
  });
});
