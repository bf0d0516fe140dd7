import type { EntityManager } from '@mikro-orm/sql';
import type { Clock } from '../shared/clock.ts';
import { decrypt, deriveKey, encrypt, hmacBase64Url, randomToken } from '../shared/crypto.ts';
import { AccountAreaSessionRepository, type AccountAreaSessionRow } from './account-area-session.repository.ts';

export interface AccountAreaSessionSettings {
  /** Without a request for this long the session ends (config `session.idleMinutes`). */
  idleMinutes: number;
  /** It ends after this long in any case (config `session.maxHours`); the IdP session usually ends it first. */
  maxHours: number;
}

/** The login an account-area session is made from: the ID token's claims, as openid-client validated them. */
export interface AccountAreaLogin {
  accountId: string;
  idpSid: string;
  authTime: number;
  amr: string[];
  acr: string | null;
  idToken: string | undefined;
}

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * The sessions of "Mein Bereich" (table `account_area_session`). The browser holds a random token; the
 * table holds its keyed hash (HMAC under a key derived from KONTOR_SECRET), so neither a database copy nor
 * a log line opens a session. Idle and absolute limits are judged by the container's clock.
 */
export class AccountAreaSessions {
  private readonly repository: AccountAreaSessionRepository;
  private readonly idKey: Buffer;
  private readonly idTokenKey: Buffer;
  private readonly clock: Clock;
  private readonly settings: AccountAreaSessionSettings;

  constructor(em: EntityManager, secret: string, clock: Clock, settings: AccountAreaSessionSettings) {
    this.repository = new AccountAreaSessionRepository(em);
    this.idKey = deriveKey(secret, 'account-area-session-id');
    this.idTokenKey = deriveKey(secret, 'account-area-id-token');
    this.clock = clock;
    this.settings = settings;
  }

  /** Stores a new session for a finished login; returns the token for the cookie (the only clear copy). */
  async create(login: AccountAreaLogin): Promise<string> {
    const token = randomToken(32);
    const id = this.idOf(token);
    const now = this.clock.now();
    await this.repository.insert({
      id,
      accountId: login.accountId,
      idpSid: login.idpSid,
      authTime: login.authTime,
      amr: login.amr,
      acr: login.acr,
      idTokenEncrypted: login.idToken ? encrypt(this.idTokenKey, login.idToken, id) : null,
      expiresAt: new Date(now.getTime() + this.settings.maxHours * 3_600_000),
      now,
    });
    return token;
  }

  /** The live session of a cookie token (its last use moves to now), or undefined. */
  async find(token: string | undefined): Promise<AccountAreaSessionRow | undefined> {
    if (!token || !TOKEN_PATTERN.test(token)) return undefined;
    const now = this.clock.now();
    const row = await this.repository.findLive(this.idOf(token), now, this.idleSince(now));
    if (row) await this.repository.touch(row.id, now);
    return row;
  }

  /** The ID token of a session, for the logout's `id_token_hint`; undefined when none was kept or it is unreadable. */
  idTokenOf(row: AccountAreaSessionRow): string | undefined {
    if (!row.idTokenEncrypted) return undefined;
    try {
      return decrypt(this.idTokenKey, row.idTokenEncrypted, row.id);
    } catch {
      return undefined;
    }
  }

  end(id: string): Promise<void> {
    return this.repository.delete(id);
  }

  /** Ends every account-area session of the account (password change, lock, deletion). */
  endForAccount(accountId: string): Promise<number> {
    return this.repository.deleteForAccount(accountId);
  }

  /** Deletes sessions past their limits (the purge job). */
  purge(): Promise<number> {
    const now = this.clock.now();
    return this.repository.purge(now, this.idleSince(now));
  }

  private idOf(token: string): string {
    return hmacBase64Url(this.idKey, token);
  }

  private idleSince(now: Date): Date {
    return new Date(now.getTime() - this.settings.idleMinutes * 60_000);
  }
}
