import type { KoaContextWithOIDC } from 'oidc-provider';

interface TokenLike {
  clientId?: string;
  aud?: string | string[];
}
interface ClientLike {
  clientId: string;
}

/**
 * RFC 7662 §4: introspection tells who a token belongs to, so a portal may only introspect tokens issued
 * to it, or tokens whose audience it is (a resource server). Other portals' tokens look inactive.
 */
export async function introspectionAllowed(_ctx: KoaContextWithOIDC, client: ClientLike, token: TokenLike): Promise<boolean> {
  if (token.clientId === client.clientId) return true;
  const audience = Array.isArray(token.aud) ? token.aud : token.aud ? [token.aud] : [];
  return audience.includes(client.clientId);
}

/** RFC 7009 §2.1: a client may revoke only tokens issued to it. */
export async function revocationAllowed(_ctx: KoaContextWithOIDC, client: ClientLike, token: TokenLike): Promise<boolean> {
  return token.clientId === client.clientId;
}
