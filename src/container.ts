import { AppError } from './shared/app-error.ts';
import type Provider from 'oidc-provider';
import type { LoadedConfig } from '../config/index.ts';
import { resolvePasswordPolicy, type PasswordPolicy } from '../config/registration.ts';
import type { Database } from './db/orm.ts';
import {
  AccountAttributeReader,
  AccountLockService,
  AccountRepository,
  AccountService,
  EmailChangeService,
  ProfileUpdateService,
  RegistrationService,
} from './accounts/index.ts';
import { AuditLog } from './audit/index.ts';
import { ClientService } from './clients/index.ts';
import { ClaimsComposer, ReleaseLedger, type ReleaseRecorder } from './consent/index.ts';
import {
  CredentialService,
  EmailCodes,
  FactorNotices,
  LoginService,
  PasswordChangeService,
  PasswordHasher,
  PasswordResetService,
  PasswordService,
  RecoveryCodes,
  SecondFactorService,
  TotpCredentials,
} from './credentials/index.ts';
import { MailDispatcher, MailRenderer, Outbox } from './mail/index.ts';
import {
  AccountArtifactsExport,
  AccountSessions,
  AccountSignOut,
  createProvider,
  KeyService,
  LiveProvider,
  metadataValidator,
  sessionLimitsOf,
} from './oidc/index.ts';
import { createOrganisations, type Organisations, type PersonDirectory } from './organisations/index.ts';
import { LoginThrottleService, RateLimiter } from './rate-limits/index.ts';
import { AccountAreaSessions, AccountDeletionService, AccountLogin, DataExportService } from './self-service/index.ts';
import { VerificationService } from './verification/index.ts';
import { FederatedAccounts, FederationService, UpstreamBackchannelLogout, UpstreamDirectory } from './federation/index.ts';
import { Views } from './http/views.ts';
import { systemClock, type Clock } from './shared/clock.ts';
import type { Logger } from './shared/logger.ts';

export interface Container {
  config: LoadedConfig;
  logger: Logger;
  db: Database;
  /** The time services judge expiry by; tests pass a TestClock and advance it. */
  clock: Clock;
  views: Views;
  /** The provider in use now; see LiveProvider for why it can change. */
  readonly provider: Provider;
  live: LiveProvider;
  accounts: AccountService;
  clients: ClientService;
  passwords: PasswordService;
  passwordPolicy: PasswordPolicy;
  keys: KeyService;
  audit: AuditLog;
  verification: VerificationService;
  outbox: Outbox;
  mailDispatcher: MailDispatcher;
  rateLimiter: RateLimiter;
  loginThrottle: LoginThrottleService;
  logins: LoginService;
  registration: RegistrationService;
  passwordReset: PasswordResetService;
  /** "Meine persönlichen Daten": names and profile fields edited with the registration's rules, locked fields kept. */
  profileUpdates: ProfileUpdateService;
  /** The login address changed through a link to the new address (seed 001 "E-Mail-Adresse ändern"). */
  emailChanges: EmailChangeService;
  /** Password change in the account area (current password, policy, other sessions end). */
  passwordChange: PasswordChangeService;
  /** The account's credentials as a whole (list, remove without locking the person out). */
  credentials: CredentialService;
  /** The second factor at login and its enrolment (TOTP app, e-mailed code, recovery codes). */
  secondFactors: SecondFactorService;
  /** Ends everything of an account: sessions (with back-channel logout), grants, tokens, codes. */
  signOut: AccountSignOut;
  /** Locking and unlocking an account (the person, by mailed link, or an operator). */
  accountLock: AccountLockService;
  /** "My data": everything Kontor holds about an account, as one JSON document. */
  dataExport: DataExportService;
  /** The release ledger: what left Kontor, to whom, at which level (names, never values). */
  releases: ReleaseLedger;
  validateClientMetadata: (metadata: Record<string, unknown>) => Promise<void>;
  /** Decides what leaves Kontor (ID token, userinfo, the consent page's preview). */
  composer: ClaimsComposer;
  /** Where every release is recorded (the release ledger). */
  releaseRecorder: ReleaseRecorder;
  /** "Mein Bereich": its own sessions (table account_area_session), judged by the clock. */
  accountAreaSessions: AccountAreaSessions;
  /** "Mein Bereich": its code flow with Kontor's own issuer (openid-client). */
  accountLogin: AccountLogin;
  /** An account's live login sessions (the IdP's), for the account area's guard and sessions list. */
  accountSessions: AccountSessions;
  /** Login with another state's service account; absent when no upstream is configured and enabled. */
  federation?: FederationParts;
  /** Organisations: registration, members, invitations, requests, groups, services, roles, the login's access rule. */
  organisations: Organisations;
  /** Deletes an account at once, everything of it (issue 17 item 9); ledger and audit keep a pseudonym. */
  accountDeletion: AccountDeletionService;
}

