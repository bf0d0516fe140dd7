export { AccountDeletionService, type AccountDeletionDeps, type DeletionStep, type DeletedAccount } from './account-deletion.service.ts';
export { deletedAccountPseudonym, DELETED_PREFIX } from './account-pseudonym.ts';
