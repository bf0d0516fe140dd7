/**
 * What the benchmark's parent process and its server children agree on. A server child prints exactly one
 * line on stdout, `BENCH_READY <json>` with a {@link ServerInfo}, once it listens; everything else it says
 * goes to stderr. It shuts down on SIGTERM/SIGINT or when its stdin or IPC channel closes (the parent went
 * away). Over the IPC channel it answers `stats` with a {@link ChildStats}.
 */
import { createServer } from 'node:net';

export const READY_PREFIX = 'BENCH_READY ';

/**
 * Where the authorization server sends the browser back. Never contacted: the benchmark's user agent stops
 * at this redirect and takes the code from its query string. Port 9 (discard) on loopback.
 */
export const REDIRECT_URI = 'http://127.0.0.1:9/bench/callback';

export const SCOPE = 'openid profile email';

/** The same person on both servers (Kontor stores it; the bare provider returns it from findAccount). */
export const PERSON = {
  email: 'erika.mustermann@example.org',
  givenName: 'Erika',
  familyName: 'Mustermann',
  locale: 'de',
};

/** Lifetime of authorization codes in both servers during the benchmark (Kontor allows at most 600 s). */
export const BENCH_CODE_SECONDS = 600;

export interface ServerInfo {
  kind: 'kontor' | 'bare';
  /** Issuer and origin the parent talks to (always http://127.0.0.1:<port>). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** What the login form wants (Kontor: e-mail and password; bare devInteractions: any login). */
  username: string;
  password: string;
  pid: number;
}

/** A port on 127.0.0.1 that was free a moment ago (the child binds it right after). */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

export interface ChildStats {
  /** SQL statements sent to the database so far; null where not counted (bare provider, PGlite). */
  dbQueries: number | null;
}

/** Answers the parent's `stats` messages (IPC channel, see run.ts). */
export function serveStats(get: () => ChildStats): void {
  process.on('message', (message) => {
    if (message === 'stats') process.send?.({ stats: get() });
  });
}

export function announceReady(info: ServerInfo): void {
  process.stdout.write(`${READY_PREFIX}${JSON.stringify(info)}\n`);
}

/** Runs `close` once on SIGTERM, SIGINT or end of stdin, then exits. */
export function shutdownOn(close: () => Promise<void>): void {
  let closing = false;
  const stop = (reason: string) => {
    if (closing) return;
    closing = true;
    process.stderr.write(`[${process.pid}] stopping (${reason})\n`);
    const force = setTimeout(() => process.exit(2), 20_000);
    force.unref();
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`[${process.pid}] close failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  process.stdin.on('end', () => stop('stdin closed'));
  process.on('disconnect', () => stop('IPC channel closed'));
  process.stdin.on('error', () => stop('stdin error'));
  process.stdin.resume();
}