export interface FederationParts {
  directory: UpstreamDirectory;
  service: FederationService;
  accounts: FederatedAccounts;
  backchannel: UpstreamBackchannelLogout;
}

/** The federation services, when the configuration names enabled upstreams. */
function federationParts(
  config: LoadedConfig,
  deps: {
    em: Database['orm']['em'];
    clock: Clock;
    logger: Logger;
    audit: AuditLog;
    accounts: AccountService;
    credentials: CredentialService;
    signOut: AccountSignOut;
    rateLimiter: RateLimiter;
  },
): FederationParts | undefined {
  // Plain http to upstreams on this machine only outside production (the demo providers, tests).
  const directory = new UpstreamDirectory(config.federation.upstreams, { allowLoopbackHttp: config.env !== 'production' });
  if (!directory.any) return undefined;
  const service = new FederationService({ em: deps.em, directory, issuer: config.issuer, secret: config.secret, clock: deps.clock, logger: deps.logger });
  const accounts = new FederatedAccounts({
    em: deps.em,
    accounts: deps.accounts,
    credentials: deps.credentials,
    audit: deps.audit,
    consents: config.registration.consents,
    finishRequest: (tx, requestId) => service.finish(tx, requestId),
  });
  const backchannel = new UpstreamBackchannelLogout({
    directory,
    clock: deps.clock,
    logger: deps.logger,
    accountOf: (issuer, subject) => deps.credentials.accountOfFederated(issuer, subject),
    endSessions: (input) => deps.signOut.endUpstreamSessions(input),
    // One hit per token id within the window: the rate-limit counters double as the jti replay cache.
    rememberJti: async (upstreamId, jti) =>
      (await deps.rateLimiter.hit('federation-logout-jti', `${upstreamId} ${jti}`, { limit: 1, windowSeconds: 3600 })).allowed,
  });
  return { directory, service, accounts, backchannel };
}

/**
 * How long a superseded key stays published after its successor activates: instances may sign with it for
 * up to one reload period more, and its tokens live for the longest token lifetime; plus clock skew.
 */
function keyOverlapSeconds(config: LoadedConfig): number {
  return config.keys.overlapSeconds ?? Math.max(config.tokens.idTokenSeconds, config.tokens.accessTokenSeconds) + config.keys.reloadSeconds + 300;
}

/** What the organisations domain asks the accounts domain: the person (in the caller's transaction) and the birth date. */
function personDirectory(attributes: AccountAttributeReader): PersonDirectory {
  return {
    async personOf(em, accountId) {
      const account = await new AccountRepository(em).findById(accountId);
      if (account?.status !== 'active') return undefined;
      const { id, email, emailVerified, givenName, familyName, salutation } = account;
      return { id, email, emailVerified, givenName, familyName, salutation: salutation ?? null, locale: account.locale === 'en' ? 'en' : 'de' };
    },
    async birthdateOf(accountId) {
      const birthdate = (await attributes.attributesOf(accountId))?.find((attribute) => attribute.name === 'birthdate')?.value;
      return typeof birthdate === 'string' ? birthdate : undefined;
    },
  };
}

