import { OidcClient } from './client.entity.ts';
export { ClientService, type CreatedClient, type ClientSummary, type MetadataValidator } from './client.service.ts';
export { ClientStoreAdapter } from './client-store.adapter.ts';
export {
  ORG_APPROVAL_MODES,
  parseRoleFlag,
  ROLE_KEY,
  roleCatalogue,
  serviceTermsOf,
  type OrgApproval,
  type OrganisationTermsInput,
  type RoleDefinition,
  type ServiceTerms,
} from './role-catalogue.ts';
export { AUTH_METHODS, GRANT_TYPES, ID_TOKEN_ALGORITHMS, type CreateClientInput } from './client.schemas.ts';

/** The tables this domain owns; the ORM configuration (config/mikro-orm.ts) collects every domain's list, so src/db knows none. */
export const entities = [OidcClient];
