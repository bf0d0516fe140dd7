import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDevUpstreams, EXAMPLE_STATES } from '../src/example-upstream/dev-upstreams.ts';
import { PortUnavailable } from '../src/shared/listen.ts';
import { createLogger } from '../src/shared/logger.ts';
import { BrowserAgent } from './helpers/browser-agent.ts';

// `npm start`'s two example federal states (issue 18): two child processes on a base port and the next,
// Kontor registered at each as the client `kontor`.
const KONTOR = 'http://localhost:3999';
const logger = createLogger('silent');

const listenOn = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
const close = (server: Server) => new Promise((resolve) => server.close(resolve));

/** A port whose successor is free as well (asked of the system, then released). */
async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const first = await listenOn(0);
    const port = (first.address() as AddressInfo).port;
    const second = await listenOn(port + 1).catch(() => undefined);
    await close(first);
    if (second) {
      await close(second);
      return port;
    }
  }
  throw new Error('no two consecutive free ports');
}

describe('startDevUpstreams', () => {
  it('starts Servicekonto Nordland and Südland as processes with Kontor as their client, without test controls', async () => {
    const basePort = await freePortPair();
    const dev = await startDevUpstreams({ kontorIssuer: KONTOR, basePort, secret: 'development-secret-0123456789-abcdef', logger });
    try {
      expect(dev.upstreams.map((upstream) => [upstream.id, upstream.issuer])).toEqual([
        ['nordland', `http://127.0.0.1:${basePort}`],
        ['suedland', `http://127.0.0.1:${basePort + 1}`],
      ]);
      for (const [index, upstream] of dev.upstreams.entries()) {
        const discovery = (await (await fetch(`${upstream.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
        expect(discovery.issuer).toBe(upstream.issuer);
        expect(discovery.acr_values_supported).toEqual(upstream.acrValues);
        expect(upstream.clientSecret).toMatch(/^[\w-]{43}$/);
        expect((await fetch(`${upstream.issuer}/__control`, { method: 'POST', body: '{}' })).status).toBe(404);
        // Kontor's federation callback is registered: the authorization request opens the state's login page.
        const agent = new BrowserAgent(upstream.issuer);
        const url = new URL(`${upstream.issuer}/auth`);
        url.search = new URLSearchParams({
          client_id: upstream.clientId,
          response_type: 'code',
          scope: 'openid profile',
          redirect_uri: `${KONTOR}/federation/${upstream.id}/callback`,
          code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
          code_challenge_method: 'S256',
          state: 'abc',
        }).toString();
        const page = await agent.follow(await agent.get(url.href));
        expect(page.status).toBe(200);
        expect(page.body).toContain(`<h1>${EXAMPLE_STATES[index]!.name.de}</h1>`);
      }
      // Derived from the secret passed in, one per state.
      expect(dev.upstreams[0]!.clientSecret).not.toBe(dev.upstreams[1]!.clientSecret);
    } finally {
      await dev.close();
    }
  });

  it('names KONTOR_DEMO_UPSTREAM_PORT when a port is taken, and leaves nothing running', async () => {
    const basePort = await freePortPair();
    const blocker = await listenOn(basePort + 1);
    try {
      const started = startDevUpstreams({ kontorIssuer: KONTOR, basePort, secret: 'development-secret-0123456789-abcdef', logger });
      await expect(started).rejects.toBeInstanceOf(PortUnavailable);
      await expect(started).rejects.toThrow(
        /^Port \d+ \(Servicekonto Südland\) on 127\.0\.0\.1 is not available: set KONTOR_DEMO_UPSTREAM_PORT to a free port/,
      );
      // Nordland, started first, was stopped again: its port is free.
      await close(await listenOn(basePort));
    } finally {
      await close(blocker);
    }
  });
});
