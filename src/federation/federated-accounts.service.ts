import type { EntityManager } from '@mikro-orm/sql';
import type { ConsentDefinition } from '../../config/registration.ts';
import type { FederatedAttribute, UpstreamConfig } from '../../config/federation.ts';
import { emailAddress, hasInvisibleCharacters, type AccountService, type AttributeWrite } from '../accounts/index.ts';
import type { AuditLog } from '../audit/index.ts';
import type { CredentialService } from '../credentials/index.ts';
import { AppError } from '../shared/app-error.ts';
import type { UpstreamIdentity } from './federation.service.ts';

export interface FederatedAccountsDeps {
  em: EntityManager;
  accounts: AccountService;
  credentials: CredentialService;
  audit: AuditLog;
  /** The deployment's registration consents: a first arrival accepts the required ones like a registration. */
  consents: ConsentDefinition[];
  /** Marks the verified upstream request used, in the transaction that consumes it. */
  finishRequest: (tx: EntityManager, requestId: string) => Promise<boolean>;
}

/** One received value as the first-arrival page shows it. */
export interface ReceivedAttribute {
  name: FederatedAttribute;
  value: unknown;
}

/**
 * Accounts of people who log in with another state's service account. The upstream identity (issuer +
 * subject) is a credential of its own; an account is found by it and by nothing else. Never by e-mail or
 * name: automatic linking by a matching address let an upstream that asserts someone's address take over
 * their account (Keycloak CVE-2026-9087). Linking to an existing account takes the person's explicit choice
 * and that account's own login.
 */
export class FederatedAccounts {
  private readonly deps: FederatedAccountsDeps;
  constructor(deps: FederatedAccountsDeps) {
    this.deps = deps;
  }

  /** The account this upstream identity belongs to, if it arrived before (or was linked). */
  accountOf(identity: UpstreamIdentity): Promise<string | undefined> {
    return this.deps.credentials.accountOfFederated(identity.issuer, identity.subject);
  }

  /**
   * The attributes the upstream sent, through the configured claim mapping (local attribute ← upstream claim),
   * each only when it is well-formed text ({@link wellFormed}); anything else is left out, as if not sent.
   */
  received(upstream: UpstreamConfig, identity: UpstreamIdentity): ReceivedAttribute[] {
    return Object.entries(upstream.claims).flatMap(([name, claim]) => {
      const value = wellFormed(name as FederatedAttribute, claimAt(identity.claims, claim!));
      return value === undefined ? [] : [{ name: name as FederatedAttribute, value }];
    });
  }

  /**
   * First arrival: creates the account from the upstream's claims (each attribute at the login's mapped
   * level, source `upstream`), with the person's consents, and the federated credential, in one transaction
   * with the audit event. `federation.email_missing` when the upstream sent no usable address,
   * `federation.email_unverified` when the upstream did not say it verified the address, `federation.email_taken`
   * when an account here has it (no automatic linking: the page offers the explicit one).
   */
  async create(input: {
    requestId: string;
    upstream: UpstreamConfig;
    identity: UpstreamIdentity;
    granted: Set<string>;
    locale: 'de' | 'en';
    ip: string | null;
    clientId: string | null;
  }): Promise<string> {
    const { upstream, identity } = input;
    const received = new Map(this.received(upstream, identity).map((attribute) => [attribute.name, attribute.value]));
    const email = emailAddress.safeParse(received.get('email'));
    if (!email.success) throw new AppError('federation.email_missing', 422);
    // OIDC Core §5.7: an address counts only when the upstream says it verified it. An unverified one would make
    // the account's login address whatever the upstream account holder typed: its real owner could not register,
    // would be told "you have an account", reset its password and use an account that holder still enters
    // upstream (account pre-hijacking, the "non-verifying IdP" attack; Sudhodanan & Paverd 2022).
    if (identity.claims.email_verified !== true) throw new AppError('federation.email_unverified', 422);
    const missing = this.deps.consents.filter((consent) => consent.required && !input.granted.has(consent.id));
    if (missing.length) throw new AppError('federation.consent_required', 422);
    const now = new Date();
    const attributes: AttributeWrite[] = [...received].map(([name, value]) => ({
      name,
      value,
      level: identity.level,
      source: 'upstream',
      sourceRef: upstream.id,
      verifiedAt: now,
    }));
    attributes.push({ name: 'email_verified', value: true, level: identity.level, source: 'upstream', sourceRef: upstream.id, verifiedAt: now });
    return this.deps.em.fork().transactional(async (tx) => {
      if (!(await this.deps.finishRequest(tx, input.requestId))) throw new AppError('federation.request_used', 409);
      const accountId = await this.deps.accounts.createFederated(tx, {
        email: email.data,
        emailVerified: true,
        givenName: String(received.get('given_name') ?? ''),
        familyName: String(received.get('family_name') ?? ''),
        locale: input.locale,
        attributes,
        consents: this.deps.consents.map((consent) => ({ id: consent.id, version: consent.version, granted: input.granted.has(consent.id) })),
      });
      await this.deps.credentials.addFederated(tx, accountId, identity.issuer, identity.subject);
      this.deps.audit.record(tx, {
        type: 'federation.account_created',
        accountId,
        clientId: input.clientId,
        ip: input.ip,
        details: { upstream: upstream.id, level: identity.level, attributes: [...received.keys()], consents: [...input.granted] },
      });
      return accountId;
    });
  }

