import { deriveKey, hmacBase64Url } from '../shared/crypto.ts';
import { PortUnavailable } from '../shared/listen.ts';
import type { Logger } from '../shared/logger.ts';
import { EXIT_PORT_UNAVAILABLE_CODE } from './exit-codes.ts';
import type { UpstreamAccountInput } from './options.ts';
import { spawnUpstream, UpstreamStartFailed, type UpstreamProcess } from './spawn.ts';

/** The variable that moves both example upstreams (Nordland on it, Südland on the next port). */
export const DEMO_UPSTREAM_PORT_VARIABLE = 'KONTOR_DEMO_UPSTREAM_PORT';

interface ExampleState {
  id: 'nordland' | 'suedland';
  name: { de: string; en: string };
  acrValues: string[];
  account: UpstreamAccountInput;
}

/** The two example federal states, each with one demo account (the passwords are in the README). */
export const EXAMPLE_STATES: ExampleState[] = [
  {
    id: 'nordland',
    name: { de: 'Servicekonto Nordland', en: 'Nordland service account' },
    // eIDAS levels (Implementing Regulation (EU) 2015/1502), as a state on that vocabulary announces them.
    acrValues: ['http://eidas.europa.eu/LoA/low', 'http://eidas.europa.eu/LoA/substantial', 'http://eidas.europa.eu/LoA/high'],
    account: {
      username: 'max.nordmann',
      password: 'Nordland-2026',
      sub: 'nordland-4711',
      acr: 'http://eidas.europa.eu/LoA/substantial',
      amr: ['pwd', 'otp'],
      claims: {
        given_name: 'Max',
        family_name: 'Nordmann',
        name: 'Max Nordmann',
        email: 'max.nordmann@example.org',
        email_verified: true,
        birthdate: '1985-04-12',
        address: { street_address: 'Hafenstraße 7', postal_code: '24103', locality: 'Kiel', country: 'DE' },
      },
    },
  },
  {
    id: 'suedland',
    name: { de: 'Servicekonto Südland', en: 'Südland service account' },
    // BSI TR-03107-1 levels.
    acrValues: ['http://bsi.bund.de/eID/LoA/normal', 'http://bsi.bund.de/eID/LoA/substantiell', 'http://bsi.bund.de/eID/LoA/hoch'],
    account: {
      username: 'sofia.suedmann',
      password: 'Suedland-2026',
      sub: 'suedland-0815',
      acr: 'http://bsi.bund.de/eID/LoA/normal',
      amr: ['pwd'],
      claims: {
        given_name: 'Sofia',
        family_name: 'Südmann',
        name: 'Sofia Südmann',
        email: 'sofia.suedmann@example.org',
        email_verified: true,
        birthdate: '1992-09-30',
        address: { street_address: 'Marktplatz 3', postal_code: '80331', locality: 'München', country: 'DE' },
      },
    },
  },
];

export interface DevUpstream {
  id: string;
  name: { de: string; en: string };
  issuer: string;
  clientId: string;
  clientSecret: string;
  acrValues: string[];
}

export interface DevUpstreamsOptions {
  /** Kontor's issuer: its federation callback, logged-out and back-channel URIs are registered below it. */
  kontorIssuer: string;
  basePort: number;
  host?: string;
  /** Kontor's client secrets at the upstreams are derived from it (KONTOR_SECRET in development). */
  secret: string;
  logger: Logger;
}

/**
 * `npm start`'s two example federal states as child processes, Kontor registered at each as the client
 * `kontor` (client_secret_basic). Fails with a PortUnavailable naming KONTOR_DEMO_UPSTREAM_PORT when a
 * port is taken; nothing keeps running then.
 */
export async function startDevUpstreams(options: DevUpstreamsOptions): Promise<{ upstreams: DevUpstream[]; close(): Promise<void> }> {
  const host = options.host ?? '127.0.0.1';
  const kontor = options.kontorIssuer.replace(/\/$/, '');
  const key = deriveKey(options.secret, 'example-upstream-clients');
  const started: UpstreamProcess[] = [];
  const close = async () => {
    await Promise.all(started.map((upstream) => upstream.stop()));
  };
  const upstreams: DevUpstream[] = [];
  try {
    for (const [index, state] of EXAMPLE_STATES.entries()) {
      const port = options.basePort + index;
      const clientSecret = hmacBase64Url(key, state.id);
      const federation = `${kontor}/federation/${state.id}`;
      const running = await spawnUpstream({
        name: state.name.de,
        host,
        port,
        acrValues: state.acrValues,
        accounts: [state.account],
        portVariable: DEMO_UPSTREAM_PORT_VARIABLE,
        clients: [
          {
            client_id: 'kontor',
            client_name: 'Kontor Servicekonto',
            client_secret: clientSecret,
            token_endpoint_auth_method: 'client_secret_basic',
            redirect_uris: [`${federation}/callback`],
            post_logout_redirect_uris: [`${federation}/logged-out`],
            backchannel_logout_uri: `${federation}/backchannel-logout`,
          },
        ],
      }).catch((error: unknown) => {
        if (error instanceof UpstreamStartFailed && error.exitCode === EXIT_PORT_UNAVAILABLE_CODE) {
          throw new PortUnavailable(
            `Port ${port} (${state.name.de}) on ${host} is not available: set ${DEMO_UPSTREAM_PORT_VARIABLE} to a free port (the example upstreams use it and the next one), e.g. ${DEMO_UPSTREAM_PORT_VARIABLE}=${options.basePort + 100} npm start`,
            DEMO_UPSTREAM_PORT_VARIABLE,
          );
        }
        throw error;
      });
      started.push(running);
      options.logger.info({ upstream: state.id, issuer: running.issuer, pid: running.pid }, 'example upstream started');
      upstreams.push({ id: state.id, name: state.name, issuer: running.issuer, clientId: 'kontor', clientSecret, acrValues: state.acrValues });
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { upstreams, close };
}
