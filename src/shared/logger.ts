import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs, on stdout for the server. Redaction is a second line of defence: request logs carry
 * paths without query strings and no bodies, and no code logs credentials on purpose. The CLI logs to
 * stderr: its stdout is the command's output (`--json`: exactly one JSON document).
 */
export function createLogger(level: string, to: 'stdout' | 'stderr' = 'stdout'): Logger {
  return pino(
    {
      level,
      base: { service: 'kontor' },
      redact: {
        paths: [
          'password',
          '*.password',
          'secret',
          '*.secret',
          'client_secret',
          '*.client_secret',
          'code',
          'body.code',
          'query.code',
          'token',
          '*.token',
          'access_token',
          'refresh_token',
          'id_token',
          '*.authorization',
          '*.cookie',
          'req.headers.authorization',
          'req.headers.cookie',
        ],
        censor: '[redacted]',
      },
    },
    pino.destination({ dest: to === 'stderr' ? 2 : 1, sync: true }),
  );
}
