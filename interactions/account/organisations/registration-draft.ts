import type { Context } from 'koa';
import type { OrganisationInput } from '../../../src/organisations/index.ts';
import { sealedCookie } from '../../sealed-cookie.ts';

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
  const cookie = sealedCookie<SealedDraft>(secret, 'organisation-draft', 'kontor.organisation-draft', secure);
  return {
    save(ctx: Context, accountId: string, input: Record<string, string>): void {
      cookie.seal(ctx, { accountId, exp: Math.floor(Date.now() / 1000) + LIFETIME_SECONDS, input }, LIFETIME_SECONDS);
    },
    read(ctx: Context, accountId: string): (OrganisationInput & Record<string, string>) | undefined {
      const draft = cookie.open(ctx);
      return draft && draft.accountId === accountId && draft.exp > Date.now() / 1000 ? (draft.input as OrganisationInput & Record<string, string>) : undefined;
    },
    clear(ctx: Context): void {
      cookie.clear(ctx);
    },
  };
}

export type OrganisationDrafts = ReturnType<typeof organisationDrafts>;
