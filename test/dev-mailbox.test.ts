import { networkInterfaces } from 'node:os';
import { startTestKontor, type TestKontor } from './helpers/kontor.ts';
import { rawRequest } from './helpers/raw-http.ts';

/** An address of this machine that is not loopback: a connection to it arrives from a non-loopback address. */
function ownNonLoopbackAddress(): string {
  const address = Object.values(networkInterfaces())
    .flat()
    .find((candidate) => candidate && !candidate.internal && candidate.family === 'IPv4');
  if (!address) throw new Error('this test needs a non-loopback IPv4 interface (the CI machines have eth0)');
  return address.address;
}

// The mailbox shows live confirmation and reset links without authentication: only the developer's own
// machine may read it, even if someone binds development to every interface (KONTOR_HOST=0.0.0.0).
describe('the development mailbox', () => {
  let kontor: TestKontor;
  let host: string;
  beforeAll(async () => {
    kontor = await startTestKontor('embedded', { KONTOR_DEV_FEATURES: 'true', KONTOR_HOST: '0.0.0.0' });
    host = new URL(kontor.url).host;
  });
  afterAll(() => kontor?.stop());

  it('answers requests from loopback', async () => {
    const response = await rawRequest(kontor.server, '/dev/mail', { headers: { host } });
    expect(response.status).toBe(200);
  });

  it('refuses requests that arrive from another address, whatever X-Forwarded-For says', async () => {
    for (const headers of [{ host }, { host, 'x-forwarded-for': '127.0.0.1' }] as Array<Record<string, string>>) {
      const response = await rawRequest(kontor.server, '/dev/mail', { headers, address: ownNonLoopbackAddress() });
      expect(response.status).toBe(403);
      expect(response.body).not.toContain('/register/confirm');
      expect((await rawRequest(kontor.server, '/dev/mail/some-id', { headers, address: ownNonLoopbackAddress() })).status).toBe(403);
    }
  });
});
