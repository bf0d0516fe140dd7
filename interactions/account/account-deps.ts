import type Provider from 'oidc-provider';
import type { AccountLockService, AccountService, EmailChangeService, ProfileUpdateService } from '../../src/accounts/index.ts';
import type { ProfileField } from '../../config/registration.ts';
import type { ServiceTerms } from '../../src/clients/index.ts';
import type { ReleaseLedger } from '../../src/consent/index.ts';
import type { Organisations } from '../../src/organisations/index.ts';
import type { PasswordPolicy } from '../../config/registration.ts';
import type { PasswordChangeService, SecondFactorService } from '../../src/credentials/index.ts';
import type { Views } from '../../src/http/views.ts';
import type { OrganisationDrafts } from './organisations/registration-draft.ts';
import type { AccountSessions, AccountSignOut } from '../../src/oidc/index.ts';
import type { AccountAreaSessions, AccountDeletionService, AccountLogin, DataExportService } from '../../src/self-service/index.ts';
import type { Clock } from '../../src/shared/clock.ts';
import type { Logger } from '../../src/shared/logger.ts';
import type { AuthenticationLevel } from '../../src/trust/index.ts';

/**
 * What the pages of "Mein Bereich" (`/account…`) need. The sessions that add pages (profile, e-mail,
 * password, second factor, lock, deletion, export) add their services here as further fields.
 */
export interface AccountAreaDeps {
  readonly provider: Provider;
  views: Views;
  clock: Clock;
  logger: Logger;
  accounts: Pick<AccountService, 'findById'>;
  secondFactors: Pick<SecondFactorService, 'factorsOf'>;
  /** The area's own sessions (table account_area_session). */
  areaSessions: AccountAreaSessions;
  /** The code flow with Kontor's own issuer. */
  accountLogin: AccountLogin;
  /** The account's IdP login sessions (guard, sessions list). */
  loginSessions: Pick<AccountSessions, 'list' | 'findByClientSid'>;
  signOut: Pick<AccountSignOut, 'endSessions' | 'grantedClients' | 'revokeClient'>;
  releases: Pick<ReleaseLedger, 'byService'>;
  /** B: "Meine persönlichen Daten" and "E-Mail-Adresse ändern" (issue 17 items 3, 4). */
  profileUpdates: Pick<ProfileUpdateService, 'view' | 'update'>;
  emailChanges: Pick<EmailChangeService, 'requestEmailChange' | 'peek' | 'confirmEmailChange'>;
  /** Deletes the account at once (brief E, /account/delete). */
  accountDeletion: Pick<AccountDeletionService, 'delete'>;
  /** D: locking the account (/account/lock). */
  accountLock: Pick<AccountLockService, 'lock'>;
  /** D: "my data" (/account/export). */
  dataExport: Pick<DataExportService, 'exportFor'>;
  /** Issue 19: the organisations domain (its services check admin rights themselves). */
  organisations: Organisations;
  /** H2: the organisation registration's draft between the form and the review step. */
  organisationDrafts: OrganisationDrafts;
  /** A client's name as people see it. */
  clientName: (clientId: string) => Promise<string | undefined>;
  // Password and second factor (issue 17 items 5 and 6; interactions/account/password.ts, second-factor*.ts).
  passwordChange: Pick<PasswordChangeService, 'changePassword'>;
  secondFactorChanges: Pick<
    SecondFactorService,
    | 'overviewOf'
    | 'startTotpEnrolment'
    | 'pendingTotpEnrolment'
    | 'confirmTotpChange'
    | 'sendEnrolmentCode'
    | 'confirmEmailChange'
    | 'replaceRecoveryCodes'
    | 'removeSecondFactor'
  >;
  credentialSettings: {
    passwordPolicy: PasswordPolicy;
    /** config `secondFactor.required`: the factor can be switched, never removed. */
    secondFactorRequired: boolean;
    /** config `secondFactor.emailCodeMinutes`, as the e-mail code page says it. */
    emailCodeMinutes: number;
  };
  /** H3: the services an organisation may subscribe to — every client that declares a role catalogue. */
  organisationServices: () => Promise<ServiceTerms[]>;
  settings: {
    issuer: string;
    secureCookies: boolean;
    /** config `account.reauthMinutes`: how old a login may be for a change. */
    reauthMinutes: number;
    /** config `secondFactor.level`: what a change needs of the login of an account with a second factor (isFresh). */
    secondFactorLevel: AuthenticationLevel;
    /** D: config `account.unlockLinkDays` (the lock page says how long the mailed link works). */
    unlockLinkDays: number;
    /**
     * After this long without an authorization request (the IdP session's last use), a page load passes
     * through the login again so the IdP session's idle limit (`session.idleMinutes`) starts anew.
     */
    refreshAfterSeconds: number;
    /** IANA zone of times on the pages (config `timeZone`). */
    timeZone: string;
    /** B: the deployment's profile fields (config `registration.profileFields`). */
    profileFields: ProfileField[];
    /** B: lifetime of the e-mail change link (config `registration.confirmationHours`). */
    emailChangeHours: number;
    /** B: the e-mail change request is padded to this (the same timing for a free and a taken address). */
    minimumResponseMs: number;
  };
}

/** What the guard `requireAccount` puts into `ctx.state.account` for every page behind it. */
export interface AccountAreaContext {
  accountId: string;
  session: {
    /** The account-area session's id (the keyed hash of its cookie token). */
    id: string;
    /** The login's `auth_time` (epoch seconds, by the container's clock). */
    authTime: number;
    amr: string[];
    acr: string | null;
    /** The ID token's `sid`: the IdP session this one lives in. */
    idpSid: string;
    /** That IdP session's `uid` (what `signOut.endSessions` takes). */
    idpUid: string;
  };
  /** A confirmed second factor (TOTP app or e-mail code): a change then needs a login with it. */
  hasSecondFactor: boolean;
}