/** The composition root: builds every service once, with narrow dependencies. */
export async function createContainer(config: LoadedConfig, logger: Logger, db: Database, clock: Clock = systemClock): Promise<Container> {
  const em = db.orm.em;
  const keys = new KeyService(em, config.secret, keyOverlapSeconds(config));
  const created = await keys.ensureActiveKeys();
  if (created.length) logger.info({ kids: created }, 'generated signing keys');

  const hasher = new PasswordHasher(
    { memoryKiB: config.password.argon2MemoryKiB, timeCost: config.password.argon2TimeCost, parallelism: config.password.argon2Parallelism },
    { maxConcurrent: config.password.maxConcurrentHashes, maxQueued: config.password.maxQueuedHashes },
  );
  await hasher.warmUp();
  const accounts = new AccountService(em);
  const clients = new ClientService(em, config.secret, config.env === 'production');
  const passwords = new PasswordService(em, hasher);
  const passwordPolicy = resolvePasswordPolicy(config.registration.passwordPolicy);
  const views = new Views(undefined, { timeZone: config.timeZone });
  const audit = new AuditLog();
  const attributes = new AccountAttributeReader(em, config.registration.profileFields);
  const verification = new VerificationService(em, config.secret, clock);
  const rateLimiter = new RateLimiter(em, config.secret);
  const outbox = new Outbox(em, new MailRenderer({ name: config.operator.name, contact: config.operator.contact }), config.secret, {
    limiter: rateLimiter,
    perRecipient: config.mail.perRecipient,
    logger,
  });
  const organisations = createOrganisations({
    em,
    audit,
    outbox,
    verification,
    limiter: rateLimiter,
    people: personDirectory(attributes),
    services: (clientId) => clients.serviceTerms(clientId),
    clock,
    timeZone: config.timeZone,
    issuer: config.issuer,
    limits: {
      invitesPerOrganisation: config.rateLimits.organisationInvitesPerOrganisation,
      joinRequestsPerAccount: config.rateLimits.organisationJoinRequestsPerAccount,
    },
    invitationHours: 24,
  });
  const composer = new ClaimsComposer({
    account: attributes,
    // sk_org and sk_org_roles: the chosen organisation and the requesting client's roles there.
    contributors: [organisations.access],
    clientMetadata: (clientId) => clients.findMetadata(clientId),
  });
  const releases = new ReleaseLedger(em, config.ledger, clock);
  // Every release goes to the release ledger.
  const releaseRecorder: ReleaseRecorder = releases;
  const live = await LiveProvider.create(
    (jwks) =>
      createProvider({
        config,
        em,
        jwks,
        clients,
        views,
        audit,
        logger,
        clock,
        composer,
        releases: releaseRecorder,
        organisationAccess: async (accountId, organisationId, clientId) =>
          (await organisations.access.accessDecision(accountId, organisationId, clientId)).allowed,
      }),
    keys,
  );

  const mailDispatcher = new MailDispatcher(
    em,
    outbox,
    {
      smtpUrl: config.mail.smtpUrl,
      from: config.mail.from,
      messageIdHost: new URL(config.issuer).hostname,
      intervalSeconds: config.mail.dispatchIntervalSeconds,
      retryBaseSeconds: config.mail.retryBaseSeconds,
      maxAttempts: config.mail.maxAttempts,
    },
    logger,
    clock,
  );
  const limits = config.rateLimits;
  const loginThrottle = new LoginThrottleService(em, config.secret, {
    failuresBeforeDelay: limits.loginFailuresBeforeDelay,
    delayBaseSeconds: limits.loginDelayBaseSeconds,
    delayMaxSeconds: limits.loginDelayMaxSeconds,
  });
  const secondFactors = new SecondFactorService({
    em,
    totp: new TotpCredentials(config.secret, config.operator.name, clock),
    recoveryCodes: new RecoveryCodes(config.secret, clock),
    emailCodes: new EmailCodes({
      em,
      verification,
      outbox,
      settings: { minutes: config.secondFactor.emailCodeMinutes, attempts: config.secondFactor.emailCodeAttempts },
    }),
    // The same doubling delays as the password's, from the second factor's own threshold, counted per account.
    throttle: new LoginThrottleService(em, config.secret, {
      failuresBeforeDelay: config.secondFactor.failuresBeforeDelay,
      delayBaseSeconds: limits.loginDelayBaseSeconds,
      delayMaxSeconds: limits.loginDelayMaxSeconds,
    }),
    limiter: rateLimiter,
    perIp: limits.secondFactorPerIp,
    audit,
    level: config.secondFactor.level,
    required: config.secondFactor.required,
    notices: new FactorNotices(outbox, config.issuer),
  });
  const credentials = new CredentialService(em, audit);
  const logins = new LoginService({ em, passwords, throttle: loginThrottle, limiter: rateLimiter, audit, perIp: limits.loginPerIp });
  // Mail names the portal a person came from by its registered name.
  const portalName = (clientId: string | null | undefined) => clients.displayName(clientId);
  const signOut = new AccountSignOut(em, () => live.current, audit, logger);
  const registration = new RegistrationService({
    em,
    storePasswordHash: (tx, accountId, hash) => passwords.storeHash(tx, accountId, hash),
    verifyPassword: (accountId, password) => passwords.verifyFor(accountId, password),
    verification,
    outbox,
    audit,
    consents: config.registration.consents,
    rules: { usernameMode: config.registration.usernameMode, profileFields: config.registration.profileFields },
    issuer: config.issuer,
    confirmationHours: config.registration.confirmationHours,
    clock,
    portalName,
  });
  const passwordReset = new PasswordResetService({
    em,
    passwords,
    verification,
    outbox,
    audit,
    throttle: loginThrottle,
    policy: passwordPolicy,
    issuer: config.issuer,
    resetMinutes: config.registration.resetMinutes,
    // A new password ends everything the old one may have let an intruder obtain, not only the sessions.
    endSessions: (accountId) => signOut.endEverything(accountId, 'password_reset'),
    portalName,
  });
  const profileUpdates = new ProfileUpdateService({ em, audit, profileFields: config.registration.profileFields, clock });
  const emailChanges = new EmailChangeService({
    em,
    verification,
    outbox,
    audit,
    limiter: rateLimiter,
    limits: { perIp: limits.emailChangePerIp, perAccount: limits.emailChangePerAccount },
    issuer: config.issuer,
    // The registration's confirmation period (24 h by default), as seed 001 gives the link.
    hours: config.registration.confirmationHours,
    timeZone: config.timeZone,
    clock,
  });
  const accountLock = new AccountLockService({
    em,
    verification,
    outbox,
    audit,
    issuer: config.issuer,
    unlockLinkDays: config.account.unlockLinkDays,
    endEverything: (accountId) => signOut.endEverything(accountId, 'account_locked'),
  });
  const artifacts = new AccountArtifactsExport(em, sessionLimitsOf(config.session));
  const dataExport = new DataExportService({
    account: (accountId) => accounts.exportOf(accountId),
    credentials: (accountId) => credentials.list(accountId),
    grants: (accountId, now) => artifacts.grantsOf(accountId, now),
    sessions: (accountId, now) => artifacts.sessionsOf(accountId, now),
    releases: (accountId) => releases.exportOf(accountId),
    auditEvents: (accountId) => audit.eventsOf(em, accountId),
    portalName: (clientId) => clients.displayName(clientId),
    recordExported: (accountId, ip) => audit.recordAlone(em, { type: 'account.exported', accountId, ip }),
    hit: (scope, key, rule) => rateLimiter.hit(scope, key, rule),
    rule: config.rateLimits.exportPerAccount,
    issuer: config.issuer,
    clock,
  });
  const passwordChange = new PasswordChangeService({
    em,
    passwords,
    verification,
    throttle: loginThrottle,
    limiter: rateLimiter,
    perIp: limits.passwordHashPerIp,
    outbox,
    audit,
    policy: passwordPolicy,
    issuer: config.issuer,
    // The browser that changed the password stays logged in; every other session ends (back-channel logout).
    endOtherSessions: (accountId, keepUid) => signOut.endSessions(accountId, { keepUid }, 'password_changed'),
  });

  const accountAreaSessions = new AccountAreaSessions(em, config.secret, clock, { idleMinutes: config.session.idleMinutes, maxHours: config.session.maxHours });
  const accountLogin = new AccountLogin(config.issuer, config.secret, clock);
  const accountSessions = new AccountSessions(em, clock, sessionLimitsOf(config.session));
  const federation = federationParts(config, { em, clock, logger, audit, accounts, credentials, signOut, rateLimiter });
  const accountDeletion = new AccountDeletionService(
    {
      em,
      areaSessions: accountAreaSessions,
      secret: config.secret,
      accounts,
      credentials,
      verification,
      signOut,
      loginThrottle,
      rateLimiter,
      outbox,
      releases,
      audit,
      // Issue 19: the last admin of an organisation with other members names another admin first.
      precheck: async (accountId) => {
        if ((await organisations.accountRemoval.blockers(accountId)).length) throw new AppError('organisation.last_admin_account', 409);
      },
    },
    [['organisations', (tx, account) => organisations.accountRemoval.forgetAccount(tx, account.id, account.email)]],
  );

  return {
    federation,
    config,
    logger,
    db,
    clock,
    views,
    live,
    accounts,
    clients,
    passwords,
    passwordPolicy,
    keys,
    audit,
    verification,
    outbox,
    mailDispatcher,
    rateLimiter,
    loginThrottle,
    logins,
    registration,
    passwordReset,
    profileUpdates,
    emailChanges,
    passwordChange,
    credentials,
    secondFactors,
    signOut,
    accountLock,
    dataExport,
    releases,
    composer,
    releaseRecorder,
    accountAreaSessions,
    accountLogin,
    accountSessions,
    organisations,
    accountDeletion,
    get provider() {
      return live.current;
    },
    validateClientMetadata: (metadata) => metadataValidator(live.current)(metadata),
  };
}
