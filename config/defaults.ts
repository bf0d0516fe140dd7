import type { Config } from './schema.ts';
import { DEFAULT_CONSENTS } from './registration.ts';

type Env = Config['env'];

/** Defaults per environment; anything set in the config file or the environment wins. */
export function defaultsFor(env: Env, port: number, demoPort: number): Omit<Config, 'secret'> & { secret?: string } {
  return {
    env,
    port,
    // Development serves /dev/mail (live links, no login) and a demo account: loopback only. Production runs
    // behind a proxy or in a container, where the proxy must reach it on another interface.
    host: env === 'production' ? '0.0.0.0' : '127.0.0.1',
    trustProxy: false,
    trustedProxyHops: 1,
    allowPrivateNetworkFetch: false,
    issuer: `http://localhost:${port}`,
    database: { embeddedDir: '.data/pglite', poolMax: 10 },
    mail: {
      from: 'Kontor <no-reply@localhost>',
      dispatchIntervalSeconds: 10,
      retryBaseSeconds: 30,
      maxAttempts: 30,
      keepSentDays: 7,
      perRecipient: { limit: 5, windowSeconds: 3600 },
    },
    devFeatures: env === 'development',
    demoPortal: { port: demoPort, url: `http://localhost:${demoPort}`, upstreamPort: 3002 },
    logLevel: 'info',
    timeZone: 'Europe/Berlin',
    session: { maxHours: 12, idleMinutes: 20, substanziell: { maxMinutes: 120, idleMinutes: 30 }, hoch: { maxMinutes: 30, idleMinutes: 5 } },
    secondFactor: { level: 'substanziell', required: false, emailCodeMinutes: 10, emailCodeAttempts: 5, failuresBeforeDelay: 5 },
    operator: { name: 'Kontor Servicekonto', contact: {}, links: {}, accessibilityFeedback: {} },
    registration: {
      usernameMode: 'email',
      passwordPolicy: 'sachsen-anhalt',
      profileFields: [],
      consents: DEFAULT_CONSENTS,
      confirmationHours: 24,
      resetMinutes: 60,
    },
    federation: { upstreams: [] },
    rateLimits: {
      loginPerIp: { limit: 60, windowSeconds: 900 },
      registrationPerIp: { limit: 10, windowSeconds: 3600 },
      resendPerIp: { limit: 10, windowSeconds: 3600 },
      resendPerAccount: { limit: 3, windowSeconds: 3600 },
      resetPerIp: { limit: 10, windowSeconds: 3600 },
      resetPerAccount: { limit: 3, windowSeconds: 3600 },
      passwordHashPerIp: { limit: 30, windowSeconds: 900 },
      exportPerAccount: { limit: 10, windowSeconds: 3600 },
      confirmAttemptsPerLink: { limit: 5, windowSeconds: 86400 },
      secondFactorPerIp: { limit: 60, windowSeconds: 900 },
      emailChangePerIp: { limit: 10, windowSeconds: 3600 },
      emailChangePerAccount: { limit: 3, windowSeconds: 3600 },
      organisationInvitesPerOrganisation: { limit: 50, windowSeconds: 3600 },
      organisationJoinRequestsPerAccount: { limit: 5, windowSeconds: 3600 },
      loginFailuresBeforeDelay: 5,
      loginDelayBaseSeconds: 30,
      loginDelayMaxSeconds: 900,
    },
    tokens: { accessTokenSeconds: 600, idTokenSeconds: 600, refreshTokenDays: 14, authorizationCodeSeconds: 60 },
    keys: { reloadSeconds: 60 },
    password: { argon2MemoryKiB: 19 * 1024, argon2TimeCost: 2, argon2Parallelism: 1, maxConcurrentHashes: 2, maxQueuedHashes: 32 },
    ledger: { retentionDays: 365 },
    account: { reauthMinutes: 5, unlockLinkDays: 30 },
    purgeIntervalSeconds: 300,
  };
}
