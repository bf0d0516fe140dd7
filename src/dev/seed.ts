import type { Container } from '../container.ts';
import { deriveKey } from '../shared/crypto.ts';

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

/**
 * Seeds the demo citizen and registers the demo relying portal ("Online-Dienste Musterstadt") as a
 * client. Idempotent; runs only when dev features are on (never in production).
 */
export async function seedDevelopmentData(container: Container): Promise<void> {
  const { accounts, passwords, clients, config, logger } = container;
  if (!(await accounts.findByEmail(DEMO_ACCOUNT.email))) {
    await accounts.createVerified(DEMO_ACCOUNT, (em, accountId, password) => passwords.setPassword(em, accountId, password));
    logger.info({ email: DEMO_ACCOUNT.email }, 'seeded demo account');
  }
  if (!(await clients.exists(DEMO_CLIENT_ID))) {
    const portal = config.demoPortal.url.replace(/\/$/, '');
    await clients.create(
      {
        clientId: DEMO_CLIENT_ID,
        name: 'Online-Dienste Musterstadt',
        redirectUris: [`${portal}/callback`],
        postLogoutRedirectUris: [`${portal}/`],
        clientUri: `${portal}/`,
        authMethod: 'client_secret_basic',
        grantTypes: ['authorization_code', 'refresh_token'],
      },
      container.validateClientMetadata,
      'dev-seed',
      demoClientSecret(config.secret),
    );
    logger.info({ clientId: DEMO_CLIENT_ID }, 'registered demo portal client');
  }
}
