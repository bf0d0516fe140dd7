import { createServer } from 'node:http';
import { ConfigError, loadConfig } from '../config/index.ts';
import { createLogger } from './shared/logger.ts';
import { startKontor } from './server.ts';
import { createDemoPortal } from './demo-portal/app.ts';
import { DEMO_CLIENT_ID, DEMO_ACCOUNT, demoClientSecret } from './dev/seed.ts';

/** Entry point: config → database → container → app → listen; SIGTERM/SIGINT shut down gracefully. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  if (!process.env.KONTOR_SECRET) logger.warn('KONTOR_SECRET is not set: using the development secret (never do this in production)');

  // Handlers first: a SIGTERM that arrives while starting up must also shut down cleanly.
  const closers: Array<() => Promise<void>> = [];
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timeout = setTimeout(() => process.exit(1), 10_000).unref();
    for (const close of closers.reverse()) await close().catch((error) => logger.error({ err: error }, 'shutdown step failed'));
    clearTimeout(timeout);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  // A signal during start-up waits for it to finish (migrations, lock file) and then closes cleanly.
  const starting = startKontor(config, logger);
  closers.push(async () => (await starting).close());
  await starting;

  if (process.argv.includes('--with-demo') && config.devFeatures) {
    const portal = await createDemoPortal({ issuer: config.issuer, clientId: DEMO_CLIENT_ID, clientSecret: demoClientSecret(config.secret), baseUrl: config.demoPortal.url });
    const portalServer = createServer(portal.callback()).listen(config.demoPortal.port, config.host);
    closers.push(() => new Promise((resolve) => portalServer.close(() => resolve())));
    logger.info({ url: config.demoPortal.url, demoAccount: DEMO_ACCOUNT.email }, 'demo portal "Online-Dienste Musterstadt" is listening');
  }
}

main().catch((error) => {
  process.stderr.write(`Kontor failed to start: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
