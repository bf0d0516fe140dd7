export {
  TRUST_LEVELS,
  AUTHENTICATION_LEVELS,
  ordinalOf,
  meets,
  higherOf,
  lowerOf,
  levelNamed,
  type TrustLevel,
  type AuthenticationLevel,
} from './trust-level.ts';
export { BSI_ACR, EIDAS_ACR, ACR_LEVELS, levelOfAcr, acrValuesUpTo } from './acr-vocabulary.ts';
export { acrValuesOf, requirementOf, bindingBelow, acrToEmit, type AcrClaimRequest, type LevelRequirement, type RequirementOutcome } from './acr-policy.ts';
export {
  currentAuthentication,
  stepsStillHolding,
  secondsLeft,
  type AuthenticationStep,
  type CurrentAuthentication,
  type LevelLimits,
  type SessionLimits,
} from './session-limits.ts';
export { combineSteps, authnMeansOf, type AuthenticatorResult } from './authentication.ts';
