import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Headers;
  body: string;
}

/**
 * One request to a test server with exactly the headers a proxy or an attacker would send (Host,
 * X-Forwarded-*). node:http, not fetch: fetch replaces a Host header with the URL's host. Cookies are
 * passed and returned as-is.
 */
export function rawRequest(
  server: Server,
  path: string,
  init: { method?: string; headers?: Record<string, string>; form?: Record<string, string>; address?: string } = {},
): Promise<RawResponse> {
  const { port } = server.address() as AddressInfo;
  const body = init.form ? new URLSearchParams(init.form).toString() : undefined;
  const headers: Record<string, string> = {
    ...init.headers,
    ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) }),
  };
  return new Promise((resolve, reject) => {
    const req = request({ host: init.address ?? '127.0.0.1', port, path, method: init.method ?? 'GET', headers, setHost: !('host' in headers) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) responseHeaders.append(name, item);
        }
        resolve({ status: res.statusCode ?? 0, headers: responseHeaders, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `name=value` pairs from Set-Cookie headers, ready for a Cookie header. */
export function cookiesFrom(response: RawResponse): string {
  return response.headers
    .getSetCookie()
    .map((header) => header.split(';')[0])
    .join('; ');
}

/** The hidden csrf_token of the first form on a page. */
export function csrfTokenIn(body: string): string {
  const token = /name="csrf_token" value="([^"]+)"/.exec(body)?.[1];
  if (!token) throw new Error(`no csrf_token on page:\n${body.slice(0, 1000)}`);
  return token;
}
