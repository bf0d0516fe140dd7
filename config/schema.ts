import { z } from 'zod';

/** Every setting Kontor knows. Environment variables and the optional config file both feed this schema. */
export const configSchema = z.object({
  env: z.enum(['development', 'production']),
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().min(1),
  /** Trust X-Forwarded-* headers (set when a TLS-terminating proxy is in front). */
  trustProxy: z.boolean(),
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
    url: z.string().regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://').optional(),
    embeddedDir: z.string().min(1),
    poolMax: z.coerce.number().int().min(1).max(200),
  }),
  mail: z.object({
    smtpUrl: z.string().regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://').optional(),
    from: z.string().min(3),
  }),
  /** Dev-only conveniences: demo account and demo portal client seeded, lenient cookies. */
  devFeatures: z.boolean(),
  demoPortal: z.object({
    port: z.coerce.number().int().min(0).max(65535),
    url: z.url(),
  }),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  session: z.object({
    /** Absolute session lifetime in hours (TR-03160-1: 12 h for trust level niedrig). */
    maxHours: z.coerce.number().int().min(1).max(24 * 30),
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
    argon2MemoryKiB: z.coerce.number().int().min(19 * 1024),
    argon2TimeCost: z.coerce.number().int().min(2),
    argon2Parallelism: z.coerce.number().int().min(1),
  }),
  purgeIntervalSeconds: z.coerce.number().int().min(5),
});

export type Config = z.infer<typeof configSchema>;