  /**
   * Links the upstream identity to `accountId`, after that account's own login finished in this
   * interaction (password, and its second factor when it has one: the login flow asks for it before).
   */
  async link(input: {
    requestId: string;
    accountId: string;
    upstream: UpstreamConfig;
    identity: UpstreamIdentity;
    ip: string | null;
    clientId: string | null;
  }): Promise<void> {
    await this.deps.em.fork().transactional(async (tx) => {
      if (!(await this.deps.finishRequest(tx, input.requestId))) throw new AppError('federation.request_used', 409);
      await this.deps.credentials.addFederated(tx, input.accountId, input.identity.issuer, input.identity.subject);
      this.deps.audit.record(tx, {
        type: 'federation.linked',
        accountId: input.accountId,
        clientId: input.clientId,
        ip: input.ip,
        details: { upstream: input.upstream.id },
      });
    });
  }

  /** A returning person's login uses the request up (one login per callback). */
  async useForLogin(requestId: string): Promise<boolean> {
    return this.deps.em.fork().transactional((tx) => this.deps.finishRequest(tx, requestId));
  }
}

/** Longest value taken from an upstream (a name, a street, a place); the account's name columns keep 100. */
const MAX_VALUE_LENGTH = 200;
/** OpenID Connect for Identity Assurance 1.0 §4.1: `nationalities` is an array of country codes; every other attribute is a string. */
const LIST_ATTRIBUTES = new Set<FederatedAttribute>(['nationalities']);

/**
 * A received value as Kontor keeps it, or undefined to leave it out. The upstream's claims cross a trust
 * boundary like a form does (CONVENTIONS: zod at the edge): they become attributes every portal receives at
 * the upstream's level, so an object where a name belongs, a number as a date, a value of thousands of
 * characters or one with bidi overrides and other invisible characters (Unicode TR #36 §2.3) is not taken.
 */
function wellFormed(name: FederatedAttribute, value: unknown): string | string[] | undefined {
  const text = (item: unknown) => {
    if (typeof item !== 'string') return undefined;
    const trimmed = item.trim();
    return trimmed && trimmed.length <= MAX_VALUE_LENGTH && !hasInvisibleCharacters(trimmed) ? trimmed : undefined;
  };
  if (!LIST_ATTRIBUTES.has(name) || !Array.isArray(value)) return text(value);
  const items = value.slice(0, 10).map(text);
  return items.length > 0 && items.every((item) => item !== undefined) ? (items as string[]) : undefined;
}

/** A claim by name; `address.locality` reads a member of the `address` claim (OIDC Core §5.1.1). */
function claimAt(claims: Record<string, unknown>, path: string): unknown {
  if (path in claims) return claims[path];
  return path.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), claims);
}
