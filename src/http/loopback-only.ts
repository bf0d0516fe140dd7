import { isIPv4 } from 'node:net';
import type { Context, Next } from 'koa';

/** 127.0.0.0/8, ::1 and their IPv4-mapped form (a dual-stack socket reports ::ffff:127.0.0.1). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  if (address === '::1') return true;
  const v4 = address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : address;
  return isIPv4(v4) && v4.startsWith('127.');
}

/**
 * Answers only connections from this machine. Reads the socket's address, never ctx.ip: X-Forwarded-For
 * is written by whoever sends the request.
 */
export async function loopbackOnly(ctx: Context, next: Next): Promise<void> {
  if (!isLoopbackAddress(ctx.req.socket.remoteAddress)) {
    ctx.status = 403;
    ctx.type = 'text/plain';
    ctx.body = 'Forbidden: only reachable from this machine.';
    return;
  }
  await next();
}
