import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';

/**
 * The upstream's own signing keys, made fresh at every start and never written anywhere: RS256 (the
 * default ID token algorithm, OIDC Core §15.1) and ES256. Each process has different keys, so a test can
 * tell one upstream's tokens from another's.
 */
export async function generateSigningKeys(): Promise<JWK[]> {
  const keys: JWK[] = [];
  for (const alg of ['RS256', 'ES256'] as const) {
    const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
    const jwk = await exportJWK(privateKey);
    keys.push({ ...jwk, alg, use: 'sig', kid: await calculateJwkThumbprint(jwk) });
  }
  return keys;
}

/**
 * Test control: the ID token with some claims replaced (or removed, with `null`), signed again with the key
 * and kid that signed it, so that only the changed claims make the relying party refuse it.
 */
export async function resignIdToken(idToken: string, overrides: Record<string, unknown>, keys: JWK[]): Promise<string> {
  const header = decodeProtectedHeader(idToken);
  const key = keys.find((candidate) => candidate.kid === header.kid);
  if (!key || !header.alg) throw new Error(`no signing key for kid ${String(header.kid)}`);
  const claims: Record<string, unknown> = { ...decodeJwt(idToken) };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === null) delete claims[name];
    else claims[name] = value;
  }
  return new SignJWT(claims).setProtectedHeader({ ...header, alg: header.alg }).sign(await importJWK(key, header.alg));
}
