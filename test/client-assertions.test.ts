import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { registerClient } from './helpers/relying-party.ts';

/** The portal's published JWKS, on loopback. */
async function jwksEndpoint(jwks: unknown): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`, server };
}

/** A form POST with a chosen Host header (fetch does not let a caller set one). */
function postForm(url: string, form: Record<string, string>, host?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const target = new URL(url);
  const payload = new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        hostname: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(payload), host: host ?? target.host },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => {
          let body: Record<string, unknown> = {};
          try {
            body = JSON.parse(text) as Record<string, unknown>;
          } catch {
            // not JSON (e.g. a plain 421): no token in it either
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('private_key_jwt client assertions', () => {
  let kontor: TestKontor;
  let endpoint: { url: string; server: Server };
  let privateKey: CryptoKey;
  let clientId: string;

  beforeAll(async () => {
    kontor = await startTestKontor('postgres');
    const pair = await generateKeyPair('ES256', { extractable: true });
    privateKey = pair.privateKey;
    endpoint = await jwksEndpoint({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'rp-key-1', alg: 'ES256', use: 'sig' }] });
    const client = await registerClient(kontor, {
      redirectUris: [],
      postLogoutRedirectUris: [],
      grantTypes: ['client_credentials'],
      authMethod: 'private_key_jwt',
      jwksUri: endpoint.url,
    });
    clientId = client.clientId;
  });
  afterAll(async () => {
    endpoint?.server.close();
    await kontor?.stop();
  });

  /** Signs an assertion for the test client; `claims` overrides or (undefined) removes the defaults. */
  async function assertion(claims: Record<string, unknown> = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const all: Record<string, unknown> = { iss: clientId, sub: clientId, aud: kontor.url, jti: randomUUID(), iat: now, exp: now + 60, ...claims };
    const defined = Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined));
    return new SignJWT(defined).setProtectedHeader({ alg: 'ES256', kid: 'rp-key-1' }).sign(privateKey);
  }

  const tokenRequest = async (clientAssertion: string, host?: string) =>
    postForm(
      `${kontor.url}/token`,
      {
        grant_type: 'client_credentials',
        client_id: clientId,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: clientAssertion,
      },
      host,
    );

  function expectNoToken(response: { status: number; body: Record<string, unknown> }): void {
    expect(response.status).not.toBe(200);
    expect(response.body.access_token).toBeUndefined();
  }

  it('issues a token for a short-lived assertion addressed to the issuer or its token endpoint', async () => {
    const toIssuer = await tokenRequest(await assertion());
    expect(toIssuer.status).toBe(200);
    expect(toIssuer.body.access_token).toEqual(expect.any(String));
    const toTokenEndpoint = await tokenRequest(await assertion({ aud: `${kontor.url}/token` }));
    expect(toTokenEndpoint.status).toBe(200);
  });

  it('refuses an assertion addressed to another server even when the request names that server as Host', async () => {
    expectNoToken(await tokenRequest(await assertion({ aud: 'http://evil.example/token' }), 'evil.example'));
    expectNoToken(await tokenRequest(await assertion({ aud: 'http://evil.example' }), 'evil.example'));
  });

  it('refuses an assertion addressed to another server on the real host, also as one of several audiences', async () => {
    const foreign = await tokenRequest(await assertion({ aud: 'http://evil.example/token' }));
    expect(foreign.status).toBe(401);
    expect(foreign.body.error).toBe('invalid_client');
    const mixed = await tokenRequest(await assertion({ aud: [kontor.url, 'http://evil.example/token'] }));
    expect(mixed.status).toBe(401);
    expect(mixed.body.error).toBe('invalid_client');
  });

  it('refuses an assertion valid for an hour', async () => {
    const now = Math.floor(Date.now() / 1000);
    const response = await tokenRequest(await assertion({ iat: now, exp: now + 3600 }));
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('invalid_client');
  });

  it('refuses an assertion without iat', async () => {
    const response = await tokenRequest(await assertion({ iat: undefined }));
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('invalid_client');
  });

  it('refuses an assertion without jti and one used twice', async () => {
    const withoutJti = await tokenRequest(await assertion({ jti: undefined }));
    expect(withoutJti.status).toBe(401);
    expect(withoutJti.body.error).toBe('invalid_client');
    const once = await assertion();
    expect((await tokenRequest(once)).status).toBe(200);
    const replayed = await tokenRequest(once);
    expect(replayed.status).toBe(401);
    expect(replayed.body.error).toBe('invalid_client');
  });
});
