export {
  ClaimsComposer,
  type ClaimStatus,
  type ClaimDecision,
  type Composition,
  type ComposeInput,
  type ReleaseRecorder,
} from './claims-composer.ts';
export type {
  ClaimContributor,
  ContributedAttribute,
  ContributionContext,
  ComposerDeps,
  Subject,
} from './claims-composer.ts';
export { claimCatalogue, SCOPE_CLAIMS, CLAIM_SCOPES, PROTOCOL_CLAIMS, type ClaimCatalogue, type ClaimScope } from './claim-catalogue.ts';
export { claimPolicyOf, DEFAULT_CLIENT_SCOPES, type ClientClaimPolicy } from './client-claim-policy.ts';
export { ReleaseLedger, type Release, type ServiceReleases } from './release-ledger.service.ts';
export type { LedgerRow } from './release-ledger.repository.ts';
export { RELEASE_USES, type ReleaseUse, type LedgerClaim } from './release-ledger.entity.ts';
import { ReleaseLedgerEntry } from './release-ledger.entity.ts';

/** The tables this domain owns; the ORM configuration (config/mikro-orm.ts) collects every domain's list. */
export const entities = [ReleaseLedgerEntry];
