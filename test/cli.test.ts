import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { configFile } from './helpers/config-file.ts';
import { createTestDatabase, startTestKontor } from './helpers/kontor.ts';

const run = promisify(execFile);
const SECRET = 'cli-test-secret-0123456789-abcdefghijklmnop';

/** Runs `npm run kontor -- …` the way operators do (node src/cli/main.ts), returning exit code and output. */
async function kontor(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['src/cli/main.ts', ...args], {
      env: { PATH: process.env.PATH ?? '', KONTOR_SECRET: SECRET, ...env },
      cwd: process.cwd(),
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('kontor CLI against PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let env: Record<string, string>;

  beforeAll(async () => {
    // Migrated (a copy of the run's template): every test here must run alone, not only after the migration test.
    database = await createTestDatabase();
    env = {
      DATABASE_URL: database.url,
      KONTOR_ENV: 'production',
      KONTOR_ISSUER: 'https://id.example.org',
      KONTOR_TRUST_PROXY: 'true',
      KONTOR_DEV_FEATURES: 'false',
      SMTP_URL: 'smtp://127.0.0.1:9',
      KONTOR_CONFIG_FILE: configFile({ operator: { links: { privacy: { de: 'https://id.example.org/datenschutz' } } } }),
    };
  });
  afterAll(() => database?.drop());

  it('migrates explicitly in production and then reports the schema in agreement with the entities', async () => {
    const empty = await createTestDatabase({ migrated: false });
    const onEmpty = { ...env, DATABASE_URL: empty.url };
    try {
      const refused = await kontor(['client', 'list', '--json'], onEmpty);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('db.migrations_pending');

      const migrated = await kontor(['db', 'migrate', '--json'], onEmpty);
      expect(migrated.code).toBe(0);
      expect(JSON.parse(migrated.stdout).applied.length).toBeGreaterThan(0);
      expect(JSON.parse((await kontor(['db', 'migrate', '--json'], onEmpty)).stdout)).toEqual({ applied: [] });
      expect(JSON.parse((await kontor(['db', 'check', '--json'], onEmpty)).stdout)).toEqual({ ok: true });
    } finally {
      await empty.drop();
    }
  });

  it("registers a portal's trust-level floor with --default-acr (short name or acr value) and refuses what no login meets", async () => {
    const base = ['client', 'create', '--name', 'Fachverfahren', '--redirect-uri', 'https://fach.example/cb', '--json'];
    const named = await kontor([...base, '--default-acr', 'substanziell'], env);
    expect(named.code).toBe(0);
    expect(JSON.parse(named.stdout).default_acr_values).toEqual(['http://bsi.bund.de/eID/LoA/substantiell']);
    const eidas = await kontor([...base, '--default-acr', 'http://eidas.europa.eu/LoA/substantial'], env);
    expect(JSON.parse(eidas.stdout).default_acr_values).toEqual(['http://eidas.europa.eu/LoA/substantial']);
    const unknown = await kontor([...base, '--default-acr', 'mittel'], env);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain('must be a trust level');
    // hoch needs the eID card, which no login offers yet: a floor nobody can reach is refused, not stored.
    const unreachable = await kontor([...base, '--default-acr', 'hoch'], env);
    expect(unreachable.code).toBe(64);
    expect(unreachable.stderr).toContain('default_acr_values');
  });

  it('registers what a portal may receive and what its consent page shows, and refuses unknown scopes, claims and levels', async () => {
    const base = ['client', 'create', '--name', 'Wohngeld', '--redirect-uri', 'https://wohngeld.example/cb', '--json'];
    const created = await kontor(
      [
        ...base,
        '--scope',
        'openid profile',
        '--scope',
        'email',
        '--claim',
        'given_name',
        '--claim',
        'family_name,email',
        '--claim-level',
        'given_name=substanziell',
        '--consent',
        'remembered',
        '--id-token-claims',
        '--organisation',
        'Stadt Musterstadt, Amt für Wohnen',
        '--address',
        'Rathausplatz 1, 12345 Musterstadt',
        '--purpose',
        'Antrag auf Wohngeld',
        '--logo-uri',
        'https://wohngeld.example/logo.svg',
        '--policy-uri',
        'https://wohngeld.example/datenschutz',
      ],
      env,
    );
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      scope: 'openid profile email offline_access',
      sk_claims: ['given_name', 'family_name', 'email'],
      sk_claim_levels: { given_name: 'substanziell' },
      sk_consent: 'remembered',
      sk_first_party: false,
      sk_id_token_claims: true,
      sk_organisation: 'Stadt Musterstadt, Amt für Wohnen',
      sk_address: 'Rathausplatz 1, 12345 Musterstadt',
      sk_purpose: 'Antrag auf Wohngeld',
      logo_uri: 'https://wohngeld.example/logo.svg',
      policy_uri: 'https://wohngeld.example/datenschutz',
    });
    const defaults = JSON.parse((await kontor([...base, '--first-party'], env)).stdout);
    expect(defaults).toMatchObject({ scope: 'openid profile email offline_access', sk_consent: 'every_time', sk_first_party: true, sk_id_token_claims: false });
    expect(defaults.sk_claims).toBeUndefined();

    const refusals: Array<[string[], string]> = [
      [['--scope', 'openid', '--scope', 'banking'], 'unknown scope "banking"'],
      [['--claim', 'shoe_size'], 'unknown claim "shoe_size"'],
      [['--claim-level', 'given_name=mittel'], '"given_name=mittel" must be claim=level'],
      [['--claim-level', 'given_name'], 'must be claim=level'],
      [['--scope', 'openid', '--claim-level', 'email=niedrig'], 'email: the client is not registered for this claim'],
      [['--consent', 'sometimes'], 'must be every-time or remembered'],
      // Known claims and scopes this deployment has no source for: no profile field maps to them here.
      [['--scope', 'openid', '--scope', 'address'], 'scope must only contain Authorization Server supported scope values'],
      [['--claim', 'birthdate'], 'sk_claims must list claims this deployment supplies'],
    ];
    for (const [flags, message] of refusals) {
      const refused = await kontor([...base, ...flags], env);
      expect([flags, refused.code]).toEqual([flags, 64]);
      expect(JSON.parse(refused.stderr).message).toContain(message);
    }
  });

  it('creates a confidential client, prints its secret once, and lists it without the secret', async () => {
    const created = await kontor(
      [
        'client',
        'create',
        '--name',
        'Bürgerportal',
        '--redirect-uri',
        'https://portal.example/cb',
        '--redirect-uri',
        'https://portal.example/cb2',
        '--post-logout-redirect-uri',
        'https://portal.example/',
        '--json',
      ],
      env,
    );
    expect(created.code).toBe(0);
    const client = JSON.parse(created.stdout);
    expect(client).toMatchObject({
      client_name: 'Bürgerportal',
      token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris: ['https://portal.example/cb', 'https://portal.example/cb2'],
    });
    expect(client.client_secret).toMatch(/^[A-Za-z0-9_-]{40,}$/);

    const listed = await kontor(['client', 'list', '--json'], env);
    expect(listed.stdout).not.toContain(client.client_secret);
    expect(JSON.parse(listed.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ client_id: client.client_id, client_name: 'Bürgerportal' })]));
  });

  it('creates public and client-credentials clients with the requested auth method and grants', async () => {
    const spa = JSON.parse(
      (await kontor(['client', 'create', '--name', 'SPA', '--redirect-uri', 'https://spa.example/cb', '--auth-method', 'none', '--json'], env)).stdout,
    );
    expect(spa.client_secret).toBeUndefined();
    expect(spa.token_endpoint_auth_method).toBe('none');
    const es = JSON.parse(
      (await kontor(['client', 'create', '--name', 'ES', '--redirect-uri', 'https://es.example/cb', '--id-token-alg', 'ES256', '--json'], env)).stdout,
    );
    expect(es.id_token_signed_response_alg).toBe('ES256');
    const service = JSON.parse(
      (
        await kontor(
          ['client', 'create', '--name', 'Fachverfahren', '--grant-type', 'client_credentials', '--auth-method', 'client_secret_post', '--json'],
          env,
        )
      ).stdout,
    );
    expect(service).toMatchObject({ grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_post', response_types: [] });
  });

  it('rejects bad input with a clear message and exit code 64', async () => {
    const noRedirect = await kontor(['client', 'create', '--name', 'X', '--json'], env);
    expect(noRedirect.code).toBe(64);
    expect(JSON.parse(noRedirect.stderr)).toMatchObject({ error: 'client.invalid_input' });
    const badMethod = await kontor(['client', 'create', '--name', 'X', '--redirect-uri', 'https://x.example/cb', '--auth-method', 'magic'], env);
    expect(badMethod.code).toBe(64);
    expect(badMethod.stderr).toContain('authMethod');
    const plainHttp = await kontor(['client', 'create', '--name', 'X', '--redirect-uri', 'http://portal.example/cb', '--json'], env);
    expect(plainHttp.code).toBe(64);
    expect(JSON.parse(plainHttp.stderr)).toMatchObject({ error: 'client.https_required' });
    const loopback = await kontor(
      ['client', 'create', '--name', 'Local tool', '--redirect-uri', 'http://127.0.0.1:8400/cb', '--auth-method', 'none', '--json'],
      env,
    );
    expect(loopback.code).toBe(0);
    const fragment = await kontor(['client', 'create', '--name', 'X', '--redirect-uri', 'https://x.example/cb#frag'], env);
    expect(fragment.code).toBe(64);
    expect(fragment.stderr).toContain('client.invalid_metadata');
    expect((await kontor(['client', 'create', '--name', 'X', '--redirect-uri', 'https://x.example/cb', '--id-token-alg', 'HS256'], env)).code).toBe(64);
    expect((await kontor(['frobnicate'], env)).code).toBe(64);
    expect((await kontor(['client', 'create', '--unknown-flag'], env)).code).toBe(64);
  });

  it('reads the password from standard input with --password-stdin', async () => {
    const child = execFile(
      process.execPath,
      ['src/cli/main.ts', 'user', 'create', '--email', 'stdin.user@example.org', '--password-stdin', '--given-name', 'S', '--family-name', 'T', '--json'],
      { env: { PATH: process.env.PATH ?? '', KONTOR_SECRET: SECRET, ...env } },
    );
    child.stdin!.end('Aus-der-Eingabe-42\n');
    const output = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      child.stdout!.on('data', (chunk) => (stdout += chunk));
      child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`exit ${code}`))));
    });
    expect(JSON.parse(output)).toMatchObject({ email: 'stdin.user@example.org' });
    // The password from standard input is the one that logs in.
    const server = await startTestKontor('postgres', { DATABASE_URL: database.url, KONTOR_SECRET: SECRET });
    try {
      await expect(server.container.passwords.check('stdin.user@example.org', 'Aus-der-Eingabe-42')).resolves.toMatchObject({
        kind: 'valid',
        result: { amr: ['pwd'] },
      });
      await expect(server.container.passwords.check('stdin.user@example.org', 'wrong')).resolves.toMatchObject({ kind: 'invalid' });
    } finally {
      await server.close();
    }
  });

  it('creates a verified user once and refuses the same address twice', async () => {
    const args = [
      'user',
      'create',
      '--email',
      'Max.Muster@Example.org',
      '--password',
      'Sehr-geheim-42',
      '--given-name',
      'Max',
      '--family-name',
      'Muster',
      '--json',
    ];
    const created = await kontor(args, env);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ email: 'Max.Muster@Example.org', email_verified: true });
    const again = await kontor(
      args.map((arg) => (arg === 'Max.Muster@Example.org' ? 'max.muster@example.org' : arg)),
      env,
    );
    expect(again.code).toBe(64);
    expect(again.stderr).toContain('account.email_taken');
    const umlaut = await kontor(
      ['user', 'create', '--email', 'jürgen@example.org', '--password', 'Sehr-geheim-42', '--given-name', 'J', '--family-name', 'M'],
      env,
    );
    expect(umlaut.code).toBe(64);
    expect(umlaut.stderr).toContain('account.email_ascii_only');
  });

  it('shows failed mail and audit events, and queues failed mail again', async () => {
    const server = await startTestKontor('postgres', { DATABASE_URL: database.url, KONTOR_SECRET: SECRET });
    let mailId = '';
    try {
      const { outbox, audit } = server.container;
      await server.container.db.orm.em.fork().transactional(async (em) => {
        await outbox.enqueue(em, {
          message: 'password-changed',
          to: 'ops.test@example.org',
          locale: 'de',
          data: { greetingKey: 'mail.greeting', greetingName: 'Ops Team', forgotLink: 'https://id.example.org/password/forgot' },
        });
        audit.record(em, { type: 'password.reset_completed', accountId: '00000000-0000-4000-8000-000000000001', ip: '192.0.2.7' });
      });
      await server.container.db.orm.em
        .fork()
        .execute(`update mail_outbox set status = 'failed', attempts = 12, last_error = 'connect ECONNREFUSED' where recipient = 'ops.test@example.org'`);
      mailId = (await server.container.outbox.list({ recipient: 'ops.test@example.org' }))[0]!.id;
    } finally {
      await server.close();
    }
    const failed = JSON.parse((await kontor(['mail', 'list', '--status', 'failed', '--json'], env)).stdout);
    expect(failed).toEqual([
      expect.objectContaining({
        id: mailId,
        recipient: 'ops.test@example.org',
        subject: 'Ihr Passwort wurde geändert',
        status: 'failed',
        lastError: 'connect ECONNREFUSED',
      }),
    ]);
    expect(JSON.parse((await kontor(['mail', 'retry', '--all-failed', '--json'], env)).stdout)).toEqual({ requeued: 1 });
    expect(JSON.parse((await kontor(['mail', 'list', '--status', 'pending', '--json'], env)).stdout)).toEqual([
      expect.objectContaining({ id: mailId, attempts: 0 }),
    ]);
    expect((await kontor(['mail', 'retry'], env)).code).toBe(64);
    expect((await kontor(['mail', 'list', '--status', 'lost'], env)).code).toBe(64);

    const events = JSON.parse((await kontor(['audit', 'list', '--type', 'password.reset_completed', '--json'], env)).stdout);
    expect(events).toEqual([
      expect.objectContaining({ type: 'password.reset_completed', account_id: '00000000-0000-4000-8000-000000000001', ip: '192.0.2.7' }),
    ]);
    expect((await kontor(['audit', 'list', '--type', 'nonsense'], env)).code).toBe(64);
  });

  it('rotates signing keys: the new key signs after two reload periods, the old one stays published', async () => {
    const rotated = await kontor(['keys', 'rotate', '--alg', 'RS256', '--json'], env);
    expect(rotated.code).toBe(0);
    const [result] = JSON.parse(rotated.stdout);
    expect(result).toMatchObject({ alg: 'RS256', new_kid: expect.any(String), retired_kid: expect.any(String) });
    const activation = new Date(result.new_key_activates_at).getTime();
    expect(activation).toBeGreaterThan(Date.now() + 100_000); // 2 × 60 s default reload period
    expect(new Date(result.retired_key_published_until).getTime()).toBeGreaterThan(activation);
    const now = JSON.parse((await kontor(['keys', 'rotate', '--alg', 'ES256', '--now', '--json'], env)).stdout);
    expect(new Date(now[0].new_key_activates_at).getTime()).toBeLessThanOrEqual(Date.now());
    expect((await kontor(['keys', 'rotate', '--alg', 'HS256'], env)).code).toBe(64);
  });

  it('audits what operators change: client create, user create, keys rotate, mail retry, without secrets', async () => {
    const client = JSON.parse(
      (await kontor(['client', 'create', '--name', 'Audited portal', '--redirect-uri', 'https://audited.example/cb', '--json'], env)).stdout,
    );
    const user = JSON.parse(
      (
        await kontor(
          ['user', 'create', '--email', 'audited.user@example.org', '--password', 'Sehr-geheim-43', '--given-name', 'A', '--family-name', 'U', '--json'],
          env,
        )
      ).stdout,
    );
    const [rotated] = JSON.parse((await kontor(['keys', 'rotate', '--alg', 'EdDSA', '--json'], env)).stdout);
    expect((await kontor(['mail', 'retry', '--all-failed', '--json'], env)).code).toBe(0);

    const listed = await kontor(['audit', 'list', '--limit', '4', '--json'], env);
    const events = JSON.parse(listed.stdout) as Array<{ type: string; account_id: string | null; client_id: string | null; details: Record<string, unknown> }>;
    const byType = Object.fromEntries(events.map((event) => [event.type, event]));
    expect(Object.keys(byType).sort()).toEqual(['account.created', 'client.created', 'keys.rotated', 'mail.retried']);
    expect(byType['client.created']).toMatchObject({
      client_id: client.client_id,
      details: { via: 'cli', name: 'Audited portal', authMethod: 'client_secret_basic' },
    });
    expect(byType['account.created']).toMatchObject({ account_id: user.id, details: { via: 'cli' } });
    expect(byType['keys.rotated']).toMatchObject({ details: { via: 'cli', keys: [expect.objectContaining({ alg: 'EdDSA', newKid: rotated.new_kid })] } });
    expect(byType['mail.retried']).toMatchObject({ details: { via: 'cli', requeued: 0, allFailed: true } });
    for (const secret of [client.client_secret, 'Sehr-geheim-43', 'audited.user@example.org']) expect(listed.stdout).not.toContain(secret);
  });
});

describe('kontor CLI on the embedded database', () => {
  it('works on a fresh embedded database in development (migrating like the server)', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'kontor-cli-')), 'pglite');
    const env = { KONTOR_EMBEDDED_DB_DIR: dir };
    const created = await kontor(['client', 'create', '--name', 'Lokal', '--redirect-uri', 'http://localhost:8080/cb', '--json'], env);
    expect(created.code).toBe(0);
    const listed = JSON.parse((await kontor(['client', 'list', '--json'], env)).stdout);
    expect(listed).toEqual([expect.objectContaining({ client_name: 'Lokal' })]);
  });
});

describe('kontor CLI --json with logging on', () => {
  it('prints exactly one JSON document on stdout on a fresh database; the logs go to stderr', async () => {
    const database = await createTestDatabase();
    try {
      // A fresh database: migrations run and signing keys are generated (and logged at info).
      const listed = await kontor(['client', 'list', '--json'], { DATABASE_URL: database.url, KONTOR_LOG_LEVEL: 'info' });
      expect(listed.code).toBe(0);
      expect(JSON.parse(listed.stdout)).toEqual([]);
      expect(listed.stderr).toContain('generated signing keys');
    } finally {
      await database.drop();
    }
  });
});
