import type { Context } from 'koa';
import { decrypt, deriveKey, encrypt } from '../src/shared/crypto.ts';

/**
 * A value kept between requests in an HttpOnly cookie of this browser, sealed with AES-GCM under a key
 * derived from KONTOR_SECRET for `purpose` (readable by every instance, nothing left behind in the database
 * when a person gives up). `__Host-` prefix on https (RFC 6265bis §4.1.3.2). A cookie that does not open
 * (tampered, another secret, another purpose) reads as absent. `context` is the AES-GCM associated data
 * (defaults to the purpose; the registration cookie keeps the one it always had).
 */
export function sealedCookie<T>(secret: string, purpose: string, name: string, secure: boolean, context = purpose) {
  const key = deriveKey(secret, purpose);
  const cookieName = secure ? `__Host-${name}` : name;
  const options = { httpOnly: true, sameSite: 'lax' as const, secure, path: '/', overwrite: true, signed: false };
  return {
    seal(ctx: Context, value: T, maxAgeSeconds: number): void {
      ctx.cookies.set(cookieName, encrypt(key, JSON.stringify(value), context), { ...options, maxAge: maxAgeSeconds * 1000 });
    },
    open(ctx: Context): T | undefined {
      const value = ctx.cookies.get(cookieName, { signed: false });
      if (!value) return undefined;
      try {
        return JSON.parse(decrypt(key, value, context)) as T;
      } catch {
        return undefined;
      }
    },
    clear(ctx: Context): void {
      ctx.cookies.set(cookieName, '', { ...options, maxAge: 0 });
    },
  };
}
