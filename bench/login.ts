/**
 * `npm run bench:login` (`node bench/login.ts`): complete browser logins per second against Kontor on
 * PostgreSQL, on loopback. Every iteration is a new browser (empty cookie jar) that walks the whole login:
 *
 *   GET /auth?…  → 303 /interaction/:uid          (fresh authorization request, PKCE S256, own state)
 *   GET /interaction/:uid                         (login page: CSRF token from the form, CSRF cookie)
 *   POST /interaction/:uid/login                  (user name + password → 303 /auth/:uid)   ← timed on its own
 *   GET /auth/:uid → 303 /interaction/:uid2       (session created; a new browser has no grant yet)
 *   GET /interaction/:uid2, POST …/consent        (consent page and its form)
 *   GET /auth/:uid2 → 303 <redirect_uri>?code=…   (the iteration ends here; the code is checked, not redeemed)
 *
 * BENCH_LOGIN_MODE=totp logs in with accounts that have a confirmed TOTP app: the login POST 303s to
 * /interaction/:uid instead, and two steps come before the GET /auth/:uid:
 *
 *   GET /interaction/:uid                         (second-factor page: CSRF token from the TOTP form)
 *   POST /interaction/:uid/second-factor          (method=totp, the code for this moment → 303 /auth/:uid) ← timed on its own
 *
 * A code is accepted once per account and time step, so the child seeds a pool of such accounts and the
 * workers take them round-robin (bench/totp-pool.ts). BENCH_LOGIN_MODE=both (the default) runs a password
 * round and a TOTP round, one after the other, for every round, and compares them.
 *
 * A closed loop: BENCH_CONCURRENCY workers each run one login after the other for BENCH_DURATION seconds
 * after BENCH_WARMUP seconds of unmeasured load. The same file is its own server child
 * (BENCH_LOGIN_ROLE=server): a real Kontor (startKontor) on a fresh PostgreSQL database, one confidential
 * client and one verified account created through the container's services, as the tests do. Only HTTP is
 * used for the login itself, so this file runs unchanged against older Kontor versions (before the abuse
 * protection: the rate-limit settings in the config file are then ignored, and the output says so).
 *
 * Rate limits: the child loads a KONTOR_CONFIG_FILE written by this script that raises
 * rateLimits.loginPerIp (and rateLimits.secondFactorPerIp, the same window for the code entries) to 10^9 per
 * 15 minutes: every login comes from 127.0.0.1, and the default (60 per 15 minutes) would answer 429 after a
 * second. The per-IP upserts still run on every login POST and every code POST.
 *
 * Measured per round: completed logins/s; p50/p95/p99 latency of the login POST alone and of the whole
 * sequence; errors by step; CPU of the Kontor process (all its threads, argon2 included), of PostgreSQL
 * and of this load generator, read from /proc as bench/measure.ts does; SQL statements Kontor sent per
 * login (whole sequence, under load) and per step (from a few sequential probe logins before the load,
 * counted by wrapping each pooled pg client's `query` in the child — observation only).
 *
 * Environment (all optional):
 *   BENCH_DURATION          seconds of the measured phase                       (default 20)
 *   BENCH_WARMUP            seconds of unmeasured load before it                (default 5)
 *   BENCH_CONCURRENCY       parallel browsers (closed loop)                     (default 8)
 *   BENCH_ROUNDS            repeat the whole thing (new server and database)    (default 1, at most 5)
 *   BENCH_PROBES            sequential logins before the load, for SQL per step (default 20)
 *   BENCH_LOGIN_MODE        password | totp | both                               (default both)
 *   BENCH_TOTP_ACCOUNTS     accounts with a TOTP app seeded for a TOTP round      (default 80 × (warm-up +
 *                           duration) + probes + 1 = 2021: 80 logins/s without reusing an account within 65 s)
 *   BENCH_PG_URL            admin connection (loopback only)   (default postgres://postgres@127.0.0.1:5432/postgres)
 *   BENCH_JSON              write the results as JSON to this file
 *   BENCH_NODE_ARGS         extra node options for the server child, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
 *   BENCH_KONTOR_LOG_LEVEL  Kontor's log level in its child (default silent)
 *   BENCH_SQL_TRACE         1: print the SQL statements of each step of the last probe login (stderr)
 * Exit code 1 when the measured phase saw any error (a refused TOTP code is one), or a check failed.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import argon2 from 'argon2';
import { formEndingWith, parseForms } from '../test/helpers/browser-agent.ts';
import { createBenchDatabase, runCleanups, seedBenchRelyingParty, type Cleanup } from './bench-setup.ts';
import { discover, type Endpoints } from './mint.ts';
import { cpuSnapshot, type CpuSnapshot } from './measure.ts';
import { seedTotpAccounts, TotpPool, type TotpPoolFile } from './totp-pool.ts';
import {
  announceReady,
  freeLoopbackPort,
  PERSON,
  READY_PREFIX,
  REDIRECT_URI,
  SCOPE,
  serveStats,
  shutdownOn,
  type ChildStats,
  type ServerInfo,
} from './shared.ts';

/** What the server child reports besides the usual {@link ServerInfo}. */
interface LoginServerInfo extends ServerInfo {
  /** rateLimits.loginPerIp as Kontor loaded it; null when this version has no rate limits. */
  loginPerIp: { limit: number; windowSeconds: number } | null;
  /** rateLimits.secondFactorPerIp as Kontor loaded it; null when this version has no second factor. */
  secondFactorPerIp: { limit: number; windowSeconds: number } | null;
  /** The TOTP pool written to BENCH_TOTP_FILE (TOTP rounds only): how many accounts, seeded in how long. */
  totpPool: { accounts: number; seconds: number } | null;
  /** config.password (argon2id parameters) as Kontor loaded it. */
  passwordHashing: { argon2MemoryKiB: number; argon2TimeCost: number; argon2Parallelism: number; maxConcurrentHashes?: number } | null;
  poolMax: number | null;
}

/** The rule written into KONTOR_CONFIG_FILE: all benchmark logins come from one address. */
const GENEROUS_LOGIN_PER_IP = { limit: 1_000_000_000, windowSeconds: 900 };

