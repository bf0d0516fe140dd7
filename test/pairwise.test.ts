import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as oidc from 'openid-client';
import { createTestDatabase, startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { BrowserAgent, authorizationRequest, createUser, discover, formEndingWith, open, type TestUser } from './helpers/relying-party.ts';
import { pairwiseSubject } from '../src/oidc/pairwise.ts';

// OIDC Core §8.1: a pairwise `sub` is computed per sector, the *host* of the redirect URI or of the
// registered sector_identifier_uri; the port is not part of it.

const run = promisify(execFile);
const SECRET = 'pairwise-test-secret-0123456789-abcdefghijk';
/**
 * The sector document must be served over https: a self-signed certificate for 127.0.0.1 and localhost,
 * made for this run only (no key is ever committed) and trusted by the CLI child via NODE_EXTRA_CA_CERTS.
 */
function loopbackCertificate(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kontor-tls-'));
  const files = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      files.key,
      '-out',
      files.cert,
    ],
    { stdio: 'ignore' },
  );
  return files;
}
const TLS = loopbackCertificate();

describe('pairwise subjects', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let kontor: TestKontor;
  let user: TestUser;
  const sub = pairwiseSubject(SECRET);

  beforeAll(async () => {
    database = await createTestDatabase();
    kontor = await startTestKontor('postgres', { DATABASE_URL: database.url, KONTOR_SECRET: SECRET });
    user = await createUser(kontor);
  });
  afterAll(async () => {
    await kontor?.stop();
    await database?.drop();
  });

  /** Logs `user` in at the client through `redirectUri` and returns the `sub` of the ID token. */
  async function subAt(clientId: string, clientSecret: string | undefined, redirectUri: string): Promise<string> {
    const config = await discover(kontor, clientId, clientSecret);
    const request = await authorizationRequest(config, { redirect_uri: redirectUri });
    const agent = new BrowserAgent(kontor.url);
    const login = await open(agent, request.url);
    const form = formEndingWith(login.body, '/login');
    let next = await agent.follow(await agent.post(form.action, { ...form.fields, username: user.email, password: user.password }));
    if (next.status === 200 && next.body.includes('/consent')) {
      const consent = formEndingWith(next.body, '/consent');
      next = await agent.follow(await agent.post(consent.action, consent.fields));
    }
    if (!next.location?.startsWith(`${redirectUri}?`)) throw new Error(`expected a redirect to ${redirectUri}, got ${next.status} ${next.location}`);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(next.location), {
      pkceCodeVerifier: request.codeVerifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    return tokens.claims()!.sub;
  }

  const client = (name: string, redirectUri: string) =>
    kontor.container.clients.create({ name, redirectUris: [redirectUri] }, kontor.container.validateClientMetadata);

  it('keeps the sub of a portal whose redirect URI has no port: the sector is its host name, as before', async () => {
    const portal = await client('Portal', 'https://portal.example/callback');
    expect(await subAt(portal.clientId, portal.clientSecret, 'https://portal.example/callback')).toBe(sub('portal.example', user.accountId));
  });

  it('gives a portal the same sub on any port of its host, and another host another sub', async () => {
    const plain = await client('Portal on 443', 'https://portal.example/callback');
    const moved = await client('Portal on 8443', 'https://portal.example:8443/callback');
    const other = await client('Other portal', 'https://other.example/callback');
    const onPlain = await subAt(plain.clientId, plain.clientSecret, 'https://portal.example/callback');
    expect(await subAt(moved.clientId, moved.clientSecret, 'https://portal.example:8443/callback')).toBe(onPlain);
    expect(await subAt(other.clientId, other.clientSecret, 'https://other.example/callback')).not.toBe(onPlain);
  });

  describe('client create --sector-identifier-uri', () => {
    let sectorServer: Server;
    let sectorDocument: string[] = [];
    let sectorUrl: string;
    const cli = async (args: string[]) => {
      const env = {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: database.url,
        KONTOR_SECRET: SECRET,
        KONTOR_ALLOW_PRIVATE_NETWORK_FETCH: 'true',
        NODE_EXTRA_CA_CERTS: TLS.cert,
      };
      try {
        const { stdout, stderr } = await run(process.execPath, ['src/cli/main.ts', 'client', 'create', ...args, '--json'], { env, cwd: process.cwd() });
        return { code: 0, stdout, stderr };
      } catch (error) {
        return error as { code: number; stdout: string; stderr: string };
      }
    };
    const ports = [
      '--name',
      'Portal on two ports',
      '--redirect-uri',
      'https://portal.example/callback',
      '--redirect-uri',
      'https://portal.example:8443/callback',
    ];

    beforeAll(async () => {
      sectorServer = createServer({ cert: readFileSync(TLS.cert), key: readFileSync(TLS.key) }, (_req, res) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(sectorDocument)),
      );
      await new Promise<void>((resolve) => sectorServer.listen(0, '127.0.0.1', resolve));
      sectorUrl = `https://127.0.0.1:${(sectorServer.address() as AddressInfo).port}/sector.json`;
    });
    afterAll(() => new Promise<void>((resolve) => (sectorServer.listening ? sectorServer.close(() => resolve()) : resolve())));

    it('refuses redirect URIs on two ports without one, naming the option', async () => {
      const refused = await cli(ports);
      expect(refused.code).toBe(64);
      expect(JSON.parse(refused.stderr)).toMatchObject({
        error: 'client.sector_identifier_required',
        message: expect.stringContaining('--sector-identifier-uri'),
      });
    });

    it('refuses a sector document that does not list every redirect URI', async () => {
      sectorDocument = ['https://portal.example/callback'];
      const refused = await cli([...ports, '--sector-identifier-uri', sectorUrl]);
      expect(refused.code).toBe(64);
      expect(JSON.parse(refused.stderr)).toMatchObject({
        error: 'client.invalid_metadata',
        message: expect.stringContaining('all registered redirect_uris must be included'),
      });
    });

    it('registers the portal on both ports; its sub comes from the sector host, and logins need no sector document', async () => {
      sectorDocument = ['https://portal.example/callback', 'https://portal.example:8443/callback'];
      const created = await cli([...ports, '--sector-identifier-uri', sectorUrl]);
      expect(created.code).toBe(0);
      const registered = JSON.parse(created.stdout);
      expect(registered.sector_identifier_uri).toBe(sectorUrl);

      // Checked when it was registered, not on every login: the document may go away.
      await new Promise<void>((resolve) => sectorServer.close(() => resolve()));
      const expected = sub('127.0.0.1', user.accountId);
      expect(await subAt(registered.client_id, registered.client_secret, 'https://portal.example/callback')).toBe(expected);
      expect(await subAt(registered.client_id, registered.client_secret, 'https://portal.example:8443/callback')).toBe(expected);
    });
  });
});
