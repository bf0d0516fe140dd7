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
 * A closed loop: BENCH_CONCURRENCY workers each run one login after the other for BENCH_DURATION seconds
 * after BENCH_WARMUP seconds of unmeasured load. The same file is its own server child
 * (BENCH_LOGIN_ROLE=server): a real Kontor (startKontor) on a fresh PostgreSQL database, one confidential
 * client and one verified account created through the container's services, as the tests do. Only HTTP is
 * used for the login itself, so this file runs unchanged against older Kontor versions (before the abuse
 * protection: the rate-limit settings in the config file are then ignored, and the output says so).
 *
 * Rate limits: the child loads a KONTOR_CONFIG_FILE written by this script that raises
 * rateLimits.loginPerIp to 10^9 per 15 minutes: every login comes from 127.0.0.1, and the default (60 per
 * 15 minutes) would answer 429 after a second. The per-IP upsert still runs on every login POST.
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
 *   BENCH_PG_URL            admin connection (loopback only)   (default postgres://postgres@127.0.0.1:5432/postgres)
 *   BENCH_JSON              write the results as JSON to this file
 *   BENCH_NODE_ARGS         extra node options for the server child, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
 *   BENCH_KONTOR_LOG_LEVEL  Kontor's log level in its child (default silent)
 *   BENCH_SQL_TRACE         1: print the SQL statements of each step of the last probe login (stderr)
 * Exit code 1 when the measured phase saw any error, or a check failed.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import argon2 from 'argon2';
import { formEndingWith, parseForms } from '../test/helpers/browser-agent.ts';
import { createBenchDatabase, runCleanups, seedBenchRelyingParty, type Cleanup } from './bench-setup.ts';
import { discover, type Endpoints } from './mint.ts';
import { cpuSnapshot, type CpuSnapshot } from './measure.ts';
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
  /** config.password (argon2id parameters) as Kontor loaded it. */
  passwordHashing: { argon2MemoryKiB: number; argon2TimeCost: number; argon2Parallelism: number } | null;
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

  // Read through a loose view: older versions have no rateLimits.
  const config = loaded as unknown as {
    rateLimits?: { loginPerIp?: LoginServerInfo['loginPerIp'] };
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

const settings = {
  duration: intEnv('BENCH_DURATION', 20, 1, 120),
  warmup: intEnv('BENCH_WARMUP', 5, 0, 60),
  concurrency: intEnv('BENCH_CONCURRENCY', 8, 1, 64),
  rounds: intEnv('BENCH_ROUNDS', 1, 1, 5),
  probes: intEnv('BENCH_PROBES', 20, 3, 200),
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

/** One complete browser login with a fresh cookie jar; throws a {@link StepError} at the first surprise. */
async function loginOnce(info: LoginServerInfo, endpoints: Endpoints, hooks?: StepHooks): Promise<LoginTimes> {
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
    username: info.username,
    password: info.password,
  });
  let next = redirectTo('POST login', posted, `${info.issuer}/auth/`);
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
  total: number[];
  steps: Partial<Record<Step, number[]>>;
  errors: Record<string, number>;
  lastError?: string;
}

/** Closed loop: `concurrency` browsers, each starting its next login as soon as the last one ended. */
async function runLoad(info: LoginServerInfo, endpoints: Endpoints, seconds: number): Promise<LoadResult> {
  const result: LoadResult = { logins: 0, seconds: 0, post: [], total: [], steps: {}, errors: {} };
  const started = performance.now();
  const end = started + seconds * 1000;
  let lastDone = started;
  let errorCount = 0;
  const worker = async () => {
    while (performance.now() < end && errorCount < 200) {
      try {
        const login = await loginOnce(info, endpoints);
        lastDone = performance.now();
        result.logins += 1;
        result.total.push(login.total);
        result.post.push(login.steps['POST login']!);
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
  loadBefore: number[];
  argon2Ms: number;
  rateLimits: string;
  passwordHashing: LoginServerInfo['passwordHashing'];
  poolMax: number | null;
  logins: number;
  seconds: number;
  rate: number;
  post: { p50: number; p95: number; p99: number };
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

async function runRound(round: number): Promise<RoundResult> {
  const loadBefore = os.loadavg().map((value) => Math.round(value * 100) / 100);
  log(`round ${round}: load average before ${loadBefore.join(' ')}`);
  const argon2Ms = await argon2Reference();
  log(`round ${round}: argon2id reference ${argon2Ms.toFixed(1)} ms per hash (m=19 MiB, t=2, p=1, this process)`);

  const configDir = mkdtempSync(join(os.tmpdir(), 'kontor-bench-login-'));
  const configFile = join(configDir, 'kontor.json');
  writeFileSync(configFile, `${JSON.stringify({ rateLimits: { loginPerIp: GENEROUS_LOGIN_PER_IP } }, null, 2)}\n`);
  const database = await createBenchDatabase(settings.pgUrl, cleanups, log);
  const started = performance.now();
  const child = await startChild({ BENCH_DATABASE_URL: database.url, KONTOR_CONFIG_FILE: configFile });
  try {
    const { info } = child;
    log(`round ${round}: Kontor ready at ${info.issuer} (pid ${info.pid}) after ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const rateLimits = info.loginPerIp
      ? `rateLimits.loginPerIp raised to ${info.loginPerIp.limit} per ${info.loginPerIp.windowSeconds} s via KONTOR_CONFIG_FILE (benchmark setting; default 60 per 900 s)`
      : 'this version has no rate limits (rateLimits in KONTOR_CONFIG_FILE ignored)';
    log(`round ${round}: ${rateLimits}`);
    if (info.loginPerIp && info.loginPerIp.limit !== GENEROUS_LOGIN_PER_IP.limit)
      throw new Error(`Kontor did not take the benchmark's rate limit: ${JSON.stringify(info.loginPerIp)}`);
    const endpoints = await discover(info);

    // Sanity: one login, and its code really is redeemable for tokens.
    const first = await loginOnce(info, endpoints);
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
    log(`round ${round}: sanity ok (login → code → tokens); steps: ${Object.keys(first.steps).join(' → ')}`);

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
          if (trace) log(`round ${round}: SQL of ${step}:\n    ${(await child.statements()).join('\n    ')}`);
        },
      };
      const login = await loginOnce(info, endpoints, hooks);
      for (const [step, ms] of Object.entries(login.steps) as Array<[Step, number]>) pushTo(probeMs, step, ms);
      probeTotal.push(Object.values(login.steps).reduce((sum, ms) => sum + ms, 0));
    }
    const probe = {
      sql: Object.fromEntries(Object.entries(probeSql).map(([step, values]) => [step, median(values)])) as Partial<Record<Step, number>>,
      ms: Object.fromEntries(Object.entries(probeMs).map(([step, values]) => [step, median(values)])) as Partial<Record<Step, number>>,
      totalMs: median(probeTotal),
    };
    log(
      `round ${round}: probe (${settings.probes} sequential logins): POST login ${probe.ms['POST login']?.toFixed(1)} ms, ${probe.sql['POST login']} SQL statements; whole login ${probe.totalMs.toFixed(1)} ms`,
    );

    let warmupRate = 0;
    if (settings.warmup > 0) {
      const warm = await runLoad(info, endpoints, settings.warmup);
      warmupRate = warm.logins / warm.seconds;
      const warmErrors = Object.values(warm.errors).reduce((sum, count) => sum + count, 0);
      log(
        `round ${round}: warm-up ${warmupRate.toFixed(1)} logins/s${warmErrors ? `, ${warmErrors} errors (${JSON.stringify(warm.errors)}; last: ${warm.lastError})` : ''}`,
      );
    }

    const statsBefore = await child.stats();
    const cpuBefore = cpuSnapshot(info.pid);
    const load = await runLoad(info, endpoints, settings.duration);
    const cpuAfter = cpuSnapshot(info.pid);
    const statsAfter = await child.stats();
    const cpu = cpuUse(cpuBefore, cpuAfter);
    const errorCount = Object.values(load.errors).reduce((sum, count) => sum + count, 0);
    const rate = load.logins / load.seconds;
    const pct = (seconds: number) => Math.round((seconds / cpu.wall) * 1000) / 10;
    const perLogin = (seconds: number) => (load.logins ? (seconds * 1000) / load.logins : Number.NaN);
    const result: RoundResult = {
      round,
      loadBefore,
      argon2Ms,
      rateLimits,
      passwordHashing: info.passwordHashing,
      poolMax: info.poolMax,
      logins: load.logins,
      seconds: load.seconds,
      rate,
      post: { p50: percentile(load.post, 50), p95: percentile(load.post, 95), p99: percentile(load.post, 99) },
      total: { p50: percentile(load.total, 50), p95: percentile(load.total, 95), p99: percentile(load.total, 99) },
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
      `round ${round}: ${rate.toFixed(1)} logins/s over ${load.seconds.toFixed(1)} s (${load.logins} logins, ${errorCount} errors); POST p50 ${result.post.p50.toFixed(1)} ms; ` +
        `CPU ms/login server ${result.cpu.serverMsPerLogin.toFixed(1)} + pg ${result.cpu.postgresMsPerLogin.toFixed(1)}; other CPU ${result.cpu.percent.other} %`,
    );
    if (errorCount) log(`round ${round}: errors ${JSON.stringify(load.errors)}; last: ${load.lastError}`);
    return result;
  } finally {
    await child.stop();
    await database.drop();
    rmSync(configDir, { recursive: true, force: true });
    log(`round ${round}: server stopped, database dropped`);
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

function report(results: RoundResult[], commit: string): string {
  const header = [
    'round',
    'load avg before',
    'logins/s',
    'POST p50',
    'POST p95',
    'POST p99',
    'login p50',
    'login p95',
    'login p99',
    'ok',
    'errors',
    'SQL/POST',
    'SQL/login',
    'CPU ms/login server+pg',
    'CPU % server/pg/loadgen/other',
  ];
  const rows = [header];
  for (const result of results) {
    rows.push([
      String(result.round),
      result.loadBefore.map((value) => value.toFixed(2)).join(' '),
      result.rate.toFixed(1),
      ms(result.post.p50),
      ms(result.post.p95),
      ms(result.post.p99),
      ms(result.total.p50),
      ms(result.total.p95),
      ms(result.total.p99),
      String(result.logins),
      String(result.errorCount),
      String(result.probe.sql['POST login'] ?? '–'),
      result.sqlPerLogin.toFixed(1),
      `${result.cpu.serverMsPerLogin.toFixed(1)}+${result.cpu.postgresMsPerLogin.toFixed(1)}`,
      `${result.cpu.percent.server.toFixed(0)}/${result.cpu.percent.postgres.toFixed(0)}/${result.cpu.percent.loadgen.toFixed(0)}/${(result.cpu.percent.other + result.cpu.percent.steal).toFixed(0)}`,
    ]);
  }
  const out = [
    `Kontor ${commit}: complete browser logins on PostgreSQL, ${settings.concurrency} browsers in a closed loop, ${settings.duration} s after ${settings.warmup} s warm-up`,
    '',
    table(rows, [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
  ];
  if (results.length > 1) {
    const sorted = [...results].sort((a, b) => a.rate - b.rate);
    const mid = sorted[Math.floor((sorted.length - 1) / 2)]!;
    out.push(
      '',
      `median round by logins/s: round ${mid.round} (${mid.rate.toFixed(1)} logins/s; range ${sorted[0]!.rate.toFixed(1)}–${sorted.at(-1)!.rate.toFixed(1)})`,
    );
  }
  const last = results.at(-1);
  if (last) {
    const stepRows = [['step', 'p50 ms under load', 'p50 ms alone (probe)', 'SQL statements (probe)']];
    for (const step of STEPS) {
      if (last.stepP50[step] === undefined && last.probe.ms[step] === undefined) continue;
      stepRows.push([step, ms(last.stepP50[step]), ms(last.probe.ms[step]), String(last.probe.sql[step] ?? '–')]);
    }
    out.push('', `Steps of one login (round ${last.round}):`, table(stepRows, [1, 2, 3]));
  }
  out.push(
    '',
    'logins/s: completed logins (callback with code and state) per second. POST: the login POST alone; login: the whole sequence.',
    'Latencies in ms. SQL/POST: statements of one login POST (median of the sequential probe); SQL/login: all statements during',
    'the measured phase per completed login. CPU: server = the Kontor process incl. its threads (argon2, jose); % of one core.',
    `rate limits: ${results
      .map((result) => result.rateLimits)
      .filter((value, index, all) => all.indexOf(value) === index)
      .join('; ')}`,
    `password hashing (Kontor's config): ${JSON.stringify(last?.passwordHashing ?? null)}; argon2id reference here: ${results.map((result) => `${result.argon2Ms.toFixed(1)} ms`).join(', ')} per hash`,
    `settings: duration ${settings.duration} s, warm-up ${settings.warmup} s, concurrency ${settings.concurrency}, probes ${settings.probes}, rounds ${results.length}; pool max ${last?.poolMax ?? '?'}; node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})`,
  );
  return out.join('\n');
}

// =========================================================================================================

async function main(): Promise<number> {
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(settings.pgUrl).hostname)) throw new Error('BENCH_PG_URL must point to loopback');
  const commit = version();
  log(`Kontor ${commit}; node ${process.version}, ${os.cpus().length} CPUs; ${settings.rounds} round(s)`);
  const results: RoundResult[] = [];
  const failures: string[] = [];
  for (let round = 1; round <= settings.rounds && !interrupted; round += 1) {
    try {
      const result = await runRound(round);
      results.push(result);
      if (result.errorCount) failures.push(`round ${round}: ${result.errorCount} errors ${JSON.stringify(result.errors)}`);
    } catch (error) {
      failures.push(`round ${round}: ${(error as Error).stack ?? String(error)}`);
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
