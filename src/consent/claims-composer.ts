import { higherOf, lowerOf, meets, type AuthenticationLevel, type TrustLevel } from '../trust/index.ts';
import { claimCatalogue, DERIVED_CLAIMS, formattedAddress, PROTOCOL_CLAIMS, SCOPE_CLAIMS, type ClaimCatalogue } from './claim-catalogue.ts';
import { claimPolicyOf, type ClientClaimPolicy } from './client-claim-policy.ts';

/** Why a claim was or was not released (TRUST-AND-CLAIMS.md, "Claims"). */
export type ClaimStatus = 'released' | 'not_requested' | 'not_registered' | 'not_consented' | 'below_level' | 'missing';

/** The composer's decision about one claim the request or the granted scopes touched. */
export interface ClaimDecision {
  /** Claim name, e.g. 'given_name', 'address'. */
  name: string;
  status: ClaimStatus;
  /** The request marked it essential (claims parameter, OIDC Core §5.5.1). */
  essential: boolean;
  /** The attribute's level (how the value was verified). */
  level?: TrustLevel;
  /** The client's registered minimum for this claim, if any. */
  requiredLevel?: TrustLevel;
  /** The value that would be / is released (for the consent page). */
  value?: unknown;
}

/** What the composer decided for one use. */
export interface Composition {
  /** What leaves Kontor, including sub-independent claims and sk_claim_trust. */
  claims: Record<string, unknown>;
  /** Every claim the request or the scopes touched. */
  decisions: ClaimDecision[];
  released: Array<{ name: string; level: TrustLevel }>;
}

/** One composition request. */
export interface ComposeInput {
  accountId: string;
  clientId: string;
  /** From the login's acr (levelOfAcr). */
  sessionLevel: AuthenticationLevel;
  /** Granted (or, for 'consent', requested) scopes. */
  scopes: string[];
  /** The claims parameter for this use (its id_token or userinfo member). */
  requested: Record<string, { essential?: boolean } | null>;
  /** Claims the person unticked (grant.getRejectedOIDCClaims()). */
  rejected: string[];
  /** 'consent': a preview, nothing is recorded. */
  use: 'id_token' | 'userinfo' | 'consent';
  /** The organisation the login chose, if any (the organisations contributor's default otherwise). */
  organisationId?: string;
}

/** Called by the provider wiring after every real release (use id_token or userinfo): the ledger decides. */
export interface ReleaseRecorder {
  record(release: {
    accountId: string;
    clientId: string;
    use: 'id_token' | 'userinfo';
    claims: Array<{ name: string; level: TrustLevel }>;
    at: Date;
    /** The client's `sk_purpose` at release time (the ledger keeps it with the row). */
    purpose?: string | null;
  }): Promise<void>;
}

/** An attribute a contributor supplies: a claim name (or `address.<member>`) with its verified level. */
export interface ContributedAttribute {
  name: string;
  value: unknown;
  level: TrustLevel;
}

/**
 * For whom the attributes are read: some depend on the requesting client (an organisation's roles for that
 * client only, TRUST-AND-CLAIMS.md) and on the organisation the login chose.
 */
export interface ContributionContext {
  clientId?: string;
  organisationId?: string;
  /**
   * The claims this request can touch (its scopes' claims and the claims parameter's names), when known: a
   * contributor that supplies none of them is not asked (a plain `openid profile email` request costs the
   * organisations nothing). Unknown: every contributor is asked.
   */
  claims?: ReadonlySet<string>;
}

/**
 * A source of attributes about a person: the account, the organisations, later the eID. `supplies` names
 * what it can contribute on this deployment (it shapes `claims_supported`).
 */
export interface ClaimContributor {
  readonly supplies: readonly string[];
  /** The person's attributes; undefined when the account is not active (the account contributor decides that). */
  attributesOf(accountId: string, context?: ContributionContext): Promise<ContributedAttribute[] | undefined>;
}

/** One person's attributes by name, loaded once per token or userinfo request. */
export type Subject = ReadonlyMap<string, ContributedAttribute>;

export interface ComposerDeps {
  /** The account's own attributes: an inactive account has no claims at all. */
  account: ClaimContributor;
  /** Further contributors; of two values for one name the better verified wins. */
  contributors?: ClaimContributor[];
  /** The client's stored metadata (ClientService.findMetadata, cached). */
  clientMetadata: (clientId: string) => Promise<Record<string, unknown> | undefined>;
}

/** Decides, claim by claim, what leaves Kontor for one client and one use. */
export class ClaimsComposer {
  readonly catalogue: ClaimCatalogue;
  private readonly deps: ComposerDeps;

  constructor(deps: ComposerDeps) {
    this.deps = deps;
    this.catalogue = claimCatalogue([deps.account, ...(deps.contributors ?? [])].flatMap((contributor) => contributor.supplies));
  }

  /** The composition, or undefined when the account is not (or no longer) active. */
  async compose(input: ComposeInput): Promise<Composition | undefined> {
    const subject = await this.subject(input.accountId, {
      clientId: input.clientId,
      organisationId: input.organisationId,
      claims: this.claimsTouchedBy(input.scopes, Object.keys(input.requested)),
    });
    return subject && this.decide(subject, input, await this.policyOf(input.clientId));
  }

