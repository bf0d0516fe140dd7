import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { auditOf, clientWithRoles, organisationWithAdmin } from './helpers/organisations.ts';

const run = promisify(execFile);

describe('kontor CLI for role catalogues and the authority’s approvals', () => {
  let kontor: TestKontor;
  let env: Record<string, string>;
  beforeAll(async () => {
    kontor = await startTestKontor('postgres');
    // The CLI on the same database and secret as the running Kontor (client secrets are encrypted with it).
    env = {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: kontor.config.database.url!,
      KONTOR_SECRET: kontor.config.secret,
      KONTOR_ENV: 'development',
      KONTOR_DEV_FEATURES: 'false',
    };
  });
  afterAll(() => kontor?.stop());

  async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, ['src/cli/main.ts', ...args], { env, cwd: process.cwd() });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  it('creates a client with roles and approval by the authority, and refuses a bad role or a missing authority address', async () => {
    const base = ['client', 'create', '--name', 'Bildungsportal', '--redirect-uri', 'http://127.0.0.1:4999/cb', '--scope', 'openid sk_organisation', '--json'];
    const created = await cli([
      ...base,
      '--role',
      'trainer=Ausbilder|Trainer',
      '--role',
      'trainee=Azubi|Trainee|Lernt|Learns',
      '--org-approval',
      'authority',
      '--authority-email',
      'leitstelle@example.org',
    ]);
    expect(created.code).toBe(0);
    const metadata = JSON.parse(created.stdout);
    expect(metadata).toMatchObject({
      sk_roles: [
        { key: 'trainer', label: { de: 'Ausbilder', en: 'Trainer' } },
        { key: 'trainee', label: { de: 'Azubi', en: 'Trainee' }, description: { de: 'Lernt', en: 'Learns' } },
      ],
      sk_org_approval: 'authority',
      sk_authority_email: 'leitstelle@example.org',
    });
    const badKey = await cli([...base, '--role', 'Trainer=Ausbilder|Trainer']);
    expect(badKey.code).toBe(64);
    expect(badKey.stderr).toContain('client.invalid_input');
    const noLabel = await cli([...base, '--role', 'trainer=Ausbilder']);
    expect(noLabel.code).toBe(64);
    const noAuthority = await cli([...base, '--org-approval', 'authority']);
    expect(noAuthority.code).toBe(64);
    expect(noAuthority.stderr).toContain('authority-email');

    const shown = await cli(['client', 'roles', metadata.client_id, '--json']);
    expect(JSON.parse(shown.stdout)).toMatchObject({ sk_org_approval: 'authority', sk_roles: [{ key: 'trainer' }, { key: 'trainee' }] });
    const changed = await cli(['client', 'roles', metadata.client_id, '--role', 'viewer=Lesen|Read', '--org-approval', 'automatic', '--json']);
    expect(changed.code).toBe(0);
    expect(JSON.parse(changed.stdout)).toMatchObject({ sk_org_approval: 'automatic', sk_roles: [{ key: 'viewer' }] });
    expect(await kontor.container.clients.serviceTerms(metadata.client_id)).toMatchObject({ approval: 'automatic', roles: [{ key: 'viewer' }] });
    expect((await cli(['client', 'roles', 'no-such-client', '--role', 'a=b|c'])).code).toBe(64);
  });

  it('lists pending subscriptions and records the authority’s approval and rejection as the operator', async () => {
    const { admin, organisationId, input } = await organisationWithAdmin(kontor);
    const portal = await clientWithRoles(kontor, { orgApproval: 'authority', authorityEmail: 'leitstelle@example.org' });
    const other = await clientWithRoles(kontor, { orgApproval: 'authority', authorityEmail: 'leitstelle@example.org' });
    const { subscriptions, access } = kontor.container.organisations;
    await subscriptions.subscribe(admin.accountId, organisationId, portal.clientId);
    await subscriptions.subscribe(admin.accountId, organisationId, other.clientId);

    const listed = JSON.parse((await cli(['organisation', 'list', '--status', 'pending', '--json'])).stdout);
    expect(listed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ organisation_id: organisationId, organisation_name: input.name, client_id: portal.clientId, status: 'pending' }),
      ]),
    );
    const approved = await cli(['organisation', 'approve', '--organisation', organisationId, '--client', portal.clientId, '--json']);
    expect(approved.code).toBe(0);
    expect(JSON.parse(approved.stdout)).toEqual({ organisation_id: organisationId, client_id: portal.clientId, status: 'approved' });
    expect((await cli(['organisation', 'reject', '--organisation', organisationId, '--client', other.clientId])).code).toBe(0);
    expect(await access.accessDecision(admin.accountId, organisationId, other.clientId)).toEqual({ allowed: false, reason: 'not_subscribed' });
    expect(await auditOf(kontor, 'organisation.subscription_approved', organisationId)).toEqual([
      expect.objectContaining({ accountId: null, clientId: portal.clientId, details: expect.objectContaining({ actor: 'operator' }) }),
    ]);
    expect(await auditOf(kontor, 'organisation.subscription_rejected', organisationId)).toHaveLength(1);
    // The admins' mails wait in the outbox (no SMTP in development).
    const mails = await kontor.container.outbox.list({ recipient: admin.email });
    expect(mails.map((mail) => mail.message)).toEqual(expect.arrayContaining(['organisation-service-approved', 'organisation-service-rejected']));

    const unknown = await cli(['organisation', 'approve', '--organisation', 'nope', '--client', portal.clientId]);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain('organisation.unknown_subscription');
    expect((await cli(['organisation', 'approve', '--client', portal.clientId])).code).toBe(64);
  });
});
