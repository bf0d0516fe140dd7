import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestKontor } from './kontor.ts';
import { createDemoPortal } from '../../src/demo-portal/app.ts';
import { DEMO_ROLES } from '../../src/dev/seed.ts';

/**
 * Runs the demo relying portal ("Online-Dienste Musterstadt") for browser tests: listens on loopback first
 * (to learn the port), registers it as a client of `kontor`, then hands requests to the portal app.
 */
export interface RunningDemoPortal {
  server: Server;
  url: string;
  /** Stops listening and ends open (keep-alive) connections, as every suite's afterAll needs. */
  stop(): Promise<void>;
}

export async function startDemoPortal(kontor: TestKontor): Promise<RunningDemoPortal> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  // Same host name as Kontor's issuer (http://localhost:<port>), so cookies and redirects behave as in a real deployment.
  const url = `http://localhost:${(server.address() as AddressInfo).port}`;
  const { clientId, clientSecret } = await kontor.container.clients.create(
    {
      clientId: 'demo-portal-e2e',
      name: 'Online-Dienste Musterstadt',
      redirectUris: [`${url}/callback`],
      postLogoutRedirectUris: [`${url}/`],
      clientUri: `${url}/`,
      authMethod: 'client_secret_basic',
      grantTypes: ['authorization_code', 'refresh_token'],
      // As the development seed registers it: the portal asks sk_organisation (issue 19).
      scopes: ['openid', 'profile', 'email', 'sk_organisation'],
      roles: DEMO_ROLES,
      orgApproval: 'automatic',
    },
    kontor.container.validateClientMetadata,
  );
  if (!clientSecret) throw new Error('a client_secret_basic client must come with a secret');
  const app = await createDemoPortal({ issuer: kontor.url, clientId, clientSecret, baseUrl: url });
  server.on('request', app.callback());
  const stop = async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
  };
  return { server, url, stop };
}