  /** An active account's attributes (one statement for the account), or undefined; `context` for client-bound ones. */
  async subject(accountId: string, context: ContributionContext = {}): Promise<Subject | undefined> {
    const own = await this.deps.account.attributesOf(accountId, context);
    if (!own) return undefined;
    const { claims } = context;
    const asked = (this.deps.contributors ?? []).filter((contributor) => !claims || contributor.supplies.some((name) => claims.has(name)));
    const others = await Promise.all(asked.map((contributor) => contributor.attributesOf(accountId, context)));
    const byName = new Map<string, ContributedAttribute>();
    for (const attribute of [...own, ...others.flat()]) {
      if (!attribute) continue;
      const known = byName.get(attribute.name);
      if (!known || !meets(known.level, attribute.level)) byName.set(attribute.name, attribute);
    }
    return byName;
  }

  /** What the client registered for (metadata `scope`, `sk_claims`, `sk_claim_levels`). */
  async policyOf(clientId: string): Promise<ClientClaimPolicy> {
    return claimPolicyOf(await this.deps.clientMetadata(clientId));
  }

  /**
   * The release rule (TRUST-AND-CLAIMS.md): a claim leaves Kontor only if the scopes or the claims parameter ask
   * for it, the client is registered for it, the person did not untick it, the attribute exists, and both the
   * session's and the attribute's level meet the client's minimum for it.
   */
  decide(subject: Subject, input: ComposeInput, policy: ClientClaimPolicy): Composition {
    const decisions = this.touched(input).map((name) => decideOne(name, subject, input, policy));
    const released = decisions.filter((d) => d.status === 'released').map((d) => ({ name: d.name, level: d.level! }));
    const claims: Record<string, unknown> = { sub: input.accountId };
    for (const decision of decisions) if (decision.status === 'released') claims[decision.name] = decision.value;
    if (released.length) claims.sk_claim_trust = Object.fromEntries(released.map((claim) => [claim.name, claim.level]));
    return { claims, decisions, released };
  }

  /**
   * The attribute names a request with these scopes and claims-parameter names can touch (derived claims with
   * their parts): the `claims` of a {@link ContributionContext}, so contributors nobody asked are not run.
   */
  claimsTouchedBy(scopes: readonly string[], requested: readonly string[]): ReadonlySet<string> {
    const touched = this.touched({ scopes: [...scopes], requested: Object.fromEntries(requested.map((name) => [name, null])) });
    return new Set(touched.flatMap((name) => [name, ...(DERIVED_CLAIMS[name] ?? [])]));
  }

  /** The claims the scopes and the claims parameter name, in catalogue order; names of no scope are ignored. */
  private touched(input: Pick<ComposeInput, 'scopes' | 'requested'>): string[] {
    const asked = new Set([...input.scopes.flatMap((scope) => this.catalogue.scopes[scope] ?? []), ...Object.keys(input.requested)]);
    return Object.values(SCOPE_CLAIMS)
      .flat()
      .filter((claim) => asked.has(claim) && !PROTOCOL_CLAIMS.has(claim));
  }
}

function decideOne(name: string, subject: Subject, input: ComposeInput, policy: ClientClaimPolicy): ClaimDecision {
  const essential = input.requested[name]?.essential === true;
  // A derived claim carries its parts (name contains family_name): it is held to their minimums and their
  // consent too, or a withheld part would leave through it.
  const governing = [name, ...(DERIVED_CLAIMS[name] ?? [])];
  const requiredLevel = governing.flatMap((claim) => policy.levels[claim] ?? []).reduce<TrustLevel | undefined>((a, b) => (a ? higherOf(a, b) : b), undefined);
  const base = { name, essential, ...(requiredLevel ? { requiredLevel } : {}) };
  if (!policy.claims.has(name)) return { ...base, status: 'not_registered' };
  const found = attributeValueOf(name, subject);
  const known = found ? { level: found.level, value: found.value } : {};
  if (governing.some((claim) => input.rejected.includes(claim))) return { ...base, ...known, status: 'not_consented' };
  if (!found) return { ...base, status: 'missing' };
  const required = requiredLevel ?? 'basisregistrierung';
  if (!meets(input.sessionLevel, required) || !meets(found.level, required)) return { ...base, ...known, status: 'below_level' };
  return { ...base, ...known, status: 'released' };
}

/** A claim's value and level: its attribute, or for a derived claim its parts (at the lowest of their levels). */
function attributeValueOf(name: string, subject: Subject): { value: unknown; level: TrustLevel } | undefined {
  const parts = DERIVED_CLAIMS[name];
  if (!parts) return subject.get(name);
  const present = parts.flatMap((part) => (subject.has(part) ? [subject.get(part)!] : []));
  if (!present.length) return undefined;
  const level = present.map((part) => part.level).reduce((a, b) => lowerOf(a, b));
  if (name === 'name') return { value: present.map((part) => String(part.value)).join(' '), level };
  const members = Object.fromEntries(present.map((part) => [part.name.slice('address.'.length), part.value]));
  return { value: { ...members, formatted: formattedAddress(members) }, level };
}
