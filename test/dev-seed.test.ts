import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { DEMO_ACCOUNT, DEMO_CLIENT_ID, DEMO_ORGANISATION, demoClientInput, demoClientSecret, seedDevelopmentData } from '../src/dev/seed.ts';

describe('the development seed', () => {
  let kontor: TestKontor;
  beforeAll(async () => {
    kontor = await startTestKontor('postgres', { KONTOR_DEV_FEATURES: 'true', KONTOR_DEMO_URL: 'http://localhost:4301' });
  });
  afterAll(() => kontor?.stop());

  const reseed = (url: string) =>
    kontor.container.clients.createOrUpdate(demoClientInput(url), kontor.container.validateClientMetadata, 'dev-seed', demoClientSecret(kontor.config.secret));

  it('leaves an up-to-date demo client alone and moves it to a new KONTOR_DEMO_URL, secret included', async () => {
    await seedDevelopmentData(kontor.container);
    expect(await reseed('http://localhost:4301')).toBe('unchanged');
    expect(await reseed('http://localhost:4302/')).toBe('updated');
    const metadata = await kontor.container.clients.findMetadata(DEMO_CLIENT_ID);
    expect(metadata).toMatchObject({
      redirect_uris: ['http://localhost:4302/callback'],
      post_logout_redirect_uris: ['http://localhost:4302/'],
      client_uri: 'http://localhost:4302/',
      client_secret: demoClientSecret(kontor.config.secret),
    });
    expect(await reseed('http://localhost:4302')).toBe('unchanged');
  });

  it('seeds the demo organisation: Erika its admin, subscribed to the demo portal, with the role antragsteller', async () => {
    await seedDevelopmentData(kontor.container);
    const erika = await kontor.container.accounts.findByEmail(DEMO_ACCOUNT.email);
    const { access } = kontor.container.organisations;
    expect(await access.organisationsOf(erika!.id)).toEqual([expect.objectContaining({ name: DEMO_ORGANISATION.name, role: 'admin' })]);
    expect(await access.loginStep(erika!.id, DEMO_CLIENT_ID)).toMatchObject({ kind: 'decided', decision: { allowed: true, roles: ['antragsteller'] } });
    // Once: a later start (client unchanged or moved) adds no second organisation.
    await reseed('http://localhost:4303');
    await seedDevelopmentData(kontor.container);
    expect(await access.organisationsOf(erika!.id)).toHaveLength(1);
  });
});
