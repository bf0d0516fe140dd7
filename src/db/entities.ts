import { OidcPayload } from '../oidc/oidc-payload.entity.ts';
import { SigningKey } from '../oidc/keys/signing-key.entity.ts';
import { Account } from '../accounts/account.entity.ts';
import { AccountConsent } from '../accounts/account-consent.entity.ts';
import { PasswordCredential } from '../credentials/password-credential.entity.ts';
import { OidcClient } from '../clients/client.entity.ts';
import { VerificationToken } from '../verification/verification-token.entity.ts';
import { OutboxMail } from '../mail/outbox-mail.entity.ts';
import { AuditEvent } from '../audit/audit-event.entity.ts';
import { RateLimitCounter } from '../rate-limits/rate-limit-counter.entity.ts';
import { LoginThrottle } from '../rate-limits/login-throttle.entity.ts';

/** Every entity of the schema; migrations are generated from exactly this list. */
export const entities = [OidcPayload, SigningKey, Account, AccountConsent, PasswordCredential, OidcClient, VerificationToken, OutboxMail, AuditEvent, RateLimitCounter, LoginThrottle];