// =========================================================================================================
// Server child

async function serve(): Promise<void> {
  const { loadConfig } = await import('../config/index.ts');
  const { startKontor } = await import('../src/server.ts');
  const { createLogger } = await import('../src/shared/logger.ts');
  const databaseUrl = process.env.BENCH_DATABASE_URL;
  if (!databaseUrl) throw new Error('BENCH_DATABASE_URL is required');
  const port = await freeLoopbackPort();
  const loaded = loadConfig({
    KONTOR_ENV: 'development',
    KONTOR_DEV_FEATURES: 'false',
    KONTOR_SECRET: randomBytes(32).toString('base64url'),
    KONTOR_LOG_LEVEL: 'silent',
    KONTOR_HOST: '127.0.0.1',
    PORT: String(port),
    KONTOR_ISSUER: `http://127.0.0.1:${port}`,
    DATABASE_URL: databaseUrl,
    KONTOR_CONFIG_FILE: process.env.KONTOR_CONFIG_FILE,
  });
  const kontor = await startKontor(loaded, createLogger(process.env.BENCH_KONTOR_LOG_LEVEL ?? 'silent'));
  shutdownOn(() => kontor.close());
  const { container } = kontor;

  // Statements sent to PostgreSQL, as in kontor-server.ts: every pooled client's `query`, wrapped once.
  let queryCount = 0;
  interface CountedClient {
    query: (...args: unknown[]) => unknown;
  }
  const connection = container.db.orm.em.getConnection() as unknown as {
    getNativeClient(): Promise<{ on(event: 'acquire', listener: (client: CountedClient) => void): void }>;
  };
  const pool = await connection.getNativeClient();
  const counted = new WeakSet<CountedClient>();
  // BENCH_SQL_TRACE=1: the parent may ask for the latest statements' text (one line each) to name them.
  const traceSql = process.env.BENCH_SQL_TRACE === '1';
  const recent: string[] = [];
  pool.on('acquire', (client) => {
    if (counted.has(client)) return;
    counted.add(client);
    const query = client.query.bind(client);
    client.query = (...args: unknown[]) => {
      queryCount += 1;
      if (traceSql) recent.push(statementText(args[0]));
      if (recent.length > 100) recent.shift();
      return query(...args);
    };
  });
  serveStats(() => ({ dbQueries: queryCount }));
  process.on('message', (message) => {
    if (message === 'statements') process.send?.({ statements: recent.splice(0) });
  });

  const { clientId, clientSecret, password } = await seedBenchRelyingParty(container);
  const totpFile = process.env.BENCH_TOTP_FILE;
  const totpAccounts = Number(process.env.BENCH_TOTP_ACCOUNTS ?? '0');
  const totpPool = totpFile
    ? { accounts: totpAccounts, ...(await seedTotpAccounts(container, totpAccounts, randomBytes(18).toString('base64url'), totpFile)) }
    : null;

  // Read through a loose view: older versions have no rateLimits.
  const config = loaded as unknown as {
    rateLimits?: { loginPerIp?: LoginServerInfo['loginPerIp']; secondFactorPerIp?: LoginServerInfo['secondFactorPerIp'] };
    password?: LoginServerInfo['passwordHashing'];
    database?: { poolMax?: number };
  };
  const info: LoginServerInfo = {
    kind: 'kontor',
    issuer: kontor.url,
    clientId,
    clientSecret,
    redirectUri: REDIRECT_URI,
    username: PERSON.email,
    password,
    pid: process.pid,
    loginPerIp: config.rateLimits?.loginPerIp ?? null,
    secondFactorPerIp: config.rateLimits?.secondFactorPerIp ?? null,
    totpPool,
    passwordHashing: config.password ?? null,
    poolMax: config.database?.poolMax ?? null,
  };
  announceReady(info);
}

/** The first 160 characters of a statement, on one line ("begin", "select … from login_throttle …"). */
function statementText(query: unknown): string {
  const text =
    typeof query === 'string' ? query : typeof (query as { text?: unknown } | null)?.text === 'string' ? (query as { text: string }).text : String(query);
  return text.replace(/\s+/g, ' ').trim().slice(0, 160);
}

// =========================================================================================================
// Parent: settings

function intEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer in [${min}, ${max}], got ${raw}`);
  return value;
}

/** How a login proves who it is: the password alone, or the password and then a TOTP app's code. */
type Mode = 'password' | 'totp';

function loginModes(raw: string | undefined): Mode[] {
  if (raw === undefined || raw === '' || raw === 'both') return ['password', 'totp'];
  if (raw === 'password' || raw === 'totp') return [raw];
  throw new Error(`BENCH_LOGIN_MODE must be password, totp or both, got ${raw}`);
}

/**
 * The TOTP pool's default size is made for this rate over warm-up and measured phase (more than twice what
 * this 2-core machine reaches), so no account is needed twice; seeding costs ≈ 35 statements per account.
 */
const TOTP_POOL_RATE = 80;

const timing = {
  duration: intEnv('BENCH_DURATION', 20, 1, 120),
  warmup: intEnv('BENCH_WARMUP', 5, 0, 60),
  probes: intEnv('BENCH_PROBES', 20, 3, 200),
};

const settings = {
  ...timing,
  concurrency: intEnv('BENCH_CONCURRENCY', 8, 1, 64),
  rounds: intEnv('BENCH_ROUNDS', 1, 1, 5),
  modes: loginModes(process.env.BENCH_LOGIN_MODE),
  // + the sanity login and the probes, which come before the load.
  totpAccounts: intEnv('BENCH_TOTP_ACCOUNTS', TOTP_POOL_RATE * (timing.warmup + timing.duration) + timing.probes + 1, 10, 100_000),
  pgUrl: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
};

const log = (message: string) => process.stderr.write(`[bench:login] ${message}\n`);

// =========================================================================================================
// Parent: child process and throwaway database (as in run.ts)

interface Child {
  info: LoginServerInfo;
  stats(): Promise<ChildStats>;
  /** The statements' text since the last call (BENCH_SQL_TRACE=1 only, else empty). */
  statements(): Promise<string[]>;
  stop(): Promise<void>;
}

const cleanups = new Set<Cleanup>();

async function startChild(env: Record<string, string>): Promise<Child> {
  const path = fileURLToPath(import.meta.url);
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, path], {
    stdio: ['pipe', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, ...env, BENCH_LOGIN_ROLE: 'server' },
  });
  createInterface({ input: child.stderr! }).on('line', (line) => process.stderr.write(`[kontor] ${line}\n`));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const info = await new Promise<Child['info']>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('kontor: not ready within 120 s')), 120_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith(READY_PREFIX)) return void process.stderr.write(`[kontor:stdout] ${line}\n`);
      clearTimeout(timer);
      resolve(JSON.parse(line.slice(READY_PREFIX.length)) as Child['info']);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`kontor: exited with code ${code} before it was ready`));
    });
  }).catch(async (error: unknown) => {
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
    throw error;
  });
  const stop = async () => {
    cleanups.delete(stop);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 25_000))]);
    if (code === 'timeout') {
      log(`kontor (pid ${child.pid}) did not stop within 25 s, killing it`);
      child.kill('SIGKILL');
      await exited;
    }
  };
  cleanups.add(stop);
  const ask = <T>(request: string, field: string) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.off('message', onMessage);
        reject(new Error(`kontor: no ${field} within 5 s`));
      }, 5000);
      const onMessage = (message: unknown) => {
        const answer = (message as Record<string, unknown> | null)?.[field];
        if (answer === undefined) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(answer as T);
      };
      child.on('message', onMessage);
      child.send(request);
    });
  return { info, stats: () => ask<ChildStats>('stats', 'stats'), statements: () => ask<string[]>('statements', 'statements'), stop };
}

async function cleanupAll(): Promise<void> {
  await runCleanups(cleanups, log);
}

// =========================================================================================================
// Parent: CPU from /proc, with bench/measure.ts's accounting

/** CPU seconds used between two snapshots, and the wall time. */
interface CpuUse {
  wall: number;
  server: number;
  postgres: number;
  loadgen: number;
  other: number;
  steal: number;
}

function cpuUse(before: CpuSnapshot, after: CpuSnapshot): CpuUse {
  let postgres = 0;
  for (const [pid, seconds] of after.postgres) postgres += seconds - (before.postgres.get(pid) ?? 0);
  const server = after.server - before.server;
  const loadgen = after.loadgen - before.loadgen;
  const other = Math.max(0, after.machine.busy - before.machine.busy - server - postgres - loadgen);
  return { wall: (after.at - before.at) / 1000, server, postgres, loadgen, other, steal: after.machine.steal - before.machine.steal };
}

// =========================================================================================================
// Parent: one browser login over HTTP

/** A cookie jar per browser: cookies by name and path, sent where the path matches, expired ones dropped. */
class CookieJar {
  private readonly cookies = new Map<string, { name: string; value: string; path: string }>();

  header(pathname: string): string | undefined {
    const pairs = [...this.cookies.values()].filter((cookie) => pathname.startsWith(cookie.path)).map((cookie) => `${cookie.name}=${cookie.value}`);
    return pairs.length ? pairs.join('; ') : undefined;
  }

  store(setCookies: string[]): void {
    for (const header of setCookies) {
      const [pair = '', ...attributes] = header.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let path = '/';
      let expired = value === '';
      for (const attribute of attributes) {
        const [key = '', attrValue = ''] = attribute.split('=');
        const lower = key.toLowerCase();
        if (lower === 'path') path = attrValue;
        else if (lower === 'max-age' && Number(attrValue) <= 0) expired = true;
        else if (lower === 'expires' && Date.parse(attrValue) < Date.now()) expired = true;
      }
      if (expired) this.cookies.delete(`${name}|${path}`);
      else this.cookies.set(`${name}|${path}`, { name, value, path });
    }
  }
}

interface HttpResult {
  status: number;
  location: string | null;
  body: string;
  url: string;
}

/** Per-request time limit: a hung server ends the iteration with an error instead of stalling the loop. */
const REQUEST_TIMEOUT_MS = 15_000;

async function send(jar: CookieJar, url: string, form?: Record<string, string>): Promise<HttpResult> {
  const target = new URL(url);
  const headers: Record<string, string> = { 'accept-language': 'de' };
  const cookie = jar.header(target.pathname);
  if (cookie) headers.cookie = cookie;
  if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
  const response = await fetch(target, {
    method: form ? 'POST' : 'GET',
    headers,
    body: form ? new URLSearchParams(form).toString() : undefined,
    redirect: 'manual',
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  jar.store(response.headers.getSetCookie());
  const location = response.headers.get('location');
  return { status: response.status, location: location === null ? null : new URL(location, target).href, body: await response.text(), url: target.href };
}

/** The steps of one login, in order; the ones after the login POST depend on what the server asks. */
const STEPS = [
  'GET /auth',
  'GET login page',
  'POST login',
  'GET second-factor page',
  'POST second factor',
  'GET /auth/:uid (after login)',
  'GET consent page',
  'POST consent',
  'GET /auth/:uid (after consent)',
] as const;
type Step = (typeof STEPS)[number];

class StepError extends Error {
  readonly step: Step;
  readonly kind: string;
  constructor(step: Step, kind: string, detail: string) {
    super(`${step}: ${kind}: ${detail}`);
    this.step = step;
    this.kind = kind;
  }
}

interface LoginTimes {
  steps: Partial<Record<Step, number>>;
  total: number;
  code: string;
  verifier: string;
}

/** Optional hooks around each request (the probe uses them to read the SQL counter). */
interface StepHooks {
  before(step: Step): Promise<void>;
  after(step: Step): Promise<void>;
}

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Who logs in: the seeded person (password mode) or a pool account whose code is computed at the POST. */
interface Credentials {
  username: string;
  password: string;
  totpCode?: () => Promise<string>;
}

/** The next login's credentials in `mode` (a TOTP account from the pool, possibly after a wait). */
async function credentialsFor(info: LoginServerInfo, pool: TotpPool | undefined): Promise<Credentials> {
  if (!pool) return { username: info.username, password: info.password };
  const { account, codeFor } = await pool.take();
  return { username: account.email, password: pool.password, totpCode: codeFor };
}

/** One complete browser login with a fresh cookie jar; throws a {@link StepError} at the first surprise. */
async function loginOnce(info: LoginServerInfo, endpoints: Endpoints, credentials: Credentials, hooks?: StepHooks): Promise<LoginTimes> {
  const jar = new CookieJar();
  const steps: Partial<Record<Step, number>> = {};
  const started = performance.now();
  const timed = async (step: Step, url: string, form?: Record<string, string>): Promise<HttpResult> => {
    await hooks?.before(step);
    const t0 = performance.now();
    let result: HttpResult;
    try {
      result = await send(jar, url, form);
    } catch (error) {
      const name = (error as Error).name;
      throw new StepError(step, name === 'TimeoutError' ? 'timeout' : 'network', String(error));
    }
    steps[step] = performance.now() - t0;
    await hooks?.after(step);
    return result;
  };
  const redirectTo = (step: Step, result: HttpResult, prefix: string): string => {
    if (result.status !== 302 && result.status !== 303) throw new StepError(step, `HTTP ${result.status}`, `expected a redirect: ${result.body.slice(0, 200)}`);
    if (!result.location?.startsWith(prefix)) throw new StepError(step, 'wrong redirect', `to ${result.location ?? '-'}, expected ${prefix}…`);
    return result.location;
  };
  const page = (step: Step, result: HttpResult): string => {
    if (result.status !== 200) throw new StepError(step, `HTTP ${result.status}`, `expected a page: ${result.location ?? result.body.slice(0, 200)}`);
    return result.body;
  };

  const { verifier, challenge } = pkce();
  const state = randomBytes(12).toString('base64url');
  const authorize = new URL(endpoints.authorization);
  authorize.search = new URLSearchParams({
    client_id: info.clientId,
    response_type: 'code',
    redirect_uri: info.redirectUri,
    scope: SCOPE,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();

  const interaction = `${info.issuer}/interaction/`;
  const loginPageUrl = redirectTo('GET /auth', await timed('GET /auth', authorize.href), interaction);
  const loginPage = page('GET login page', await timed('GET login page', loginPageUrl));
  const loginForm = parseForms(loginPage).find((form) => form.action.endsWith('/login'));
  if (!loginForm) throw new StepError('GET login page', 'no login form', loginPage.slice(0, 200));
  const posted = await timed('POST login', new URL(loginForm.action, loginPageUrl).href, {
    ...loginForm.fields,
    username: credentials.username,
    password: credentials.password,
  });
  let next: string;
  if (credentials.totpCode) {
    // The flow keeps the same interaction and shows its next step there (interactions/login-flow.ts).
    const factorUrl = redirectTo('POST login', posted, loginPageUrl);
    const factorPage = page('GET second-factor page', await timed('GET second-factor page', factorUrl));
    const totpForm = parseForms(factorPage).find((form) => form.action.endsWith('/second-factor') && form.fields.method === 'totp');
    if (!totpForm) throw new StepError('GET second-factor page', 'no TOTP form', factorPage.slice(0, 200));
    const code = await credentials.totpCode();
    const checked = await timed('POST second factor', new URL(totpForm.action, factorUrl).href, { ...totpForm.fields, code });
    // 401 with the page again: the code was refused (wrong, or its step used already).
    if (checked.status === 401) throw new StepError('POST second factor', 'code refused', `HTTP 401 for ${credentials.username}`);
    next = redirectTo('POST second factor', checked, `${info.issuer}/auth/`);
  } else {
    next = redirectTo('POST login', posted, `${info.issuer}/auth/`);
  }
  let consented = false;
  let location: string | undefined;
  while (!location) {
    const step: Step = consented ? 'GET /auth/:uid (after consent)' : 'GET /auth/:uid (after login)';
    const resumed = await timed(step, next);
    if (resumed.location?.startsWith(info.redirectUri)) {
      location = resumed.location;
      break;
    }
    if (consented) throw new StepError(step, 'wrong redirect', `to ${resumed.location ?? '-'} (HTTP ${resumed.status}) after consent`);
    const consentUrl = redirectTo(step, resumed, interaction);
    const consentPage = page('GET consent page', await timed('GET consent page', consentUrl));
    let consentForm: ReturnType<typeof formEndingWith>;
    try {
      consentForm = formEndingWith(consentPage, '/consent');
    } catch {
      throw new StepError('GET consent page', 'no consent form', consentPage.slice(0, 200));
    }
    next = redirectTo('POST consent', await timed('POST consent', new URL(consentForm.action, consentUrl).href, consentForm.fields), `${info.issuer}/auth/`);
    consented = true;
  }
  const params = new URL(location).searchParams;
  const code = params.get('code');
  if (!code || params.get('state') !== state) throw new StepError('GET /auth/:uid (after consent)', 'bad callback', location);
  return { steps, total: performance.now() - started, code, verifier };
}

// =========================================================================================================
// Parent: load phase

interface LoadResult {
  logins: number;
  seconds: number;
  post: number[];
  /** The second-factor POST of each login (TOTP mode; empty otherwise). */
  secondFactor: number[];
  total: number[];
  steps: Partial<Record<Step, number[]>>;
  errors: Record<string, number>;
  lastError?: string;
}

/** Closed loop: `concurrency` browsers, each starting its next login as soon as the last one ended. */
async function runLoad(info: LoginServerInfo, endpoints: Endpoints, seconds: number, pool?: TotpPool): Promise<LoadResult> {
  const result: LoadResult = { logins: 0, seconds: 0, post: [], secondFactor: [], total: [], steps: {}, errors: {} };
  const started = performance.now();
  const end = started + seconds * 1000;
  let lastDone = started;
  let errorCount = 0;
  const worker = async () => {
    while (performance.now() < end && errorCount < 200) {
      try {
        const login = await loginOnce(info, endpoints, await credentialsFor(info, pool));
        lastDone = performance.now();
        result.logins += 1;
        result.total.push(login.total);
        result.post.push(login.steps['POST login']!);
        if (login.steps['POST second factor'] !== undefined) result.secondFactor.push(login.steps['POST second factor']);
        for (const [step, ms] of Object.entries(login.steps) as Array<[Step, number]>) pushTo(result.steps, step, ms);
      } catch (error) {
        errorCount += 1;
        const key = error instanceof StepError ? `${error.step}: ${error.kind}` : `other: ${(error as Error).name}`;
        result.errors[key] = (result.errors[key] ?? 0) + 1;
        result.lastError = String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: settings.concurrency }, worker));
  result.seconds = (lastDone - started) / 1000;
  return result;
}

function percentile(values: number[], p: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Appends a sample to the list kept per step. */
function pushTo<K extends string>(lists: Partial<Record<K, number[]>>, key: K, value: number): void {
  const list = lists[key] ?? [];
  list.push(value);
  lists[key] = list;
}

function median(values: number[]): number {
  return percentile(values, 50);
}

// =========================================================================================================
// Parent: one round

interface RoundResult {
  round: number;
  mode: Mode;
  loadBefore: number[];
  argon2Ms: number;
  /** Logins/s the argon2 verification alone would allow: one hash per login, see {@link argon2Bound}. */
  argon2Bound: number;
  rateLimits: string;
  passwordHashing: LoginServerInfo['passwordHashing'];
  poolMax: number | null;
  logins: number;
  seconds: number;
  rate: number;
  post: { p50: number; p95: number; p99: number };
  /** The second-factor POST (TOTP mode), like `post`. */
  secondFactor: { p50: number; p95: number; p99: number } | null;
  /** TOTP mode: the seeded pool, how long seeding took, and how often a worker waited for a free account. */
  totpPool: { accounts: number; seedSeconds: number; waits: number; waitedSeconds: number } | null;
  total: { p50: number; p95: number; p99: number };
  stepP50: Partial<Record<Step, number>>;
  errors: Record<string, number>;
  errorCount: number;
  lastError?: string;
  sqlPerLogin: number;
  /** Sequential probe logins (no other load): median SQL statements and latency per step. */
  probe: { sql: Partial<Record<Step, number>>; ms: Partial<Record<Step, number>>; totalMs: number };
  cpu: {
    serverMsPerLogin: number;
    postgresMsPerLogin: number;
    loadgenMsPerLogin: number;
    percent: { server: number; postgres: number; loadgen: number; other: number; steal: number };
  };
  warmupRate: number;
}

/** One argon2id hash with Kontor's default parameters (m = 19 MiB, t = 2, p = 1), median of 8, in ms. */
async function argon2Reference(): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 8; i += 1) {
    const t0 = performance.now();
    await argon2.hash(`reference-${i}`, { type: argon2.argon2id, memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 });
    times.push(performance.now() - t0);
  }
  return median(times);
}

/**
 * The argon2 bound: logins/s if every core the hashing gate lets work (Kontor's
 * password.maxConcurrentHashes, 2 by default; all cores on versions before the gate) did nothing but the one
 * argon2id verification per login, at the reference hash's time. Both modes verify exactly one password.
 */
function argon2Bound(argon2Ms: number, hashing: LoginServerInfo['passwordHashing']): number {
  const lanes = Math.min(os.cpus().length, hashing?.maxConcurrentHashes ?? os.cpus().length);
  return (lanes * 1000) / argon2Ms;
}

/** The load average now, rounded as the report prints it. */
function loadAverage(): number[] {
  return os.loadavg().map((value) => Math.round(value * 100) / 100);
}

async function runRound(round: number, mode: Mode, argon2Ms: number): Promise<RoundResult> {
  const label = `round ${round} (${mode})`;
  const loadBefore = loadAverage();
  log(`${label}: load average before ${loadBefore.join(' ')}`);

  const configDir = mkdtempSync(join(os.tmpdir(), 'kontor-bench-login-'));
  const configFile = join(configDir, 'kontor.json');
  const rateLimitsFile = { loginPerIp: GENEROUS_LOGIN_PER_IP, secondFactorPerIp: GENEROUS_LOGIN_PER_IP };
  writeFileSync(configFile, `${JSON.stringify({ rateLimits: rateLimitsFile }, null, 2)}\n`);
  const totpFile = join(configDir, 'totp-pool.json');
  const database = await createBenchDatabase(settings.pgUrl, cleanups, log);
  const started = performance.now();
  const child = await startChild({
    BENCH_DATABASE_URL: database.url,
    KONTOR_CONFIG_FILE: configFile,
    ...(mode === 'totp' ? { BENCH_TOTP_FILE: totpFile, BENCH_TOTP_ACCOUNTS: String(settings.totpAccounts) } : {}),
  });
  try {
    const { info } = child;
    log(`${label}: Kontor ready at ${info.issuer} (pid ${info.pid}) after ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const rateLimits = info.loginPerIp
      ? `rateLimits.loginPerIp raised to ${info.loginPerIp.limit} per ${info.loginPerIp.windowSeconds} s via KONTOR_CONFIG_FILE (benchmark setting; default 60 per 900 s)` +
        (mode === 'totp' && info.secondFactorPerIp ? `, secondFactorPerIp likewise to ${info.secondFactorPerIp.limit}` : '')
      : 'this version has no rate limits (rateLimits in KONTOR_CONFIG_FILE ignored)';
    log(`${label}: ${rateLimits}`);
    if (info.loginPerIp && info.loginPerIp.limit !== GENEROUS_LOGIN_PER_IP.limit)
      throw new Error(`Kontor did not take the benchmark's rate limit: ${JSON.stringify(info.loginPerIp)}`);
    let pool: TotpPool | undefined;
    if (mode === 'totp') {
      if (!info.secondFactorPerIp || !info.totpPool) throw new Error('this Kontor version has no second factor: BENCH_LOGIN_MODE=totp needs one');
      if (info.secondFactorPerIp.limit !== GENEROUS_LOGIN_PER_IP.limit)
        throw new Error(`Kontor did not take the benchmark's second-factor rate limit: ${JSON.stringify(info.secondFactorPerIp)}`);
      pool = new TotpPool(JSON.parse(readFileSync(totpFile, 'utf8')) as TotpPoolFile);
      log(`${label}: ${pool.size} accounts with a confirmed TOTP app seeded in ${info.totpPool.seconds.toFixed(1)} s`);
    }
    const endpoints = await discover(info);

    // Sanity: one login, and its code really is redeemable for tokens.
    const first = await loginOnce(info, endpoints, await credentialsFor(info, pool));
    const tokenResponse = await fetch(endpoints.token, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(info.clientId)}:${encodeURIComponent(info.clientSecret)}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: first.code,
        redirect_uri: info.redirectUri,
        code_verifier: first.verifier,
      }).toString(),
    });
    const tokens = (await tokenResponse.json()) as Record<string, unknown>;
    if (tokenResponse.status !== 200 || typeof tokens.id_token !== 'string' || typeof tokens.access_token !== 'string') {
      throw new Error(`sanity: the login's code did not exchange: HTTP ${tokenResponse.status} ${JSON.stringify(tokens)}`);
    }
    // The TOTP login must really be the two-factor one (RFC 8176: otp + mfa beside pwd), not a password login.
    const amr = (JSON.parse(Buffer.from(tokens.id_token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { amr?: unknown }).amr;
    if (mode === 'totp' && !(Array.isArray(amr) && amr.includes('otp') && amr.includes('mfa')))
      throw new Error(`sanity: the TOTP login's ID token has amr ${JSON.stringify(amr)}, expected otp and mfa`);
    log(`${label}: sanity ok (login → code → tokens, amr ${JSON.stringify(amr)}); steps: ${Object.keys(first.steps).join(' → ')}`);

    // Probe: sequential logins, reading the SQL counter around each request.
    const probeSql: Partial<Record<Step, number[]>> = {};
    const probeMs: Partial<Record<Step, number[]>> = {};
    const probeTotal: number[] = [];
    for (let i = 0; i < settings.probes; i += 1) {
      let before = 0;
      const trace = process.env.BENCH_SQL_TRACE === '1' && i === settings.probes - 1;
      const hooks: StepHooks = {
        before: async () => {
          if (trace) await child.statements();
          before = (await child.stats()).dbQueries ?? 0;
        },
        after: async (step) => {
          pushTo(probeSql, step, ((await child.stats()).dbQueries ?? 0) - before);
          if (trace) log(`${label}: SQL of ${step}:\n    ${(await child.statements()).join('\n    ')}`);
        },
      };
      const login = await loginOnce(info, endpoints, await credentialsFor(info, pool), hooks);
      for (const [step, ms] of Object.entries(login.steps) as Array<[Step, number]>) pushTo(probeMs, step, ms);
      probeTotal.push(Object.values(login.steps).reduce((sum, ms) => sum + ms, 0));
    }
    const probe = {
      sql: Object.fromEntries(Object.entries(probeSql).map(([step, values]) => [step, median(values)])) as Partial<Record<Step, number>>,
      ms: Object.fromEntries(Object.entries(probeMs).map(([step, values]) => [step, median(values)])) as Partial<Record<Step, number>>,
      totalMs: median(probeTotal),
    };
    const factorProbe =
      mode === 'totp' ? `; POST second factor ${probe.ms['POST second factor']?.toFixed(1)} ms, ${probe.sql['POST second factor']} SQL statements` : '';
    log(
      `${label}: probe (${settings.probes} sequential logins): POST login ${probe.ms['POST login']?.toFixed(1)} ms, ${probe.sql['POST login']} SQL statements${factorProbe}; whole login ${probe.totalMs.toFixed(1)} ms`,
    );

    let warmupRate = 0;
    if (settings.warmup > 0) {
      const warm = await runLoad(info, endpoints, settings.warmup, pool);
      warmupRate = warm.logins / warm.seconds;
      const warmErrors = Object.values(warm.errors).reduce((sum, count) => sum + count, 0);
      log(
        `${label}: warm-up ${warmupRate.toFixed(1)} logins/s${warmErrors ? `, ${warmErrors} errors (${JSON.stringify(warm.errors)}; last: ${warm.lastError})` : ''}`,
      );
    }

    const waitsBefore = { waits: pool?.waits ?? 0, seconds: pool?.waitedSeconds ?? 0 };
    const statsBefore = await child.stats();
    const cpuBefore = cpuSnapshot(info.pid);
    const load = await runLoad(info, endpoints, settings.duration, pool);
    const cpuAfter = cpuSnapshot(info.pid);
    const statsAfter = await child.stats();
    const cpu = cpuUse(cpuBefore, cpuAfter);
    const errorCount = Object.values(load.errors).reduce((sum, count) => sum + count, 0);
    const rate = load.logins / load.seconds;
    const pct = (seconds: number) => Math.round((seconds / cpu.wall) * 1000) / 10;
    const perLogin = (seconds: number) => (load.logins ? (seconds * 1000) / load.logins : Number.NaN);
    const p = (values: number[]) => ({ p50: percentile(values, 50), p95: percentile(values, 95), p99: percentile(values, 99) });
    const result: RoundResult = {
      round,
      mode,
      loadBefore,
      argon2Ms,
      argon2Bound: argon2Bound(argon2Ms, info.passwordHashing),
      rateLimits,
      passwordHashing: info.passwordHashing,
      poolMax: info.poolMax,
      logins: load.logins,
      seconds: load.seconds,
      rate,
      post: p(load.post),
      secondFactor: mode === 'totp' ? p(load.secondFactor) : null,
      // Waits of the measured phase only: a worker waiting for a free account is load the server did not get.
      totpPool:
        pool && info.totpPool
          ? {
              accounts: pool.size,
              seedSeconds: info.totpPool.seconds,
              waits: pool.waits - waitsBefore.waits,
              waitedSeconds: pool.waitedSeconds - waitsBefore.seconds,
            }
          : null,
      total: p(load.total),
      stepP50: Object.fromEntries(Object.entries(load.steps).map(([step, values]) => [step, median(values)])) as Partial<Record<Step, number>>,
      errors: load.errors,
      errorCount,
      ...(load.lastError ? { lastError: load.lastError } : {}),
      sqlPerLogin: load.logins ? ((statsAfter.dbQueries ?? 0) - (statsBefore.dbQueries ?? 0)) / load.logins : Number.NaN,
      probe,
      cpu: {
        serverMsPerLogin: perLogin(cpu.server),
        postgresMsPerLogin: perLogin(cpu.postgres),
        loadgenMsPerLogin: perLogin(cpu.loadgen),
        percent: { server: pct(cpu.server), postgres: pct(cpu.postgres), loadgen: pct(cpu.loadgen), other: pct(cpu.other), steal: pct(cpu.steal) },
      },
      warmupRate,
    };
    log(
      `${label}: ${rate.toFixed(1)} logins/s over ${load.seconds.toFixed(1)} s (${load.logins} logins, ${errorCount} errors); POST p50 ${result.post.p50.toFixed(1)} ms; ` +
        (result.secondFactor ? `second-factor POST p50 ${result.secondFactor.p50.toFixed(1)} ms; ` : '') +
        `CPU ms/login server ${result.cpu.serverMsPerLogin.toFixed(1)} + pg ${result.cpu.postgresMsPerLogin.toFixed(1)}; other CPU ${result.cpu.percent.other} %` +
        (result.totpPool?.waits ? `; waited for a free TOTP account ${result.totpPool.waits} times (${result.totpPool.waitedSeconds.toFixed(1)} s)` : ''),
    );
    if (errorCount) log(`${label}: errors ${JSON.stringify(load.errors)}; last: ${load.lastError}`);
    return result;
  } finally {
    await child.stop();
    await database.drop();
    rmSync(configDir, { recursive: true, force: true });
    log(`${label}: server stopped, database dropped`);
  }
}

