import type { Container } from '../container.ts';
import { deriveKey } from '../shared/crypto.ts';
import type { CreateClientInput } from '../clients/index.ts';
import type { OrganisationInput } from '../organisations/index.ts';

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
    // Organisations (issue 19): the portal asks sk_organisation and declares its roles; organisations may use
    // it at once (no authority to approve).
    scopes: ['openid', 'profile', 'email', 'sk_organisation'],
    roles: DEMO_ROLES,
    orgApproval: 'automatic',
  };
}

/** The demo portal's role catalogue. */
export const DEMO_ROLES = [
  {
    key: 'antragsteller',
    label: { de: 'Antragsteller', en: 'Applicant' },
    description: { de: 'Stellt Anträge für die Firma', en: 'Files applications for the company' },
  },
  {
    key: 'sachbearbeitung',
    label: { de: 'Sachbearbeitung', en: 'Case worker' },
    description: { de: 'Bearbeitet die Anträge der Firma', en: "Handles the company's applications" },
  },
];

/** The demo organisation (README quick start): Erika is its admin and may use the demo portal as `antragsteller`. */
export const DEMO_ORGANISATION: OrganisationInput = {
  name: 'Musterfirma GmbH',
  legalForm: 'gmbh',
  registerCourt: 'Amtsgericht Musterstadt',
  registerNumber: 'HRB 4711',
  street: 'Musterweg',
  houseNumber: '1',
  postalCode: '12345',
  city: 'Musterstadt',
  country: 'DE',
  contactEmail: 'info@musterfirma.example',
};

/**
 * Seeds the demo citizen and registers the demo relying portal ("Online-Dienste Musterstadt") as a
 * client. Runs only when dev features are on (never in production), on every start: the demo client's
 * URIs follow `KONTOR_DEMO_URL` (and its secret `KONTOR_SECRET`), so a start with another demo port
 * updates the registration an earlier start left behind instead of keeping the old port for good.
 */
export async function seedDevelopmentData(container: Container): Promise<void> {
  const { accounts, passwords, clients, config, logger } = container;
  let demo = await accounts.findByEmail(DEMO_ACCOUNT.email);
  if (!demo) {
    demo = await accounts.createVerified(DEMO_ACCOUNT, (em, accountId, password) => passwords.setPassword(em, accountId, password));
    logger.info({ email: DEMO_ACCOUNT.email }, 'seeded demo account');
    // Of age, so that she can be the demo organisation's first admin (issue 19).
    await accounts.recordOperatorBirthdate(demo.id, DEMO_BIRTHDATE);
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
  // With the demo client's registration (new, or changed by an upgrade), so a person who left it is not re-added on every start.
  if (outcome !== 'unchanged') await seedDemoOrganisation(container, demo.id);
}

/** Erika's birth date in the seed. */
const DEMO_BIRTHDATE = '1964-08-12';

/**
 * "Musterfirma GmbH" with Erika as admin, subscribed to the demo portal, Erika with the role `antragsteller`
 * (admins are users only where the organisation allows it, seed 002). Once, with the demo client; a
 * database where the account existed before has no birth date for her: she gets it here.
 */
async function seedDemoOrganisation(container: Container, accountId: string): Promise<void> {
  const { organisations, accounts, logger } = container;
  if ((await organisations.access.organisationsOf(accountId)).length) return;
  await accounts.recordOperatorBirthdate(accountId, DEMO_BIRTHDATE);
  const { organisationId } = await organisations.organisations.register(accountId, DEMO_ORGANISATION).catch((error: unknown) => {
    // E.g. the name is taken by an organisation she left: the demo goes on without one.
    logger.warn({ err: error }, 'demo organisation not seeded');
    return { organisationId: undefined };
  });
  if (!organisationId) return;
  await organisations.organisations.setAdminsMayUseServices(accountId, organisationId, true);
  await organisations.subscriptions.subscribe(accountId, organisationId, DEMO_CLIENT_ID);
  await organisations.assignments.assign(accountId, organisationId, { accountId }, DEMO_CLIENT_ID, ['antragsteller']);
  logger.info({ organisationId }, 'seeded demo organisation Musterfirma GmbH');
}
