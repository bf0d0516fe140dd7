/**
 * The one error type of our own code. `code` (e.g. `client.invalid_metadata`) doubles as translation key;
 * `status` is the HTTP status a route should answer with.
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: string[];
  constructor(code: string, status = 400, details: string[] = []) {
    super(details.length ? `${code}: ${details.join('; ')}` : code);
    this.name = 'AppError';
    this.code = code;
    this.status = status;
    this.details = details;
  }
}