// =========================================================================================================
// Parent: report

function table(rows: string[][], rightAligned: number[]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: string[]) =>
    `| ${row.map((cell, column) => (rightAligned.includes(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join(' | ')} |`;
  const separator = `|${widths.map((width, column) => (rightAligned.includes(column) ? `${'-'.repeat(width + 1)}:` : '-'.repeat(width + 2))).join('|')}|`;
  return [line(rows[0]!), separator, ...rows.slice(1).map(line)].join('\n');
}

const ms = (value: number | undefined) => (value === undefined || Number.isNaN(value) ? '–' : value >= 100 ? value.toFixed(0) : value.toFixed(1));

function version(): string {
  const cwd = fileURLToPath(new URL('..', import.meta.url));
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', 'src', 'config', 'interactions', 'migrations', 'templates'], {
      cwd,
      encoding: 'utf8',
    }).trim();
    return `${commit}${dirty ? ' (product code modified)' : ''}`;
  } catch {
    return 'unknown (no git)';
  }
}

const triple = (value: { p50: number; p95: number; p99: number } | null) => (value ? `${ms(value.p50)} / ${ms(value.p95)} / ${ms(value.p99)}` : '–');
const percent = (value: number) => (Number.isFinite(value) ? `${(value * 100).toFixed(0)} %` : '–');

