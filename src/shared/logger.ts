import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Redaction is a second line of defence: request logs carry paths without query
 * strings and no bodies, and no code logs credentials on purpose.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'kontor' },
    redact: {
      paths: [
        'password', '*.password', 'secret', '*.secret', 'client_secret', '*.client_secret', 'code', 'body.code',
        'query.code', 'token', '*.token', 'access_token', 'refresh_token', 'id_token', '*.authorization', '*.cookie',
        'req.headers.authorization', 'req.headers.cookie',
      ],
      censor: '[redacted]',
    },
  });
}
