import { OidcPayload } from './oidc-payload.entity.ts';
import { SigningKey } from './keys/signing-key.entity.ts';
export { createProvider, metadataValidator } from './provider.ts';
export { MikroOrmAdapter, purgeExpiredPayloads } from './mikro-orm-adapter.ts';
export { KeyService, type RotationResult } from './keys/key.service.ts';
export { LiveProvider } from './live-provider.ts';
export { SIGNING_ALGORITHMS, type SigningAlgorithm } from './keys/signing-key.entity.ts';
export {
  sessionAuthentication,
  trustOf,
  authenticationStepSchema,
  sessionLimitsOf,
  acrRequestOf,
  requirementOfInteraction,
  type SessionAuthentication,
  type LoginHandover,
} from './session-trust.ts';
export { LEVEL_BELOW_REQUIREMENT } from './trust-policy.ts';
export { withSessionReads } from './provider-internals.ts';
export { ORGANISATION_CHOICE, organisationHandoverSchema, wantsOrganisation, type OrganisationHandover } from './organisation-policy.ts';
export {
  ESSENTIAL_CLAIMS_UNAVAILABLE,
  consentModeOf,
  consentPreviewInput,
  unavailableDescription,
  unavailableEssentials,
  type ConsentMode,
  type UnavailableClaim,
} from './consent-policy.ts';
export { AccountSignOut, type SignOutReason } from './account-sign-out.ts';
export { AccountSessions, type LoginSessionSummary } from './account-sessions.ts';
export { forgetAccountArtifacts } from './account-forget.ts';
export { AccountArtifactsExport, type ExportedGrant, type ExportedSession } from './account-data.ts';
export { ArtifactIds } from './artifact-ids.ts';

/** The tables this domain owns; the ORM configuration (config/mikro-orm.ts) collects every domain's list, so src/db knows none. */
export const entities = [OidcPayload, SigningKey];
