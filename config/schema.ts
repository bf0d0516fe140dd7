import { z } from 'zod';
import { registrationSchema } from './registration.ts';
import { federationSchema } from './federation.ts';

const window = z.object({ limit: z.number().int().min(1), windowSeconds: z.number().int().min(1) });

/** A web address people follow: http(s) only (a `javascript:` URL would run in Kontor's pages). */
const webUrl = () => z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/** A page of the operator's, in German and optionally English. */
const operatorLink = z.object({ de: webUrl(), en: webUrl().optional() });

/**
 * Who runs this deployment: named on every page, in mails and on the legal pages a German public portal
 * must link (TMG/DDG §5 Impressum, DSGVO Art. 13 privacy statement, BITV 2.0 §7 accessibility statement
 * with a feedback contact).
 */
export const operatorSchema = z.object({
  /** Shown as the service's name in the header, page titles and mails ("Servicekonto Musterland"). */
  name: z.string().min(1).max(80),
  /** Logo in the header: an absolute URL or a path below /static. */
  logoUrl: z
    .string()
    .regex(/^(https?:\/\/|\/static\/)/, 'must be an http(s) URL or a path below /static/')
    .optional(),
  /** Whom people contact about their account (named in mails such as "password changed"). */
  contact: z.object({ email: z.email().optional(), phone: z.string().max(40).optional(), url: webUrl().optional() }),
  links: z.object({
    imprint: operatorLink.optional(),
    privacy: operatorLink.optional(),
    accessibility: operatorLink.optional(),
    help: operatorLink.optional(),
  }),
  /** BITV 2.0 §7 (1): a way to report accessibility barriers, named in the accessibility statement. */
  accessibilityFeedback: z.object({ email: z.email().optional(), url: webUrl().optional() }),
});
export type OperatorConfig = z.infer<typeof operatorSchema>;

/** Every setting Kontor knows. Environment variables and the optional config file both feed this schema. */
/** Limits of one trust level in a session (minutes). */
const levelLimits = z.object({
  maxMinutes: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60),
  idleMinutes: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60),
});

