import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The event claim of a logout token (OpenID Connect Back-Channel Logout 1.0 §2.4). */
export const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** A loopback back-channel logout endpoint that keeps the logout tokens it receives. */
export async function backchannelReceiver(): Promise<{ url: string; tokens: string[]; server: Server }> {
  const tokens: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      tokens.push(new URLSearchParams(body).get('logout_token') ?? '');
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/backchannel`, tokens, server };
}
