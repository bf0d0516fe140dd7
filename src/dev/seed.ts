import type { Container } from '../container.ts';
import { deriveKey } from '../shared/crypto.ts';
import type { CreateClientInput } from '../clients/index.ts';

/** The demo citizen named in the README (development mode only). */
export const DEMO_ACCOUNT = {
  email: 'erika.mustermann@example.org',
  password: 'Musterstadt-2026',
  givenName: 'Erika',
  familyName: 'Mustermann',
} as const;

export const DEMO_CLIENT_ID = 'demo-portal';

/** The demo portal's client secret: derived, so both sides know it without storing it anywhere. */
export function demoClientSecret(secret: string): string {
  return deriveKey(secret, 'demo-portal-client-secret').toString('base64url');
}

/** The demo portal's registration for the portal at `demoUrl` (KONTOR_DEMO_URL). */
export function demoClientInput(demoUrl: string): CreateClientInput & { clientId: string } {
  const portal = demoUrl.replace(/\/$/, '');
  return {
    clientId: DEMO_CLIENT_ID,
    name: 'Online-Dienste Musterstadt',
    redirectUris: [`${portal}/callback`],
    postLogoutRedirectUris: [`${portal}/`],
    clientUri: `${portal}/`,
    authMethod: 'client_secret_basic',
    grantTypes: ['authorization_code', 'refresh_token'],
  };
}

/**
 * Seeds the demo citizen and registers the demo relying portal ("Online-Dienste Musterstadt") as a
 * client. Runs only when dev features are on (never in production), on every start: the demo client's
 * URIs follow `KONTOR_DEMO_URL` (and its secret `KONTOR_SECRET`), so a start with another demo port
 * updates the registration an earlier start left behind instead of keeping the old port for good.
 */
export async function seedDevelopmentData(container: Container): Promise<void> {
  const { accounts, passwords, clients, config, logger } = container;
  if (!(await accounts.findByEmail(DEMO_ACCOUNT.email))) {
    await accounts.createVerified(DEMO_ACCOUNT, (em, accountId, password) => passwords.setPassword(em, accountId, password));
    logger.info({ email: DEMO_ACCOUNT.email }, 'seeded demo account');
  }
  const outcome = await clients.createOrUpdate(
    demoClientInput(config.demoPortal.url),
    container.validateClientMetadata,
    'dev-seed',
    demoClientSecret(config.secret),
  );
  if (outcome !== 'unchanged')
    logger.info(
      { clientId: DEMO_CLIENT_ID, url: config.demoPortal.url },
      outcome === 'created' ? 'registered demo portal client' : 'updated demo portal client to KONTOR_DEMO_URL',
    );
}