export const configSchema = z.object({
  env: z.enum(['development', 'production']),
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().min(1),
  /** Trust X-Forwarded-* headers (set when a TLS-terminating proxy is in front). */
  trustProxy: z.boolean(),
  /**
   * How many proxies in front of Kontor append to X-Forwarded-For (with trustProxy). The client address is
   * the entry this many places from the right: everything left of it was written by the client itself.
   */
  trustedProxyHops: z.coerce.number().int().min(1).max(10),
  /**
   * Let the provider fetch from loopback and private addresses (clients' jwks_uri, back-channel logout,
   * sector_identifier_uri). Off by default as SSRF protection; authorities whose portals sit in internal
   * networks turn it on.
   */
  allowPrivateNetworkFetch: z.boolean(),
  issuer: z.url({ protocol: /^https?$/ }),
  /** Encrypts signing keys and client secrets at rest and derives cookie keys. */
  secret: z.string().optional(),
  database: z.object({
    /** postgres://… ; unset means the embedded PostgreSQL (PGlite) under `embeddedDir`. */
    url: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
      .optional(),
    embeddedDir: z.string().min(1),
    poolMax: z.coerce.number().int().min(1).max(200),
  }),
  mail: z.object({
    /** Unset in development: mail stays in the outbox and is shown at /dev/mail. Required in production. */
    smtpUrl: z
      .string()
      .regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://')
      .optional(),
    from: z.string().min(3),
    /** How often each instance looks for mail to send (new mail is also sent right after it is written). */
    dispatchIntervalSeconds: z.coerce.number().int().min(1).max(3600),
    /** First retry after this long, doubling per attempt up to an hour. */
    retryBaseSeconds: z.coerce.number().int().min(1).max(3600),
    /** After this many failed attempts a mail is marked failed (visible with `kontor mail list`). */
    maxAttempts: z.coerce.number().int().min(1).max(100),
    /** Sent mail (bodies included) is deleted after this many days. */
    keepSentDays: z.coerce.number().int().min(1).max(365),
    /**
     * Mails of one kind (registration-confirm, password-reset, …) to one normalised address per window;
     * further ones are dropped and logged. Caps mail flooding of a victim's address from every form at once.
     */
    perRecipient: window,
  }),
  /** Dev-only conveniences: demo account and demo portal client seeded, lenient cookies. */
  devFeatures: z.boolean(),
  demoPortal: z.object({
    port: z.coerce.number().int().min(0).max(65535),
    url: z.url(),
    /** `npm start`'s example federal states listen here and on the next port (Nordland, Südland). */
    upstreamPort: z.coerce.number().int().min(1).max(65534),
  }),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  /** IANA time zone of clock times on pages ("ab 10:42 Uhr"); an unknown zone fails at start. */
  timeZone: z.string().refine((zone) => {
    try {
      return Boolean(new Intl.DateTimeFormat('de', { timeZone: zone }));
    } catch {
      return false;
    }
  }, 'must be an IANA time zone such as Europe/Berlin'),
  session: z.object({
    /** Absolute session lifetime in hours (TR-03160-1: 12 h for trust level niedrig). */
    maxHours: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 30),
    /** The login session ends after this many minutes without activity at Kontor (the seeds' portals: 20). */
    idleMinutes: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 60),
    /**
     * How long a session keeps the higher levels (TR-03160-1: substanziell 2 h / 30 min idle, hoch 30 min /
     * 5 min idle). When one runs out the session falls back to the level its remaining steps support.
     */
    substanziell: levelLimits,
    hoch: levelLimits,
  }),
  /** The second factor at login (TOTP app, e-mail code, recovery codes). */
  secondFactor: z.object({
    /** The level a login with password and second factor reaches (a deployment may keep it at niedrig). */
    level: z.enum(['niedrig', 'substanziell']),
    /**
     * Whether every account must keep a second factor once it has one: then the account area does not offer
     * removing it (switching method or device stays possible). Off by default (seed 002 lets people choose).
     */
    required: z.boolean(),
    /** Lifetime of an e-mailed one-time code. */
    emailCodeMinutes: z.coerce.number().int().min(1).max(60),
    /** Wrong entries one e-mailed code survives before it is void. */
    emailCodeAttempts: z.coerce.number().int().min(1).max(10),
    /** Wrong second-factor codes for one account before delays start (doubling like the password's). */
    failuresBeforeDelay: z.number().int().min(1).max(100),
  }),
  operator: operatorSchema,
  registration: registrationSchema,
  /** Other states' service accounts a person may log in with (config/federation.ts, docs/federation.md). */
  federation: federationSchema,
  /**
   * Abuse protection; counters live in PostgreSQL so every instance sees the same. Per-IP windows answer
   * 429; per-account limits on mail-sending forms silently stop sending (the page must not reveal accounts).
   */
  rateLimits: z.object({
    loginPerIp: window,
    registrationPerIp: window,
    resendPerIp: window,
    resendPerAccount: window,
    resetPerIp: window,
    resetPerAccount: window,
    /**
     * Requests per IP that cost an argon2id hash or verification outside login (registration step 1,
     * password reset, confirming a registration by password). One window for all of them, so spreading
     * requests over the routes buys nothing.
     */
    passwordHashPerIp: window,
    /** Wrong passwords on one confirmation link before the link refuses further attempts. */
    confirmAttemptsPerLink: window,
    /** E-mail change requests in the account area, per IP and per account (each sends mail). */
    emailChangePerIp: window,
    emailChangePerAccount: window,
    /** Downloads of "my data" (the account area's export) per account. */
    exportPerAccount: window,
    /** Second-factor code entries per IP (all accounts together). */
    secondFactorPerIp: window,
    /** Invitations one organisation may send (each mails an address its admins typed in). */
    organisationInvitesPerOrganisation: window,
    /**
     * Join requests one account may file: each compares what the person typed with the organisations'
     * data, so an unlimited number would let someone probe which organisations exist.
     */
    organisationJoinRequestsPerAccount: window,
    /** Failed logins for one login name before delays start; each further failure doubles the delay. */
    loginFailuresBeforeDelay: z.number().int().min(1).max(100),
    loginDelayBaseSeconds: z.number().int().min(1).max(3600),
    /** The delay never grows past this: a throttle, never a lockout an attacker could keep up. */
    loginDelayMaxSeconds: z.number().int().min(1).max(86400),
  }),
  tokens: z.object({
    accessTokenSeconds: z.coerce.number().int().min(60),
    idTokenSeconds: z.coerce.number().int().min(60),
    refreshTokenDays: z.coerce.number().int().min(1),
    authorizationCodeSeconds: z.coerce.number().int().min(10).max(600),
  }),
  keys: z.object({
    /** Seconds an old key stays in the JWKS after its successor signs; defaults to the longest JWT lifetime. */
    overlapSeconds: z.coerce.number().int().min(0).optional(),
    /** How often each instance looks for key changes (rotation, activation, expiry) and reloads them. */
    reloadSeconds: z.coerce.number().int().min(1).max(3600),
  }),
  password: z.object({
    /** argon2id parameters; OWASP's minimum is m=19 MiB, t=2, p=1. */
    argon2MemoryKiB: z.coerce
      .number()
      .int()
      .min(19 * 1024),
    argon2TimeCost: z.coerce.number().int().min(2),
    argon2Parallelism: z.coerce.number().int().min(1),
    /**
     * argon2 runs in libuv's thread pool (4 threads by default), which fs and dns share: at most this many
     * hashes run at once in one process, the rest wait in a bounded queue.
     */
    maxConcurrentHashes: z.coerce.number().int().min(1).max(64),
    /** Hashes waiting for a slot; beyond that the request is answered 503 with Retry-After. */
    maxQueuedHashes: z.coerce.number().int().min(0).max(10_000),
  }),
  /** The release ledger ("Datenzugriff verwalten"): rows older than this many days are purged. */
  ledger: z.object({ retentionDays: z.coerce.number().int().min(1).max(3650) }),
  /** "Mein Bereich" (issue 17). */
  account: z.object({
    /**
     * A change (personal data, e-mail, password, second factor, deletion) needs a login this many minutes
     * old at most, with the second factor when the account has one (seed 002: "nur mit einer zusätzlichen
     * Authentifizierung").
     */
    reauthMinutes: z.coerce.number().int().min(1).max(60),
    /** Days the mailed link that unlocks a locked account stays valid (single use). */
    unlockLinkDays: z.coerce.number().int().min(1).max(365),
  }),
  purgeIntervalSeconds: z.coerce.number().int().min(5),
});

export type Config = z.infer<typeof configSchema>;
