/**
 * `npm run bench`: authorization-code exchanges per second (POST /token) and userinfo requests per second
 * (GET /me) for Kontor on PostgreSQL, a bare oidc-provider in memory, and (optional) Kontor on embedded
 * PGlite. Each server runs in a child process; this process only mints codes and generates load.
 *
 * Environment (all optional):
 *   BENCH_SCENARIOS         comma list of kontor-pg, bare, kontor-pglite   (default: kontor-pg,bare,kontor-pglite)
 *   BENCH_DURATION          seconds per measured phase                      (default 10)
 *   BENCH_WARMUP            seconds of unmeasured load before each phase    (default 2)
 *   BENCH_CONNECTIONS       autocannon connections                          (default 10)
 *   BENCH_ROUNDS            repeat all scenarios; the report shows medians  (default 1, at most 5)
 *   BENCH_CODES             upper bound of codes minted per scenario        (default 30000; the number
 *                           minted is sized from the warm-up rate: rate × duration × 1.6)
 *   BENCH_MINT_SECONDS      time limit for minting per scenario             (default 60)
 *   BENCH_MINT_CONCURRENCY  parallel authorization requests while minting   (default 8)
 *   BENCH_PG_URL            admin connection (loopback only)   (default postgres://postgres@127.0.0.1:5432/postgres)
 *   BENCH_JSON              write the results as JSON to this file
 *   BENCH_NODE_ARGS         extra node options for the server children, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
 *   BENCH_KONTOR_LOG_LEVEL  Kontor's log level in its child (default silent; e.g. error to see 500s)
 * Exit code 1 when a phase saw any non-2xx response, connection error or unverified body, or a check failed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { createBenchDatabase, runCleanups, type Cleanup } from './bench-setup.ts';
import { discover, mintCodes, signIn, type Endpoints, type MintedCode } from './mint.ts';
import { runPhase, type PhaseResult } from './measure.ts';
import { PERSON, READY_PREFIX, type ChildStats, type ServerInfo } from './shared.ts';

type ScenarioName = 'kontor-pg' | 'bare' | 'kontor-pglite';
const SCENARIOS: Record<ScenarioName, { script: string; label: string; database: boolean }> = {
  'kontor-pg': { script: 'kontor-server.ts', label: 'Kontor, PostgreSQL', database: true },
  bare: { script: 'bare-server.ts', label: 'bare oidc-provider, memory', database: false },
  'kontor-pglite': { script: 'kontor-server.ts', label: 'Kontor, embedded PGlite (optional)', database: false },
};

function intEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer in [${min}, ${max}], got ${raw}`);
  return value;
}

const settings = {
  scenarios: (process.env.BENCH_SCENARIOS ?? 'kontor-pg,bare,kontor-pglite')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean) as ScenarioName[],
  duration: intEnv('BENCH_DURATION', 10, 1, 120),
  warmup: intEnv('BENCH_WARMUP', 2, 0, 30),
  connections: intEnv('BENCH_CONNECTIONS', 10, 1, 200),
  codes: intEnv('BENCH_CODES', 30000, 100, 200000),
  mintSeconds: intEnv('BENCH_MINT_SECONDS', 60, 5, 300),
  mintConcurrency: intEnv('BENCH_MINT_CONCURRENCY', 8, 1, 64),
  rounds: intEnv('BENCH_ROUNDS', 1, 1, 5),
  pgUrl: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
};
for (const name of settings.scenarios) if (!(name in SCENARIOS)) throw new Error(`unknown scenario ${name} (known: ${Object.keys(SCENARIOS).join(', ')})`);
if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(settings.pgUrl).hostname)) throw new Error('BENCH_PG_URL must point to loopback');

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

// ---------------------------------------------------------------------------------------------------------
// Child processes and the throwaway database

interface Child {
  info: ServerInfo;
  stats(): Promise<ChildStats>;
  stop(): Promise<void>;
}

const cleanups = new Set<Cleanup>();

async function startChild(script: string, env: Record<string, string>, tag: string): Promise<Child> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, path], { stdio: ['pipe', 'pipe', 'pipe', 'ipc'], env: { ...process.env, ...env } });
  createInterface({ input: child.stderr! }).on('line', (line) => process.stderr.write(`[${tag}] ${line}\n`));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const info = await new Promise<ServerInfo>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${tag}: not ready within 120 s`)), 120_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith(READY_PREFIX)) return void process.stderr.write(`[${tag}:stdout] ${line}\n`);
      clearTimeout(timer);
      resolve(JSON.parse(line.slice(READY_PREFIX.length)) as ServerInfo);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${tag}: exited with code ${code} before it was ready`));
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
      log(`${tag} (pid ${child.pid}) did not stop within 25 s, killing it`);
      child.kill('SIGKILL');
      await exited;
    }
  };
  cleanups.add(stop);
  const stats = () =>
    new Promise<ChildStats>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.off('message', onMessage);
        reject(new Error(`${tag}: no stats within 5 s`));
      }, 5000);
      const onMessage = (message: unknown) => {
        const stats = (message as { stats?: ChildStats } | null)?.stats;
        if (!stats) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(stats);
      };
      child.on('message', onMessage);
      child.send('stats');
    });
  return { info, stats, stop };
}

async function cleanupAll(): Promise<void> {
  await runCleanups(cleanups, log);
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: cleaning up`);
    void cleanupAll().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------------------------
// Checks before load: the requests autocannon sends must succeed and be what we claim they are

function basicAuth(info: ServerInfo): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(info.clientId)}:${encodeURIComponent(info.clientSecret)}`).toString('base64')}`;
}

function tokenRequestBody(info: ServerInfo, code: MintedCode): string {
  return new URLSearchParams({ grant_type: 'authorization_code', code: code.code, redirect_uri: info.redirectUri, code_verifier: code.verifier }).toString();
}

function decodeJwtPart(token: string, index: 0 | 1): Record<string, unknown> {
  const part = token.split('.')[index];
  if (!part) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

interface SanityResult {
  accessToken: string;
  idTokenAlg: string;
  rsaBits: number;
}

async function sanityCheck(info: ServerInfo, endpoints: Endpoints, code: MintedCode): Promise<SanityResult> {
  const tokenResponse = await fetch(endpoints.token, {
    method: 'POST',
    headers: { authorization: basicAuth(info), 'content-type': 'application/x-www-form-urlencoded' },
    body: tokenRequestBody(info, code),
  });
  const tokens = (await tokenResponse.json()) as Record<string, unknown>;
  if (tokenResponse.status !== 200 || typeof tokens.access_token !== 'string' || typeof tokens.id_token !== 'string') {
    throw new Error(`sanity: token exchange failed: HTTP ${tokenResponse.status} ${JSON.stringify(tokens)}`);
  }
  const header = decodeJwtPart(tokens.id_token, 0);
  const claims = decodeJwtPart(tokens.id_token, 1);
  const jwks = (await (await fetch(endpoints.jwks)).json()) as { keys: Array<Record<string, unknown>> };
  const key = jwks.keys.find((candidate) => candidate.kid === header.kid);
  if (header.alg !== 'RS256' || key?.kty !== 'RSA' || typeof key.n !== 'string')
    throw new Error(`sanity: ID token not RS256 with a published RSA key: ${JSON.stringify(header)}`);
  const rsaBits = Buffer.from(key.n, 'base64url').length * 8;
  if (rsaBits !== 3072) throw new Error(`sanity: RSA key has ${rsaBits} bits, expected 3072`);
  if (claims.aud !== info.clientId || typeof claims.sub !== 'string') throw new Error(`sanity: unexpected ID token claims ${JSON.stringify(claims)}`);

  const userinfoResponse = await fetch(endpoints.userinfo, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  const userinfo = (await userinfoResponse.json()) as Record<string, unknown>;
  if (userinfoResponse.status !== 200 || userinfo.sub !== claims.sub || userinfo.email !== PERSON.email || userinfo.given_name !== PERSON.givenName) {
    throw new Error(`sanity: userinfo failed: HTTP ${userinfoResponse.status} ${JSON.stringify(userinfo)}`);
  }
  return { accessToken: tokens.access_token, idTokenAlg: String(header.alg), rsaBits };
}

// ---------------------------------------------------------------------------------------------------------
// One scenario: start the server, sign in, mint codes, warm up, measure /token and /me, stop

/** Codes minted first, for the token warm-up (whose rate then sizes the main batch). */
const PILOT_CODES = 1000;