/** The round of each mode with the median logins/s (the middle one, lower middle for an even count). */
function medianRounds(results: RoundResult[]): RoundResult[] {
  return settings.modes.flatMap((mode) => {
    const sorted = results.filter((result) => result.mode === mode).sort((a, b) => a.rate - b.rate);
    return sorted.length ? [sorted[Math.floor((sorted.length - 1) / 2)]!] : [];
  });
}

function report(results: RoundResult[], commit: string): string {
  const header = ['round', 'mode', 'load avg before', 'logins/s', 'of argon2 bound', 'POST login p50/95/99', 'POST 2nd factor p50/95/99', 'login p50/95/99'];
  header.push('ok', 'errors', 'SQL/POST login', 'SQL/POST 2nd factor', 'SQL/login', 'CPU ms/login server+pg', 'CPU % server/pg/loadgen/other');
  const rows = [header];
  for (const result of results) {
    const { cpu } = result;
    rows.push([
      String(result.round),
      result.mode,
      result.loadBefore.map((value) => value.toFixed(2)).join(' '),
      result.rate.toFixed(1),
      percent(result.rate / result.argon2Bound),
      triple(result.post),
      triple(result.secondFactor),
      triple(result.total),
      String(result.logins),
      String(result.errorCount),
      String(result.probe.sql['POST login'] ?? '–'),
      String(result.probe.sql['POST second factor'] ?? '–'),
      result.sqlPerLogin.toFixed(1),
      `${cpu.serverMsPerLogin.toFixed(1)}+${cpu.postgresMsPerLogin.toFixed(1)}`,
      `${cpu.percent.server.toFixed(0)}/${cpu.percent.postgres.toFixed(0)}/${cpu.percent.loadgen.toFixed(0)}/${(cpu.percent.other + cpu.percent.steal).toFixed(0)}`,
    ]);
  }
  const out = [
    `Kontor ${commit}: complete browser logins on PostgreSQL, ${settings.concurrency} browsers in a closed loop, ${settings.duration} s after ${settings.warmup} s warm-up`,
    '',
    table(rows, [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]),
  ];
  if (results.length > settings.modes.length) {
    for (const mid of medianRounds(results)) {
      const rates = results.filter((result) => result.mode === mid.mode).map((result) => result.rate);
      out.push(
        `median ${mid.mode} round by logins/s: round ${mid.round} (${mid.rate.toFixed(1)} logins/s; range ${Math.min(...rates).toFixed(1)}–${Math.max(...rates).toFixed(1)})`,
      );
    }
  }
  // Password and TOTP side by side, per round: both rounds of a pair share the argon2 reference.
  const pairs = results.flatMap((totp) => {
    const password = totp.mode === 'totp' ? results.find((result) => result.mode === 'password' && result.round === totp.round) : undefined;
    return password ? [{ password, totp }] : [];
  });
  if (pairs.length) {
    const pairRows = [
      ['round', 'password logins/s', 'TOTP logins/s', 'TOTP/password', 'argon2 bound', 'password/bound', 'TOTP/bound', '+CPU ms/login server+pg', '+SQL/login'],
    ];
    for (const { password, totp } of pairs) {
      pairRows.push([
        String(totp.round),
        password.rate.toFixed(1),
        totp.rate.toFixed(1),
        percent(totp.rate / password.rate),
        `${totp.argon2Bound.toFixed(1)}/s`,
        percent(password.rate / password.argon2Bound),
        percent(totp.rate / totp.argon2Bound),
        `${(totp.cpu.serverMsPerLogin - password.cpu.serverMsPerLogin).toFixed(1)}+${(totp.cpu.postgresMsPerLogin - password.cpu.postgresMsPerLogin).toFixed(1)}`,
        (totp.sqlPerLogin - password.sqlPerLogin).toFixed(1),
      ]);
    }
    out.push('', 'Password + TOTP against the password alone:', table(pairRows, [1, 2, 3, 4, 5, 6, 7, 8]));
  }
  const lastOf = settings.modes.flatMap((mode) => results.filter((result) => result.mode === mode).slice(-1));
  if (lastOf.length) {
    const stepHeader = ['step'];
    for (const result of lastOf) stepHeader.push(`${result.mode}: p50 ms under load`, `${result.mode}: p50 ms alone (probe)`, `${result.mode}: SQL (probe)`);
    const stepRows = [stepHeader];
    for (const step of STEPS) {
      if (lastOf.every((result) => result.stepP50[step] === undefined && result.probe.ms[step] === undefined)) continue;
      stepRows.push([step, ...lastOf.flatMap((result) => [ms(result.stepP50[step]), ms(result.probe.ms[step]), String(result.probe.sql[step] ?? '–')])]);
    }
    out.push('', `Steps of one login (last round of each mode):`, table(stepRows, stepHeader.map((_, column) => column).slice(1)));
  }
  out.push(
    '',
    'logins/s: completed logins (callback with code and state) per second. POST login: the password POST alone; POST 2nd factor: the',
    'TOTP code POST alone; login: the whole sequence. Latencies in ms. SQL/POST …: statements of that POST (median of the sequential',
    'probe); SQL/login: all statements during the measured phase per completed login. CPU: server = the Kontor process incl. its',
    'threads (argon2, jose); % of one core. argon2 bound: min(CPUs, password.maxConcurrentHashes) × 1000 / reference ms per hash,',
    'the logins/s if those cores did nothing but the one argon2id verification each login needs (both modes verify one password).',
    `rate limits: ${results
      .map((result) => result.rateLimits)
      .filter((value, index, all) => all.indexOf(value) === index)
      .join('; ')}`,
    `password hashing (Kontor's config): ${JSON.stringify(results.at(-1)?.passwordHashing ?? null)}; argon2id reference here: ${[...new Set(results.map((result) => `${result.argon2Ms.toFixed(1)} ms`))].join(', ')} per hash`,
  );
  for (const result of results) {
    const pool = result.totpPool;
    if (pool)
      out.push(
        `round ${result.round} TOTP pool: ${pool.accounts} accounts seeded in ${pool.seedSeconds.toFixed(1)} s; measured phase waited for a free account ${pool.waits} times (${pool.waitedSeconds.toFixed(1)} s)`,
      );
  }
  out.push(
    `settings: modes ${settings.modes.join('+')}, duration ${settings.duration} s, warm-up ${settings.warmup} s, concurrency ${settings.concurrency}, probes ${settings.probes}, rounds ${settings.rounds}; pool max ${results.at(-1)?.poolMax ?? '?'}; node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}); load average at the end ${loadAverage().join(' ')}`,
  );
  return out.join('\n');
}

