import type { EntityManager } from '@mikro-orm/sql';
import type { AuditLog } from '../audit/index.ts';
import type { ServiceTerms } from '../clients/index.ts';
import type { Locale } from '../i18n/index.ts';
import type { Outbox } from '../mail/index.ts';
import type { RateLimiter, RateRule } from '../rate-limits/index.ts';
import type { Clock } from '../shared/clock.ts';
import type { VerificationService } from '../verification/index.ts';

/** A person as organisation checks and mail need them (from the accounts domain). */
export interface Person {
  id: string;
  email: string;
  emailVerified: boolean;
  givenName: string;
  familyName: string;
  salutation: 'ms' | 'mr' | null;
  locale: Locale;
}

/** The accounts domain's answers this domain needs; built in src/container.ts. */
export interface PersonDirectory {
  /** An active account, read in the caller's transaction; undefined when there is none, or it is pending or locked. */
  personOf(em: EntityManager, accountId: string): Promise<Person | undefined>;
  /** The account's `birthdate` attribute (`YYYY-MM-DD` or `YYYY`), if it has one (its own connection: call outside a transaction). */
  birthdateOf(accountId: string): Promise<string | undefined>;
}

/** Who acts: a person (an account) or the operator at the CLI, acting for a service's responsible authority. */
export type Actor = { kind: 'account'; accountId: string } | { kind: 'operator' };

export interface OrganisationDeps {
  em: EntityManager;
  audit: AuditLog;
  outbox: Outbox;
  verification: VerificationService;
  limiter: RateLimiter;
  people: PersonDirectory;
  /** A client's role catalogue and approval rule (ClientService.serviceTerms). */
  services: (clientId: string) => Promise<ServiceTerms | undefined>;
  clock: Clock;
  /** The operator's time zone: a person comes of age at local midnight. */
  timeZone: string;
  issuer: string;
  limits: { invitesPerOrganisation: RateRule; joinRequestsPerAccount: RateRule };
  /** How long an invitation link is valid (seed 001: 24 h). */
  invitationHours: number;
}
