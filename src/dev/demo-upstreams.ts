import { type UpstreamConfig, upstreamSchema } from '../../config/federation.ts';
import type { DevUpstream } from '../example-upstream/dev-upstreams.ts';

/**
 * How Kontor reads the example states' levels: Nordland speaks eIDAS, Südland the BSI vocabulary. Both are
 * capped at substanziell, as a real interstate agreement would set it until eID logins are agreed on.
 */
const LEVEL_OF_UPSTREAM_ACR: Record<string, 'niedrig' | 'substanziell' | 'hoch'> = {
  'http://eidas.europa.eu/LoA/low': 'niedrig',
  'http://eidas.europa.eu/LoA/substantial': 'substanziell',
  'http://eidas.europa.eu/LoA/high': 'hoch',
  'http://bsi.bund.de/eID/LoA/normal': 'niedrig',
  'http://bsi.bund.de/eID/LoA/substantiell': 'substanziell',
  'http://bsi.bund.de/eID/LoA/hoch': 'hoch',
};

/** `npm start`'s example upstream as a configured upstream (the defaults of config/federation.ts filled in). */
export function demoUpstreamConfig(upstream: DevUpstream): UpstreamConfig {
  const acr = Object.fromEntries(upstream.acrValues.flatMap((value) => (LEVEL_OF_UPSTREAM_ACR[value] ? [[value, LEVEL_OF_UPSTREAM_ACR[value]]] : [])));
  return upstreamSchema.parse({
    id: upstream.id,
    name: upstream.name,
    issuer: upstream.issuer,
    clientId: upstream.clientId,
    clientAuth: { method: 'client_secret_basic', secret: upstream.clientSecret },
    scopes: ['openid', 'profile', 'email', 'address'],
    trust: { acr, ceiling: 'substanziell' },
    searchTerms: upstream.id === 'nordland' ? ['Kiel', 'Norden'] : ['München', 'Süden'],
  });
}
