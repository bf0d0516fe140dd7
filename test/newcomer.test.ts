import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestDatabase } from './helpers/kontor.ts';
import { BrowserAgent, formEndingWith } from './helpers/browser-agent.ts';

// The first ten minutes of a newcomer: `npm start` (node src/main.ts --with-demo) on a machine where a
// port is taken, then again after fixing it, on the same data.

const DEMO = { email: 'erika.mustermann@example.org', password: 'Musterstadt-2026' };

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function occupy(port: number): Promise<Server> {
  const server = createServer((_req, res) => res.end('someone else'));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

interface Started {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

function npmStart(env: Record<string, string>): Started {
  const child = spawn(process.execPath, ['src/main.ts', '--with-demo'], {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? '', KONTOR_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

/** Waits until Kontor is ready and the demo portal answers (both answer 503 while starting). */
async function ready(started: Started, kontorUrl: string, portalUrl: string): Promise<void> {
  const deadline = Date.now() + 45_000;
  for (;;) {
    if (started.child.exitCode !== null) throw new Error(`npm start exited with ${started.child.exitCode}: ${started.stderr()}`);
    const up = await Promise.all(
      [fetch(`${kontorUrl}/readyz`), fetch(`${portalUrl}/`)].map((request) =>
        request.then(
          (res) => res.status === 200,
          () => false,
        ),
      ),
    );
    if (up.every(Boolean)) return;
    if (Date.now() > deadline) throw new Error(`npm start not ready: ${started.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function stop(started: Started): Promise<void> {
  if (started.child.exitCode === null) started.child.kill('SIGTERM');
  await started.exited;
}

/** Clicks "Mit Servicekonto anmelden" on the demo portal and logs in as the demo citizen; returns the portal's page. */
async function demoLogin(kontorUrl: string, portalUrl: string): Promise<{ page: string; sub: string }> {
  const portal = new BrowserAgent(portalUrl);
  const kontor = new BrowserAgent(kontorUrl);
  const toKontor = await portal.get('/login');
  expect(toKontor.status).toBe(302);
  expect(toKontor.location!.startsWith(`${kontorUrl}/auth?`)).toBe(true);
  const login = await kontor.follow(await kontor.get(toKontor.location!));
  expect(login.status).toBe(200);
  const form = formEndingWith(login.body, '/login');
  let next = await kontor.follow(await kontor.post(form.action, { ...form.fields, username: DEMO.email, password: DEMO.password }));
  if (next.status === 200 && next.body.includes('/consent')) {
    const consent = formEndingWith(next.body, '/consent');
    next = await kontor.follow(await kontor.post(consent.action, consent.fields));
  }
  expect(next.location?.startsWith(`${portalUrl}/callback?`)).toBe(true);
  const page = await portal.follow(await portal.get(next.location!));
  expect(page.status).toBe(200);
  const sub = /&quot;sub&quot;: &quot;([^&]+)&quot;|"sub": "([^"]+)"/.exec(page.body);
  return { page: page.body, sub: sub?.[1] ?? sub?.[2] ?? '' };
}

describe('npm start for a newcomer', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let env: Record<string, string>;
  let kontorPort: number;

  beforeAll(async () => {
    database = await createTestDatabase();
    kontorPort = await freePort();
    env = { DATABASE_URL: database.url, PORT: String(kontorPort) };
  });
  afterAll(() => database?.drop());

  it('stops with one line naming KONTOR_DEMO_PORT when the demo port is taken, and after that starts cleanly on the same data, on that port or another', async () => {
    const demoPort = await freePort();
    const squatter = await occupy(demoPort);
    const refused = npmStart({ ...env, KONTOR_DEMO_PORT: String(demoPort) });
    expect(await refused.exited).not.toBe(0);
    squatter.close();
    const lines = refused.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`Port ${demoPort}`);
    expect(lines[0]).toContain('KONTOR_DEMO_PORT');

    const kontorUrl = `http://localhost:${kontorPort}`;
    const first = npmStart({ ...env, KONTOR_DEMO_PORT: String(demoPort) });
    const firstPortal = `http://localhost:${demoPort}`;
    let sub: string;
    try {
      await ready(first, kontorUrl, firstPortal);
      const login = await demoLogin(kontorUrl, firstPortal);
      expect(login.page).toContain('Erika Mustermann');
      sub = login.sub;
      expect(sub).toBeTruthy();
    } finally {
      await stop(first);
    }

    // The newcomer moves the demo portal to another port: the seed moves the client's URIs with it, and
    // the person keeps their `sub` (the sector is the host name, not the port).
    const otherPort = await freePort();
    const moved = npmStart({ ...env, KONTOR_DEMO_PORT: String(otherPort) });
    const movedPortal = `http://localhost:${otherPort}`;
    try {
      await ready(moved, kontorUrl, movedPortal);
      const login = await demoLogin(kontorUrl, movedPortal);
      expect(login.page).toContain('Erika Mustermann');
      expect(login.sub).toBe(sub);
    } finally {
      await stop(moved);
    }
  });

  it("stops with one line naming PORT when Kontor's own port is taken", async () => {
    const squatter = await occupy(kontorPort);
    try {
      const refused = npmStart({ ...env, KONTOR_DEMO_PORT: String(await freePort()) });
      expect(await refused.exited).not.toBe(0);
      const lines = refused.stderr().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`Port ${kontorPort}`);
      expect(lines[0]).toMatch(/\bset PORT\b/);
    } finally {
      squatter.close();
    }
  });
});