// =========================================================================================================

async function main(): Promise<number> {
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(settings.pgUrl).hostname)) throw new Error('BENCH_PG_URL must point to loopback');
  const commit = version();
  log(`Kontor ${commit}; node ${process.version}, ${os.cpus().length} CPUs; ${settings.rounds} round(s) of ${settings.modes.join(' + ')}`);
  const results: RoundResult[] = [];
  const failures: string[] = [];
  for (let round = 1; round <= settings.rounds && !interrupted; round += 1) {
    // One reference per round, shared by its modes: their ratios to the bound are then comparable.
    const argon2Ms = await argon2Reference();
    log(`round ${round}: argon2id reference ${argon2Ms.toFixed(1)} ms per hash (m=19 MiB, t=2, p=1, this process)`);
    for (const mode of settings.modes) {
      if (interrupted) break;
      try {
        const result = await runRound(round, mode, argon2Ms);
        results.push(result);
        if (result.errorCount) failures.push(`round ${round} (${mode}): ${result.errorCount} errors ${JSON.stringify(result.errors)}`);
      } catch (error) {
        failures.push(`round ${round} (${mode}): ${(error as Error).stack ?? String(error)}`);
      }
    }
  }
  if (results.length) process.stdout.write(`\n${report(results, commit)}\n`);
  if (process.env.BENCH_JSON)
    writeFileSync(process.env.BENCH_JSON, `${JSON.stringify({ commit, settings, node: process.version, cpus: os.cpus().length, results }, null, 2)}\n`);
  if (failures.length) {
    process.stdout.write(`\nFAILED:\n  - ${failures.join('\n  - ')}\n`);
    return 1;
  }
  return 0;
}

let interrupted = false;

if (process.env.BENCH_LOGIN_ROLE === 'server') {
  await serve();
} else {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (interrupted) return;
      interrupted = true;
      log(`${signal}: cleaning up`);
      void cleanupAll().finally(() => process.exit(130));
    });
  }
  let exitCode = 1;
  try {
    exitCode = await main();
  } finally {
    await cleanupAll();
  }
  process.exit(exitCode);
}
