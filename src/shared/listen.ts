import type { Server } from 'node:http';

/**
 * A port Kontor cannot listen on. Its message is the one line a person needs: which port, why, and which
 * variable to set. Nothing has been opened or changed when it is thrown.
 */
export class PortUnavailable extends Error {
  readonly variable: string;
  constructor(message: string, variable: string) {
    super(message);
    this.name = 'PortUnavailable';
    this.variable = variable;
  }
}

/**
 * Listens on `port` and `host`; a taken or forbidden port becomes a PortUnavailable naming `variable`
 * (PORT, KONTOR_DEMO_PORT), instead of the stack trace of an unhandled EADDRINUSE.
 */
export function listen(server: Server, port: number, host: string, variable: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') {
        const reason = error.code === 'EADDRINUSE' ? 'is already in use' : 'may not be used by this user';
        const example = port >= 1024 && port < 65535 ? port + 100 : 3100;
        reject(
          new PortUnavailable(`Port ${port} (${what}) on ${host} ${reason}: set ${variable} to a free port, e.g. ${variable}=${example} npm start`, variable),
        );
      } else reject(error);
    };
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}
