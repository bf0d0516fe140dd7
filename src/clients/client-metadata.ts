import { AppError } from '../shared/app-error.ts';
import { isLoopbackHost } from '../shared/urls.ts';
import { createClientInput, type CreateClientInput } from './client.schemas.ts';

export type ParsedClientInput = ReturnType<typeof createClientInput.parse>;

function tlsOrLoopback(uri: string): boolean {
  const url = new URL(uri);
  return url.protocol !== 'http:' || isLoopbackHost(url.hostname);
}

/**
 * Validates an operator's client input: the schema, https in production (RFC 9700 §2.1, loopback
 * excepted), and a sector for redirect URIs on several hosts or ports.
 */
export function parseClientInput(input: CreateClientInput, requireHttps: boolean): ParsedClientInput {
  const parsed = createClientInput.safeParse(input);
  if (!parsed.success) {
    throw new AppError(
      'client.invalid_input',
      400,
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const data = parsed.data;
  if (requireHttps) {
    const plain = [
      ...data.redirectUris,
      ...data.postLogoutRedirectUris,
      data.jwksUri,
      data.backchannelLogoutUri,
      data.clientUri,
      data.sectorIdentifierUri,
      data.logoUri,
      data.policyUri,
    ].filter((uri): uri is string => uri !== undefined && !tlsOrLoopback(uri));
    if (plain.length)
      throw new AppError(
        'client.https_required',
        400,
        plain.map((uri) => `${uri}: use https (plain http only for loopback addresses)`),
      );
  }
  // oidc-provider demands a sector_identifier_uri as soon as the redirect URIs' `host` (name *and* port)
  // differs; say so in the operator's terms before its generic "sector_identifier_uri is mandatory property".
  const hosts = new Set(data.redirectUris.map((uri) => new URL(uri).host));
  if (hosts.size > 1 && !data.sectorIdentifierUri) {
    throw new AppError('client.sector_identifier_required', 400, [
      `the redirect URIs use several hosts or ports (${[...hosts].join(', ')}): give --sector-identifier-uri, an https URL that answers with a JSON array of every redirect URI (OIDC Core §8.1, OpenID Connect Registration §5)`,
    ]);
  }
  return data;
}

/** What a client may receive and how consent is asked, in the metadata names oidc-provider reads (`sk_*`: Kontor's). */
function claimMetadata(data: ParsedClientInput): Record<string, unknown> {
  const codeFlow = data.grantTypes.includes('authorization_code');
  // Refresh tokens need offline_access (OIDC Core §11); a client allowed them may ask for it.
  const scopes = [...new Set([...(data.scopes ?? ['openid', 'profile', 'email']), ...(data.grantTypes.includes('refresh_token') ? ['offline_access'] : [])])];
  return {
    ...(codeFlow ? { scope: scopes.join(' ') } : {}),
    ...(data.claims ? { sk_claims: [...new Set(data.claims)] } : {}),
    ...(data.claimLevels?.length ? { sk_claim_levels: Object.fromEntries(data.claimLevels) } : {}),
    sk_consent: data.consent === 'remembered' ? 'remembered' : 'every_time',
    sk_first_party: data.firstParty,
    sk_id_token_claims: data.idTokenClaims,
    ...(data.organisation ? { sk_organisation: data.organisation } : {}),
    ...(data.address ? { sk_address: data.address } : {}),
    ...(data.purpose ? { sk_purpose: data.purpose } : {}),
    ...(data.logoUri ? { logo_uri: data.logoUri } : {}),
    ...(data.policyUri ? { policy_uri: data.policyUri } : {}),
  };
}

/** The client's metadata in RFC 7591 / OpenID Connect Registration names, without the secret. */
export function clientMetadata(clientId: string, data: ParsedClientInput): Record<string, unknown> {
  return {
    ...claimMetadata(data),
    client_id: clientId,
    client_name: data.name,
    redirect_uris: data.redirectUris,
    post_logout_redirect_uris: data.postLogoutRedirectUris,
    token_endpoint_auth_method: data.authMethod,
    grant_types: data.grantTypes,
    response_types: data.grantTypes.includes('authorization_code') ? ['code'] : [],
    id_token_signed_response_alg: data.idTokenSignedResponseAlg,
    ...(data.jwksUri ? { jwks_uri: data.jwksUri } : {}),
    ...(data.clientUri ? { client_uri: data.clientUri } : {}),
    ...(data.sectorIdentifierUri ? { sector_identifier_uri: data.sectorIdentifierUri } : {}),
    ...(data.subjectType ? { subject_type: data.subjectType } : {}),
    ...(data.defaultAcrValues?.length ? { default_acr_values: data.defaultAcrValues } : {}),
    ...(data.backchannelLogoutUri ? { backchannel_logout_uri: data.backchannelLogoutUri, backchannel_logout_session_required: true } : {}),
  };
}
