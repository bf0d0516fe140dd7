import type { Context } from 'koa';
import type { RegistrationDraft } from '../src/accounts/index.ts';
import { decrypt, deriveKey, encrypt } from '../src/shared/crypto.ts';

/** What the registration steps carry between requests, sealed in a cookie of this browser. */
export interface RegistrationState {
  uid: string;
  /** Unix seconds; the state is void afterwards (an interaction lives an hour at most). */
  exp: number;
  draft?: Partial<RegistrationDraft>;
  /** Set when the account was created: proof that this browser registered it, for resuming after confirmation. */
  registeredAccountId?: string;
}

const LIFETIME_SECONDS = 3600;

/**
 * The registration draft lives in an encrypted, HttpOnly cookie (AES-GCM under a key derived from
 * KONTOR_SECRET) rather than in the database: any instance can read it, nothing is left behind when a
 * person gives up, and the password travels only as its argon2id hash.
 */
export function registrationCookie(secret: string, secure: boolean) {
  const key = deriveKey(secret, 'registration-cookie');
  const name = secure ? '__Host-kontor.registration' : 'kontor.registration';
  const options = { httpOnly: true, sameSite: 'lax' as const, secure, path: '/', overwrite: true, signed: false };

  return {
    read(ctx: Context, uid: string): RegistrationState | undefined {
      const value = ctx.cookies.get(name, { signed: false });
      if (!value) return undefined;
      try {
        const state = JSON.parse(decrypt(key, value, 'registration')) as RegistrationState;
        return state.uid === uid && state.exp > Date.now() / 1000 ? state : undefined;
      } catch {
        return undefined;
      }
    },
    write(ctx: Context, state: Omit<RegistrationState, 'exp'>): void {
      const sealed = encrypt(key, JSON.stringify({ ...state, exp: Math.floor(Date.now() / 1000) + LIFETIME_SECONDS }), 'registration');
      ctx.cookies.set(name, sealed, { ...options, maxAge: LIFETIME_SECONDS * 1000 });
    },
    clear(ctx: Context): void {
      ctx.cookies.set(name, '', { ...options, maxAge: 0 });
    },
  };
}

export type RegistrationCookie = ReturnType<typeof registrationCookie>;
