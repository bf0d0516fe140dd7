import { FederationRequest } from './federation-request.entity.ts';
export { FederationService, REQUEST_MINUTES, type CallbackOutcome, type FederationFailure, type UpstreamIdentity } from './federation.service.ts';
export { FederatedAccounts, type ReceivedAttribute } from './federated-accounts.service.ts';
export { UpstreamDirectory, UpstreamUnavailable, type UpstreamChoice } from './upstream-directory.ts';
export { UpstreamBackchannelLogout, type BackchannelDeps } from './backchannel-logout.ts';
export { acrValuesFor, highestLevel, mappedLevel } from './trust-mapping.ts';

/** The tables this domain owns; the ORM configuration (config/mikro-orm.ts) collects every domain's list. */
export const entities = [FederationRequest];
