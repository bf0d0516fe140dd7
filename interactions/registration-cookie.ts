import type { Context } from 'koa';
import type { RegistrationDraft } from '../src/accounts/index.ts';
import { sealedCookie } from './sealed-cookie.ts';

/** What the registration steps carry between requests, sealed in a cookie of this browser. */
export interface RegistrationState {
  uid: string;
  /** Unix seconds; the state is void afterwards (an interaction lives an hour at most). */
  exp: number;
  draft?: Partial<RegistrationDraft>;
  /** Set when the account was created: proof that this browser registered it, for resuming after confirmation. */
  registeredAccountId?: string;
  /** The portal the registration started from: the way back when the registration expired. */
  clientId?: string | null;
}

/** What a registration whose interaction expired leaves for the next one: the typed details, no password. */
export type CarriedDraft = Omit<Partial<RegistrationDraft>, 'passwordHash'>;

const LIFETIME_SECONDS = 3600;
/**
 * The cookie outlives its state by this much: a person who returns after the interaction expired still
 * finds what they typed (`expiredState`). Short, because at a shared computer the next person would.
 */
const GRACE_SECONDS = 2 * 3600;
/** The uid under which a carried-over draft is sealed; no interaction has it (uids are random base64url). */
const CARRIED = '*carried*';

function withoutPassword(draft: Partial<RegistrationDraft>): CarriedDraft {
  const { passwordHash: _dropped, ...rest } = draft;
  return rest;
}

/**
 * The registration draft lives in an encrypted, HttpOnly cookie (AES-GCM under a key derived from
 * KONTOR_SECRET) rather than in the database: any instance can read it, nothing is left behind when a
 * person gives up, and the password travels only as its argon2id hash.
 */
export function registrationCookie(secret: string, secure: boolean) {
  const cookie = sealedCookie<RegistrationState>(secret, 'registration-cookie', 'kontor.registration', secure, 'registration');
  const seal = (ctx: Context, state: RegistrationState) => cookie.seal(ctx, state, LIFETIME_SECONDS + GRACE_SECONDS);
  const open = (ctx: Context) => cookie.open(ctx);

  return {
    read(ctx: Context, uid: string): RegistrationState | undefined {
      const state = open(ctx);
      return state?.uid === uid && state.exp > Date.now() / 1000 ? state : undefined;
    },
    /** The state of `uid` after its time ran out (within the grace period): to carry its details over. */
    expiredState(ctx: Context, uid: string): RegistrationState | undefined {
      const state = open(ctx);
      return state?.uid === uid ? state : undefined;
    },
    /** Seals the state for another LIFETIME_SECONDS (each step extends it), with the interaction's portal. */
    write(ctx: Context, state: Omit<RegistrationState, 'exp'>): void {
      const clientId = state.clientId ?? (ctx.state.clientId as string | null | undefined) ?? null;
      seal(ctx, { ...state, clientId, exp: Math.floor(Date.now() / 1000) + LIFETIME_SECONDS });
    },
    /**
     * Keeps the details of a registration whose interaction has gone (without the password hash, which
     * proves nothing once the person must start over) for the next registration in this browser.
     */
    carryOver(ctx: Context, draft: CarriedDraft): void {
      seal(ctx, { uid: CARRIED, draft: withoutPassword(draft), exp: Math.floor(Date.now() / 1000) + LIFETIME_SECONDS });
    },
    /** The details a former, expired registration left (see carryOver). */
    carried(ctx: Context): CarriedDraft | undefined {
      const state = open(ctx);
      return state?.uid === CARRIED && state.exp > Date.now() / 1000 ? state.draft : undefined;
    },
    clear(ctx: Context): void {
      cookie.clear(ctx);
    },
  };
}

export type RegistrationCookie = ReturnType<typeof registrationCookie>;
