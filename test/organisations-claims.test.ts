import * as oidc from 'openid-client';
import { configFile, ROOMY_RATE_LIMITS } from './helpers/config-file.ts';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { clientWithRoles, memberOf, organisationWithAdmin } from './helpers/organisations.ts';
import type { TestUser } from './helpers/relying-party.ts';
import { signIn } from './helpers/sign-in.ts';

describe('sk_org and sk_org_roles in tokens, through the claims composer and a real login (scope sk_organisation)', () => {
  let kontor: TestKontor;
  beforeAll(async () => {
    kontor = await startTestKontor('postgres', { KONTOR_CONFIG_FILE: configFile(ROOMY_RATE_LIMITS) });
  });
  afterAll(() => kontor?.stop());

  /** The ID token's claims and the userinfo response of a login of `user` at `client`. */
  async function login(user: TestUser, client: { clientId: string; clientSecret?: string }) {
    const { tokens, config } = await signIn(kontor, { user, existing: client, authorization: { scope: 'openid sk_organisation' } });
    const idToken = tokens.claims()!;
    return { idToken, userinfo: await oidc.fetchUserInfo(config, tokens.access_token, idToken.sub) };
  }

  it('releases the organisation and only the requesting client’s roles, from direct assignment and groups', async () => {
    const { admin, organisationId, input } = await organisationWithAdmin(kontor);
    const member = await memberOf(kontor, organisationId, admin, input);
    const portal = await clientWithRoles(kontor, { idTokenClaims: true });
    const other = await clientWithRoles(kontor, { roles: [{ key: 'auditor', label: { de: 'Prüfer', en: 'Auditor' } }] });
    const { subscriptions, assignments, groups } = kontor.container.organisations;
    await subscriptions.subscribe(admin.accountId, organisationId, portal.clientId);
    await subscriptions.subscribe(admin.accountId, organisationId, other.clientId);
    await assignments.assign(admin.accountId, organisationId, { accountId: member.accountId }, portal.clientId, ['trainee']);
    const { groupId } = await groups.create(admin.accountId, organisationId, 'Prüfung');
    await groups.addMember(admin.accountId, organisationId, groupId, member.accountId);
    await assignments.assign(admin.accountId, organisationId, { groupId }, portal.clientId, ['viewer', 'trainee']);
    await assignments.assign(admin.accountId, organisationId, { groupId }, other.clientId, ['auditor']);

    const { idToken, userinfo } = await login(member, portal);
    const expected = { sk_org: { id: organisationId, name: input.name }, sk_org_roles: ['trainee', 'viewer'] };
    expect(userinfo).toMatchObject(expected);
    expect(idToken).toMatchObject(expected);
    expect(userinfo.sk_claim_trust).toMatchObject({ sk_org: 'basisregistrierung', sk_org_roles: 'basisregistrierung' });

    const atOther = await login(member, other);
    expect(atOther.userinfo).toMatchObject({ sk_org: { id: organisationId }, sk_org_roles: ['auditor'] });
    expect(JSON.stringify(atOther.userinfo)).not.toContain('trainee');
  });

  it('releases no roles while the subscription waits for approval, and none to a client not asking for sk_organisation', async () => {
    const { admin, organisationId, input } = await organisationWithAdmin(kontor);
    const member = await memberOf(kontor, organisationId, admin, input);
    const portal = await clientWithRoles(kontor, { orgApproval: 'authority', authorityEmail: 'leitstelle@example.org' });
    await kontor.container.organisations.subscriptions.subscribe(admin.accountId, organisationId, portal.clientId);
    // The login refuses a pending service (test/organisations-login.test.ts); the contributor itself releases
    // the organisation without roles.
    const pending = await kontor.container.organisations.access.attributesOf(member.accountId, { clientId: portal.clientId });
    expect(pending).toEqual([expect.objectContaining({ name: 'sk_org', value: { id: organisationId, name: input.name } })]);

    const plain = await signIn(kontor, { user: member, existing: portal });
    const userinfo = await oidc.fetchUserInfo(plain.config, plain.tokens.access_token, plain.tokens.claims()!.sub);
    expect(userinfo).not.toHaveProperty('sk_org');
  });

  it('offers sk_organisation in discovery', async () => {
    const metadata = await (await fetch(`${kontor.url}/.well-known/openid-configuration`)).json();
    expect(metadata.scopes_supported).toContain('sk_organisation');
    expect(metadata.claims_supported).toEqual(expect.arrayContaining(['sk_org', 'sk_org_roles']));
  });
});
