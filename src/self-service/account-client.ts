import type { CreateClientInput } from '../clients/index.ts';
import { deriveKey } from '../shared/crypto.ts';

/** "Mein Bereich" is a client of Kontor itself (ARCHITECTURE.md: re-authentication is `max_age`, as for any portal). */
export const ACCOUNT_CLIENT_ID = 'kontor-account';
/** How the account area appears on Kontor's pages (login page "… um „Mein Bereich“ zu nutzen"). */
export const ACCOUNT_CLIENT_NAME = 'Mein Bereich';

/** The account client's secret: derived from KONTOR_SECRET, so no configuration or table holds it in the clear. */
export function accountClientSecret(secret: string): string {
  return deriveKey(secret, 'account-area-client-secret').toString('base64url');
}

/** Where the account area receives the code and where Kontor's logout sends the person back to. */
export function accountAreaUris(issuer: string): { redirectUri: string; postLogoutRedirectUri: string } {
  const base = issuer.replace(/\/$/, '');
  return { redirectUri: `${base}/account/callback`, postLogoutRedirectUri: `${base}/account/logged-out` };
}

/**
 * The registration of the account client: confidential (client_secret_basic), first party (no consent
 * page: the person is at Kontor itself), `openid` only (the area reads the account directly, nothing is
 * released), and a public `sub` (the account id: it never leaves Kontor, and the callback needs it).
 */
export function accountClientInput(issuer: string): CreateClientInput & { clientId: string } {
  const { redirectUri, postLogoutRedirectUri } = accountAreaUris(issuer);
  return {
    clientId: ACCOUNT_CLIENT_ID,
    name: ACCOUNT_CLIENT_NAME,
    redirectUris: [redirectUri],
    postLogoutRedirectUris: [postLogoutRedirectUri],
    clientUri: `${issuer.replace(/\/$/, '')}/account`,
    authMethod: 'client_secret_basic',
    grantTypes: ['authorization_code'],
    scopes: ['openid'],
    claims: [],
    firstParty: true,
    subjectType: 'public',
  };
}

/** What registering the account client needs from the clients domain (ClientService.createOrUpdate). */
export interface AccountClientRegistry {
  createOrUpdate(
    input: CreateClientInput & { clientId: string },
    validate: (metadata: Record<string, unknown>) => Promise<void>,
    source: 'config',
    secret: string,
  ): Promise<'created' | 'updated' | 'unchanged'>;
}

/**
 * Registers the account client, or brings it in line with the issuer and secret of this start. Runs on every
 * start in every mode (not only with dev features): "Mein Bereich" is part of Kontor, and a changed issuer
 * or KONTOR_SECRET must not leave a registration behind that no longer matches.
 */
export function registerAccountClient(
  clients: AccountClientRegistry,
  validate: (metadata: Record<string, unknown>) => Promise<void>,
  issuer: string,
  secret: string,
): Promise<'created' | 'updated' | 'unchanged'> {
  return clients.createOrUpdate(accountClientInput(issuer), validate, 'config', accountClientSecret(secret));
}
