import { OidcPayload } from '../oidc/oidc-payload.entity.ts';
import { SigningKey } from '../oidc/keys/signing-key.entity.ts';
import { Account } from '../accounts/account.entity.ts';
import { PasswordCredential } from '../credentials/password-credential.entity.ts';
import { OidcClient } from '../clients/client.entity.ts';

/** Every entity of the schema; migrations are generated from exactly this list. */
export const entities = [OidcPayload, SigningKey, Account, PasswordCredential, OidcClient];