interface ScenarioResult {
  round?: number;
  scenario: ScenarioName;
  label: string;
  minted: number;
  mintSeconds: number;
  mintStoppedBy: string;
  token: PhaseResult;
  userinfo: PhaseResult;
}

function tokenPhase(info: ServerInfo, endpoints: Endpoints, pool: MintedCode[], seconds: number) {
  const budget = pool.length;
  return runPhase({
    url: endpoints.token,
    connections: settings.connections,
    seconds,
    maxRequests: budget,
    method: 'POST',
    headers: { authorization: basicAuth(info), 'content-type': 'application/x-www-form-urlencoded' },
    // Each request takes the next unused code; never more requests than codes (maxRequests). Should a
    // reconnect consume one more, the last code is resent and shows up as a non-2xx error.
    body: () => tokenRequestBody(info, pool.shift() ?? { code: 'exhausted', verifier: 'exhausted' }),
    verifyBody: (body) => body.includes('"access_token"') && body.includes('"id_token"'),
    serverPid: info.pid,
  });
}

function userinfoPhase(info: ServerInfo, endpoints: Endpoints, accessToken: string, seconds: number) {
  return runPhase({
    url: endpoints.userinfo,
    connections: settings.connections,
    seconds,
    method: 'GET',
    headers: { authorization: `Bearer ${accessToken}` },
    verifyBody: (body) => body.includes('"sub"') && body.includes(PERSON.email),
    serverPid: info.pid,
  });
}

