import type { Config } from './schema.ts';

type Env = Config['env'];

/** Defaults per environment; anything set in the config file or the environment wins. */
export function defaultsFor(env: Env, port: number, demoPort: number): Omit<Config, 'secret'> & { secret?: string } {
  return {
    env,
    port,
    host: '0.0.0.0',
    trustProxy: false,
    allowPrivateNetworkFetch: false,
    issuer: `http://localhost:${port}`,
    database: { embeddedDir: '.data/pglite', poolMax: 10 },
    mail: { from: 'Kontor <no-reply@localhost>' },
    devFeatures: env === 'development',
    demoPortal: { port: demoPort, url: `http://localhost:${demoPort}` },
    logLevel: 'info',
    session: { maxHours: 12 },
    tokens: { accessTokenSeconds: 600, idTokenSeconds: 600, refreshTokenDays: 14, authorizationCodeSeconds: 60 },
    keys: { reloadSeconds: 60 },
    password: { argon2MemoryKiB: 19 * 1024, argon2TimeCost: 2, argon2Parallelism: 1 },
    purgeIntervalSeconds: 300,
  };
}
