import type { UpstreamAccountInput, UpstreamClient, UpstreamOptions } from '../../src/example-upstream/options.ts';
import { spawnUpstream } from '../../src/example-upstream/spawn.ts';

/** The default upstream account (an eIDAS substantial login with password and one-time code). */
export const UPSTREAM_ACCOUNT = {
  username: 'anna.nord',
  password: 'Upstream-Pass-1',
  sub: 'nord-0001',
  acr: 'http://eidas.europa.eu/LoA/substantial',
  amr: ['pwd', 'otp'],
  claims: {
    given_name: 'Anna',
    family_name: 'Nord',
    email: 'anna.nord@example.org',
    email_verified: true,
    birthdate: '1990-01-31',
    address: { street_address: 'Deichweg 1', postal_code: '25813', locality: 'Husum', country: 'DE' },
  },
} satisfies UpstreamAccountInput;

/** What POST /__control accepts (src/example-upstream/test-controls.ts); `{}` restores the start. */
export interface UpstreamBehaviour {
  idTokenOverrides?: Record<string, unknown>;
  tokenStatus?: number | null;
  accounts?: UpstreamAccountInput[];
}

export interface RunningUpstream {
  issuer: string;
  /** The same as the issuer (http://127.0.0.1:PORT): where its pages and endpoints are. */
  url: string;
  pid: number;
  control(behaviour: UpstreamBehaviour): Promise<void>;
  /** Ends the account's upstream sessions (its back-channel logout fires); the number ended. */
  endSessionsOf(sub: string): Promise<number>;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

/**
 * Starts an example upstream OpenID provider in its own process (own port, own keys) with its test
 * controls on. Port 0: suites running at the same time never collide.
 */
export async function startUpstreamOp(options: Partial<UpstreamOptions> & { clients: UpstreamClient[] }): Promise<RunningUpstream> {
  const running = await spawnUpstream({ name: 'Servicekonto Testland', accounts: [UPSTREAM_ACCOUNT], ...options, port: options.port ?? 0, testControls: true });
  const url = running.issuer;
  const control = async (behaviour: UpstreamBehaviour) => {
    const response = await fetch(`${url}/__control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(behaviour) });
    if (!response.ok) throw new Error(`control refused: ${response.status} ${await response.text()}`);
  };
  const endSessionsOf = async (sub: string) => {
    const response = await fetch(`${url}/__control/logout?sub=${encodeURIComponent(sub)}`);
    if (!response.ok) throw new Error(`logout control failed: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { ended: number }).ended;
  };
  return { issuer: running.issuer, url, pid: running.pid, control, endSessionsOf, stop: running.stop, kill: running.kill };
}