/** Runs a phase and adds the server's SQL statements per completed request (where it counts them). */
async function counted(child: Child, phase: () => Promise<PhaseResult>): Promise<PhaseResult> {
  const before = await child.stats();
  const result = await phase();
  const after = await child.stats();
  const completed = result.ok + result.non2xx + result.mismatches;
  if (before.dbQueries !== null && after.dbQueries !== null && completed > 0) {
    result.dbQueriesPerRequest = (after.dbQueries - before.dbQueries) / completed;
  }
  return result;
}

function assertClean(what: string, result: PhaseResult): void {
  if (result.non2xx || result.errors || result.mismatches) {
    throw new Error(
      `${what}: non-2xx ${result.non2xx}, connection errors ${result.errors}, unverified bodies ${result.mismatches} (status codes ${JSON.stringify(result.statusCodes)})`,
    );
  }
}

async function runScenario(name: ScenarioName): Promise<ScenarioResult> {
  const scenario = SCENARIOS[name];
  log(`=== ${name}: ${scenario.label}`);
  const database = scenario.database ? await createBenchDatabase(settings.pgUrl, cleanups, log) : undefined;
  const started = performance.now();
  const child = await startChild(scenario.script, database ? { BENCH_DATABASE_URL: database.url } : {}, name);
  try {
    const { info } = child;
    log(`${name}: ready at ${info.issuer} (pid ${info.pid}) after ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const endpoints = await discover(info);
    const { agent, first } = await signIn(info, endpoints);
    const sanity = await sanityCheck(info, endpoints, first);
    log(`${name}: sanity ok (token exchange + userinfo; ID token ${sanity.idTokenAlg}, RSA ${sanity.rsaBits} bit)`);

    // Pilot: a small batch of codes for the token warm-up, whose rate sizes the batch for the measured phase.
    const pilot = await mintCodes(info, endpoints, agent, {
      count: Math.min(settings.codes, PILOT_CODES),
      concurrency: settings.mintConcurrency,
      maxSeconds: settings.mintSeconds,
    });
    const pool = [...pilot.codes];
    let estimate = 0;
    if (settings.warmup > 0) {
      const warmToken = await tokenPhase(info, endpoints, pool, settings.warmup);
      assertClean(`${name} token warm-up`, warmToken);
      estimate = warmToken.rate;
      log(`${name}: warm-up ${Math.round(warmToken.rate)} exchanges/s; ${pool.length} pilot codes left`);
    }
    const wanted = estimate > 0 ? Math.ceil(estimate * settings.duration * 1.6) + 4 * settings.connections : settings.codes;
    const mint = await mintCodes(info, endpoints, agent, {
      count: Math.max(0, Math.min(settings.codes, wanted) - pool.length),
      concurrency: settings.mintConcurrency,
      maxSeconds: settings.mintSeconds,
    });
    pool.push(...mint.codes);
    const minted = pilot.codes.length + mint.codes.length;
    const mintSeconds = pilot.seconds + mint.seconds;
    log(
      `${name}: minted ${minted} codes in ${mintSeconds.toFixed(1)} s (${Math.round(minted / mintSeconds)}/s; main batch stopped by ${mint.stoppedBy}, ${pilot.failures + mint.failures} failures); ${pool.length} codes for the measured phase`,
    );
    if (settings.warmup > 0) {
      const warmUserinfo = await userinfoPhase(info, endpoints, sanity.accessToken, settings.warmup);
      assertClean(`${name} userinfo warm-up`, warmUserinfo);
      log(`${name}: warm-up ${Math.round(warmUserinfo.rate)} userinfo/s`);
    }

    const token = await counted(child, () => tokenPhase(info, endpoints, pool, settings.duration));
    log(
      `${name}: /token ${Math.round(token.rate)}/s over ${token.seconds.toFixed(1)} s${token.exhausted ? ' (codes ran out early)' : ''}; status ${JSON.stringify(token.statusCodes)}`,
    );
    const userinfo = await counted(child, () => userinfoPhase(info, endpoints, sanity.accessToken, settings.duration));
    log(`${name}: /me ${Math.round(userinfo.rate)}/s over ${userinfo.seconds.toFixed(1)} s; status ${JSON.stringify(userinfo.statusCodes)}`);
    return { scenario: name, label: scenario.label, minted, mintSeconds, mintStoppedBy: mint.stoppedBy, token, userinfo };
  } finally {
    await child.stop();
    await database?.drop();
    if (database) log(`${name}: database dropped`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Reference: what one ID-token signature costs here, single-threaded

function signaturesPerSecond(key: KeyObject, algorithm: string | null, seconds: number): number {
  const data = Buffer.from('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9');
  const end = performance.now() + seconds * 1000;
  let count = 0;
  for (let i = 0; i < 1_000_000 && performance.now() < end; i += 1) {
    sign(algorithm, data, key);
    count += 1;
  }
  return count / seconds;
}

function signingReference(): { rs256_3072: number; rs256_2048: number; es256: number } {
  const rsa = (bits: number) => generateKeyPairSync('rsa', { modulusLength: bits }).privateKey;
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  return {
    rs256_3072: Math.round(signaturesPerSecond(rsa(3072), 'sha256', 1)),
    rs256_2048: Math.round(signaturesPerSecond(rsa(2048), 'sha256', 1)),
    es256: Math.round(signaturesPerSecond(ec, 'sha256', 1)),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Report

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

function table(rows: string[][], rightAligned: number[]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, column) => pad(cell, widths[column]!, rightAligned.includes(column))).join(' | ')} |`;
  const separator = `|${widths.map((width, column) => (rightAligned.includes(column) ? `${'-'.repeat(width + 1)}:` : `${'-'.repeat(width + 2)}`)).join('|')}|`;
  return [line(rows[0]!), separator, ...rows.slice(1).map(line)].join('\n');
}

type Signing = ReturnType<typeof signingReference>;
type Endpoint = 'token' | 'userinfo';
const ENDPOINT_LABEL: Record<Endpoint, string> = { token: 'POST /token (code)', userinfo: 'GET /me (userinfo)' };

/** The round whose rate is the median for this scenario and endpoint (lower middle for even counts). */
function medianPhase(results: ScenarioResult[], scenario: ScenarioName, endpoint: Endpoint): { phase: PhaseResult; rates: number[] } | undefined {
  const phases = results
    .filter((result) => result.scenario === scenario)
    .map((result) => result[endpoint])
    .sort((a, b) => a.rate - b.rate);
  const phase = phases[Math.floor((phases.length - 1) / 2)];
  return phase ? { phase, rates: phases.map((candidate) => candidate.rate) } : undefined;
}

function report(results: ScenarioResult[], signing: Signing[], rounds: number): string {
  const scenarios = settings.scenarios.filter((name) => results.some((result) => result.scenario === name));
  const header = [
    'scenario',
    'endpoint',
    'req/s',
    ...(rounds > 1 ? ['req/s min–max'] : []),
    'p50 ms',
    'p99 ms',
    'ok (2xx)',
    'non-2xx',
    'other errors',
    'SQL/req',
    'CPU % server/pg/loadgen/other',
    'CPU ms/req server+pg',
  ];
  const rows: string[][] = [header];
  let exhausted = false;
  for (const scenario of scenarios) {
    for (const endpoint of ['token', 'userinfo'] as const) {
      const median = medianPhase(results, scenario, endpoint);
      if (!median) continue;
      const { phase, rates } = median;
      exhausted ||= phase.exhausted;
      rows.push([
        SCENARIOS[scenario].label,
        ENDPOINT_LABEL[endpoint] + (phase.exhausted ? ' *' : ''),
        phase.rate.toFixed(0),
        ...(rounds > 1 ? [`${Math.min(...rates).toFixed(0)}–${Math.max(...rates).toFixed(0)}`] : []),
        String(phase.p50),
        String(phase.p99),
        String(phase.ok),
        String(phase.non2xx),
        String(phase.errors + phase.mismatches),
        phase.dbQueriesPerRequest === null ? '-' : phase.dbQueriesPerRequest.toFixed(1),
        `${phase.cpu.server.toFixed(0)}/${phase.cpu.postgres.toFixed(0)}/${phase.cpu.loadgen.toFixed(0)}/${(phase.cpu.other + phase.cpu.steal).toFixed(0)}`,
        `${((phase.cpu.server * 10) / phase.rate).toFixed(2)}+${((phase.cpu.postgres * 10) / phase.rate).toFixed(2)}`,
      ]);
    }
  }
  const right = header.map((_, column) => column).filter((column) => column >= 2 && column < header.length - 2);
  const out = [table(rows, right)];
  out.push(
    rounds > 1 ? `Each row is the round with the median req/s of ${rounds} rounds (its latency and CPU figures are that round's).` : 'One round.',
    'req/s: verified 2xx responses per second (token responses with access_token and id_token, userinfo with sub and e-mail).',
    'other errors: connection errors, timeouts and 2xx responses whose body failed that check. SQL/req: statements Kontor sent to PostgreSQL.',
    'CPU: % of one core (2 cores = 200) during the phase: server child incl. its crypto threads / all postgres processes / this',
    'load generator / everything else incl. hypervisor steal (large values mean the phase was disturbed; compare rounds).',
  );
  if (exhausted) out.push('* the phase ended early: the pre-minted codes ran out (rate is over the active window)');

  const ratioRows: string[][] = [['scenario', '/token vs bare', '/me vs bare', ...(rounds > 1 ? ['per round /token', 'per round /me'] : [])]];
  const perRound = (scenario: ScenarioName, endpoint: Endpoint) => {
    const list: string[] = [];
    for (let round = 1; round <= rounds; round += 1) {
      const mine = results.find((result) => result.round === round && result.scenario === scenario);
      const bare = results.find((result) => result.round === round && result.scenario === 'bare');
      list.push(mine && bare ? `${((mine[endpoint].rate / bare[endpoint].rate) * 100).toFixed(0)}` : '-');
    }
    return `${list.join(', ')} %`;
  };
  for (const scenario of scenarios) {
    if (scenario === 'bare') continue;
    const mine = { token: medianPhase(results, scenario, 'token'), userinfo: medianPhase(results, scenario, 'userinfo') };
    const bare = { token: medianPhase(results, 'bare', 'token'), userinfo: medianPhase(results, 'bare', 'userinfo') };
    if (!mine.token || !mine.userinfo || !bare.token || !bare.userinfo) continue;
    ratioRows.push([
      SCENARIOS[scenario].label,
      `${((mine.token.phase.rate / bare.token.phase.rate) * 100).toFixed(0)} %`,
      `${((mine.userinfo.phase.rate / bare.userinfo.phase.rate) * 100).toFixed(0)} %`,
      ...(rounds > 1 ? [perRound(scenario, 'token'), perRound(scenario, 'userinfo')] : []),
    ]);
  }
  if (ratioRows.length > 1) out.push('', 'Kontor / bare oidc-provider (req/s):', table(ratioRows, [1, 2]));

  out.push(
    '',
    `codes minted: ${results.map((result) => `${rounds > 1 ? `r${result.round} ` : ''}${result.scenario} ${result.minted} in ${result.mintSeconds.toFixed(1)} s`).join(', ')}`,
    ...signing.map(
      (reference, index) =>
        `signing reference${rounds > 1 ? ` (round ${index + 1})` : ''}, one thread, node:crypto: RS256/RSA-3072 ${reference.rs256_3072}/s, RS256/RSA-2048 ${reference.rs256_2048}/s, ES256 ${reference.es256}/s`,
    ),
    `settings: duration ${settings.duration} s, warm-up ${settings.warmup} s, connections ${settings.connections}, rounds ${rounds}; node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})`,
  );
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  log(`node ${process.version}, ${os.cpus().length} CPUs; scenarios ${settings.scenarios.join(', ')}; ${settings.rounds} round(s)`);
  const signing: Signing[] = [];
  const results: ScenarioResult[] = [];
  const failures: string[] = [];
  for (let round = 1; round <= settings.rounds && !interrupted; round += 1) {
    const reference = signingReference();
    signing.push(reference);
    log(`round ${round}: signing reference ${JSON.stringify(reference)}`);
    for (const name of settings.scenarios) {
      try {
        const result = { ...(await runScenario(name)), round };
        results.push(result);
        for (const endpoint of ['token', 'userinfo'] as const) {
          try {
            assertClean(`round ${round} ${name} ${ENDPOINT_LABEL[endpoint]}`, result[endpoint]);
          } catch (error) {
            failures.push((error as Error).message);
          }
        }
      } catch (error) {
        failures.push(`round ${round} ${name}: ${(error as Error).stack ?? String(error)}`);
      }
      if (interrupted) break;
    }
  }
  const text = report(results, signing, settings.rounds);
  process.stdout.write(`\n${text}\n`);
  if (process.env.BENCH_JSON)
    writeFileSync(process.env.BENCH_JSON, `${JSON.stringify({ settings, node: process.version, cpus: os.cpus().length, signing, results }, null, 2)}\n`);
  if (failures.length) {
    process.stdout.write(`\nFAILED:\n  - ${failures.join('\n  - ')}\n`);
    return 1;
  }
  return 0;
}

let exitCode = 1;
try {
  exitCode = await main();
} finally {
  await cleanupAll();
}
process.exit(exitCode);
