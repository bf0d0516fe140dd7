import type { AuthenticationLevel, TrustLevel } from '../trust/index.ts';

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
}

/** Called by the provider wiring after every real release (use id_token or userinfo): the ledger decides. */
export interface ReleaseRecorder {
  record(release: {
    accountId: string;
    clientId: string;
    use: 'id_token' | 'userinfo';
    claims: Array<{ name: string; level: TrustLevel }>;
    at: Date;
  }): Promise<void>;
}

/** Decides, claim by claim, what leaves Kontor for one client and one use. */
export class ClaimsComposer {
  /** The composition, or undefined when the account is not (or no longer) active. */
  async compose(_input: ComposeInput): Promise<Composition | undefined> {
    return undefined;
  }
}
