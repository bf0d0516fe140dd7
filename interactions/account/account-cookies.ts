import type { Context } from 'koa';

/** The account-area session's cookie: `__Host-` over https (this host, path /, Secure; RFC 6265bis §4.1.3.2). */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-kontor.account' : 'kontor.account';
}

/** The sealed pending login between /account/login and /account/callback. */
export function pendingCookieName(secure: boolean): string {
  return secure ? '__Host-kontor.account-login' : 'kontor.account-login';
}

/** HttpOnly, SameSite=Lax (the callback arrives by a top-level redirect from the same site), path /. */
export function setAccountCookie(ctx: Context, name: string, value: string, secure: boolean, maxAgeSeconds?: number): void {
  ctx.cookies.set(name, value, {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/',
    overwrite: true,
    ...(maxAgeSeconds ? { maxAge: maxAgeSeconds * 1000 } : {}),
  });
}

export function clearAccountCookie(ctx: Context, name: string, secure: boolean): void {
  ctx.cookies.set(name, '', { httpOnly: true, sameSite: 'lax', secure, path: '/', overwrite: true, maxAge: 0 });
}
