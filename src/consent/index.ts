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
  ComposerDeps,
  Subject,
} from './claims-composer.ts';
export { claimCatalogue, SCOPE_CLAIMS, CLAIM_SCOPES, PROTOCOL_CLAIMS, type ClaimCatalogue, type ClaimScope } from './claim-catalogue.ts';
export { claimPolicyOf, DEFAULT_CLIENT_SCOPES, type ClientClaimPolicy } from './client-claim-policy.ts';
