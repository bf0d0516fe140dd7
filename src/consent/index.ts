export {
  ClaimsComposer,
  type ClaimStatus,
  type ClaimDecision,
  type Composition,
  type ComposeInput,
  type ReleaseRecorder,
} from './claims-composer.ts';
