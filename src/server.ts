import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LoadedConfig } from '../config/index.ts';
import { createApp, type KontorApp } from './app.ts';
import { createContainer, type Container } from './container.ts';
import { openDatabase, pendingMigrations } from './db/orm.ts';
import { seedDevelopmentData } from './dev/seed.ts';
import { registerAccountClient } from './self-service/index.ts';
import { purgeExpiredPayloads } from './oidc/index.ts';
import type { Clock } from './shared/clock.ts';
import type { Logger } from './shared/logger.ts';
import { listen } from './shared/listen.ts';

export interface RunningKontor {
  container: Container;
  app: KontorApp;
  server: Server;
  url: string;
  close(): Promise<void>;
}

/**
 * Opens the database (migrating in development), builds the container and serves the app. With port 0
 * the issuer follows the port the OS picked (tests), unless KONTOR_ISSUER fixed it.
 */
export async function startKontor(config: LoadedConfig, logger: Logger, options: { issuerFromPort?: boolean; clock?: Clock } = {}): Promise<RunningKontor> {
  const server = createServer();
  // Listening comes first: a taken port stops the start before the database is opened or seeded.
  await listen(server, config.port, config.host, 'PORT', 'Kontor');
  // Until the app is ready (migrations, keys), answer instead of leaving probes hanging.
  const notReady = (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '2' }).end('{"status":"starting"}');
  };
  server.on('request', notReady);
  const port = (server.address() as AddressInfo).port;
  const effective: LoadedConfig = options.issuerFromPort ? { ...config, port, issuer: `http://localhost:${port}` } : config;

  const db = await openDatabase(effective.database, { migrate: effective.env === 'development' }).catch(async (error) => {
    server.close();
    throw error;
  });
  let purgeTimer: NodeJS.Timeout | undefined;
  let keyTimer: NodeJS.Timeout | undefined;
  try {
    await refusePendingMigrations(db.orm);
    const container = await createContainer(effective, logger, db, options.clock);
    // "Mein Bereich" is a client of this issuer in every mode; its registration follows the issuer and secret.
    const accountClient = await registerAccountClient(container.clients, container.validateClientMetadata, effective.issuer, effective.secret);
    if (accountClient !== 'unchanged') logger.info({ clientId: 'kontor-account', outcome: accountClient }, 'registered the account area client');
    if (effective.devFeatures) await seedDevelopmentData(container);
    const app = createApp(container);
    server.off('request', notReady);
    server.on('request', app.callback());

    container.mailDispatcher.start();
    if (!container.mailDispatcher.sending) logger.info({ devMailbox: `${effective.issuer}/dev/mail` }, 'no SMTP_URL: mail stays in the outbox');

    // Background work in flight: close() waits for it before closing the database under it.
    const running = new Set<Promise<void>>();
    const track = (work: Promise<void>) => {
      running.add(work);
      void work.finally(() => running.delete(work));
    };
    purgeTimer = setInterval(() => track(purge(container, logger)), effective.purgeIntervalSeconds * 1000);
    purgeTimer.unref();
    keyTimer = setInterval(() => track(reloadKeys(container, logger)), effective.keys.reloadSeconds * 1000);
    keyTimer.unref();

    const url = effective.issuer;
    logger.info({ issuer: url, port, embeddedDatabase: db.embedded, env: effective.env }, 'Kontor is listening');
    return {
      container,
      app,
      server,
      url,
      async close() {
        clearInterval(purgeTimer);
        clearInterval(keyTimer);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        server.closeAllConnections();
        await container.mailDispatcher.stop();
        await Promise.all(running);
        await db.close();
      },
    };
  } catch (error) {
    clearInterval(purgeTimer);
    clearInterval(keyTimer);
    server.close();
    await db.close();
    throw error;
  }
}

/** In production migrations are an explicit step (`npm run db:migrate`); starting on an old schema is refused. */
async function refusePendingMigrations(orm: Awaited<ReturnType<typeof openDatabase>>['orm']): Promise<void> {
  const pending = await pendingMigrations(orm);
  if (pending.length) {
    throw new Error(`The database schema is behind: ${pending.length} migration(s) pending (${pending.join(', ')}). Run \`npm run db:migrate\` first.`);
  }
}

/** Picks up rotated, activated and expired signing keys (every instance, every keys.reloadSeconds). */
export async function reloadKeys(container: Container, logger: Logger): Promise<void> {
  try {
    if (await container.live.refresh()) logger.info('signing keys changed: provider reloaded');
  } catch (error) {
    logger.error({ err: error }, 'key reload failed');
  }
}

/**
 * Deletes what has outlived its purpose: expired protocol artifacts, retired keys, unconfirmed
 * registrations past their period, old link tokens, ended rate-limit windows, TOTP enrolments abandoned
 * a day ago, old sent mail, release-ledger rows past `ledger.retentionDays` and ended account-area sessions.
 */
export async function purge(container: Container, logger: Logger): Promise<void> {
  try {
    const counts = {
      payloads: await purgeExpiredPayloads(container.db.orm.em),
      keys: await container.keys.purgeExpired(),
      unconfirmedAccounts: await container.registration.purgeUnconfirmed(),
      linkTokens: await container.verification.purge(),
      rateLimitCounters: await container.rateLimiter.purge(),
      loginThrottles: await container.loginThrottle.purge(),
      abandonedTotpEnrolments: await container.secondFactors.purgeAbandonedEnrolments(container.clock.now()),
      sentMail: await container.outbox.purgeSent(container.config.mail.keepSentDays),
      ledgerRows: await container.releases.purge(),
      accountAreaSessions: await container.accountAreaSessions.purge(),
    };
    if (Object.values(counts).some((count) => count > 0)) logger.info(counts, 'purged expired records');
  } catch (error) {
    logger.error({ err: error }, 'purge failed');
  }
}
