import type { Context } from 'koa';
import type { OrganisationInput } from '../../../src/organisations/index.ts';
import { decrypt, deriveKey, encrypt } from '../../../src/shared/crypto.ts';

/** How long a typed-in registration waits on the review step. */
const LIFETIME_SECONDS = 3600;

interface SealedDraft {
  accountId: string;
  exp: number;
  input: Record<string, string>;
}

/**
 * The organisation registration's draft between the form and the review step (issue 19 item 1): sealed
 * (AES-GCM under a key derived from KONTOR_SECRET) in an HttpOnly cookie of this browser, bound to the
 * account that typed it, an hour at most. Nothing lands in the database before "Registrieren".
 */
export function organisationDrafts(secret: string, secure: boolean) {
  const key = deriveKey(secret, 'organisation-draft');
  const name = secure ? '__Host-kontor.organisation-draft' : 'kontor.organisation-draft';
  const options = { httpOnly: true, sameSite: 'lax' as const, secure, path: '/', overwrite: true, signed: false };
  return {
    save(ctx: Context, accountId: string, input: Record<string, string>): void {
      const draft: SealedDraft = { accountId, exp: Math.floor(Date.now() / 1000) + LIFETIME_SECONDS, input };
      ctx.cookies.set(name, encrypt(key, JSON.stringify(draft), 'organisation-draft'), { ...options, maxAge: LIFETIME_SECONDS * 1000 });
    },
    read(ctx: Context, accountId: string): (OrganisationInput & Record<string, string>) | undefined {
      const value = ctx.cookies.get(name, { signed: false });
      if (!value) return undefined;
      try {
        const draft = JSON.parse(decrypt(key, value, 'organisation-draft')) as SealedDraft;
        return draft.accountId === accountId && draft.exp > Date.now() / 1000 ? (draft.input as OrganisationInput & Record<string, string>) : undefined;
      } catch {
        return undefined;
      }
    },
    clear(ctx: Context): void {
      ctx.cookies.set(name, '', { ...options, maxAge: 0 });
    },
  };
}

export type OrganisationDrafts = ReturnType<typeof organisationDrafts>;
