import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listen, PortUnavailable } from '../shared/listen.ts';
import { createUpstreamProvider } from './app.ts';
import { EXIT_PORT_UNAVAILABLE_CODE } from './exit-codes.ts';
import { upstreamOptionsSchema } from './options.ts';

/**
 * One example upstream as its own process: options as JSON in KONTOR_UPSTREAM_OPTIONS, exactly one JSON
 * line on stdout once it listens ({"ready":true,"issuer":…,"port":…}), everything else on stderr.
 * The server binds first, so with port 0 the issuer names the port it got. SIGTERM stops it.
 */
async function main(): Promise<void> {
  const options = upstreamOptionsSchema.parse(JSON.parse(process.env.KONTOR_UPSTREAM_OPTIONS ?? '{}'));
  const server = createServer();
  await listen(server, options.port, options.host, options.portVariable ?? 'the port of KONTOR_UPSTREAM_OPTIONS', options.name);
  const port = (server.address() as AddressInfo).port;
  const { app, issuer } = await createUpstreamProvider({ ...options, port });
  server.on('request', app.callback());
  process.stdout.write(`${JSON.stringify({ ready: true, issuer, port })}\n`);
  if (options.parentPid) watchParent(options.parentPid);
  process.once('SIGTERM', () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}

/** Signal 0 only asks whether the process exists (kill(2)); ESRCH once the parent is gone. */
function watchParent(pid: number): void {
  setInterval(() => {
    try {
      process.kill(pid, 0);
    } catch {
      process.exit(0);
    }
  }, 1000).unref();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(error instanceof PortUnavailable ? EXIT_PORT_UNAVAILABLE_CODE : 1);
});
