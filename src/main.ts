import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { ConfigError, type LoadedConfig, loadConfig } from '../config/index.ts';
import { createLogger } from './shared/logger.ts';
import { listen, PortUnavailable } from './shared/listen.ts';
import { startKontor } from './server.ts';
import { createDemoPortal } from './demo-portal/app.ts';
import { DEMO_CLIENT_ID, DEMO_ACCOUNT, demoClientSecret } from './dev/seed.ts';
import { demoUpstreamConfig } from './dev/demo-upstreams.ts';
import { startDevUpstreams } from './example-upstream/dev-upstreams.ts';

/** Entry point: config → database → container → app → listen; SIGTERM/SIGINT shut down gracefully. */
async function main(): Promise<void> {
  let config: LoadedConfig;
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

  // The demo portal's port is claimed before Kontor starts: a taken port must stop the start before the
  // development seed registers the demo client for a portal that cannot run.
  const withDemo = process.argv.includes('--with-demo') && config.devFeatures;
  const portalServer = withDemo ? createServer(notReady) : undefined;
  if (portalServer) {
    await listen(portalServer, config.demoPortal.port, config.host, 'KONTOR_DEMO_PORT', 'demo portal');
    closers.push(() => new Promise((resolve) => portalServer.close(() => resolve())));
  }

  // The example federal states (issue 18) start before Kontor, which offers them on its login page.
  if (withDemo) {
    const states = await startDevUpstreams({
      kontorIssuer: config.issuer,
      basePort: config.demoPortal.upstreamPort,
      host: config.host,
      secret: config.secret,
      logger,
    });
    closers.push(states.close);
    config = { ...config, federation: { upstreams: [...config.federation.upstreams, ...states.upstreams.map(demoUpstreamConfig)] } };
    logger.info({ states: states.upstreams.map((state) => ({ name: state.name.de, issuer: state.issuer })) }, 'example federal states are listening');
  }

  // A signal during start-up waits for it to finish (migrations, lock file) and then closes cleanly.
  const starting = startKontor(config, logger);
  closers.push(async () => (await starting).close());
  await starting;
  // Said once the ports are ours: a start that fails on a taken port prints its one line and nothing else.
  if (!process.env.KONTOR_SECRET) logger.warn('KONTOR_SECRET is not set: using the development secret (never do this in production)');

  if (portalServer) {
    const portal = await createDemoPortal({
      issuer: config.issuer,
      clientId: DEMO_CLIENT_ID,
      clientSecret: demoClientSecret(config.secret),
      baseUrl: config.demoPortal.url,
    });
    portalServer.off('request', notReady);
    portalServer.on('request', portal.callback());
    logger.info({ url: config.demoPortal.url, demoAccount: DEMO_ACCOUNT.email }, 'demo portal "Online-Dienste Musterstadt" is listening');
  }
}

/** What the demo portal answers until Kontor is up. */
function notReady(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '2' }).end('starting');
}

main().catch((error) => {
  // A taken port is a newcomer's everyday problem: one line saying what to set, no stack trace.
  if (error instanceof PortUnavailable) process.stderr.write(`${error.message}\n`);
  else process.stderr.write(`Kontor failed to start: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
