/**
 * Load phases with autocannon, and CPU accounting from /proc for the server child, PostgreSQL's processes
 * and this (load-generating) process, so a phase can say where the machine's two cores went.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export interface PhaseResult {
  /** Successful (2xx, body verified) responses per second over the phase's active window. */
  rate: number;
  ok: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** 2xx responses whose body did not contain what it must (not counted in `ok`). */
  mismatches: number;
  statusCodes: Record<string, number>;
  p50: number;
  p99: number;
  seconds: number;
  /** The phase stopped early because the request budget (pre-minted codes) ran out. */
  exhausted: boolean;
  /** SQL statements per completed request (PostgreSQL scenario only), filled in by the caller. */
  dbQueriesPerRequest: number | null;
  /**
   * CPU used during the phase, in % of one core: server child, PostgreSQL (all its processes), load
   * generator, everything else on the machine (other processes, kernel work not charged to ours), and time
   * the hypervisor gave to other guests (steal). A large `other` or `steal` means the phase was disturbed.
   */
  cpu: { server: number; postgres: number; loadgen: number; other: number; steal: number };
}

export interface PhaseOptions {
  url: string;
  connections: number;
  seconds: number;
  /** At most this many requests (each token request consumes one pre-minted code). */
  maxRequests?: number;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** Builds each request's body (called once per request); omitted for GET. */
  body?: () => string;
  verifyBody: (body: string) => boolean;
  serverPid: number;
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of one process in seconds; 0 when it is gone. */
export function processCpuSeconds(pid: number | string): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** CPU seconds of every process named `postgres` (the server, its backends and background workers). */
export function postgresCpuSeconds(): Map<string, number> {
  const usage = new Map<string, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') usage.set(entry, processCpuSeconds(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return usage;
}

/** Machine-wide busy and steal seconds (all cores) from /proc/stat. */
export function machineCpuSeconds(): { busy: number; steal: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
    return { busy: (user + nice + system + irq + softirq) / CLOCK_TICKS, steal: steal / CLOCK_TICKS };
  } catch {
    return { busy: 0, steal: 0 };
  }
}

export interface CpuSnapshot {
  at: number;
  server: number;
  postgres: Map<string, number>;
  loadgen: number;
  machine: { busy: number; steal: number };
}

export function cpuSnapshot(serverPid: number): CpuSnapshot {
  const self = process.cpuUsage();
  return {
    at: performance.now(),
    server: processCpuSeconds(serverPid),
    postgres: postgresCpuSeconds(),
    loadgen: (self.user + self.system) / 1e6,
    machine: machineCpuSeconds(),
  };
}

function cpuPercent(before: CpuSnapshot, after: CpuSnapshot): PhaseResult['cpu'] {
  const wall = (after.at - before.at) / 1000;
  let postgres = 0;
  // Backends that started during the phase count from zero; those that ended are missing (an undercount).
  for (const [pid, seconds] of after.postgres) postgres += seconds - (before.postgres.get(pid) ?? 0);
  const pct = (seconds: number) => Math.round((seconds / wall) * 1000) / 10;
  const server = after.server - before.server;
  const loadgen = after.loadgen - before.loadgen;
  const other = Math.max(0, after.machine.busy - before.machine.busy - server - postgres - loadgen);
  return { server: pct(server), postgres: pct(postgres), loadgen: pct(loadgen), other: pct(other), steal: pct(after.machine.steal - before.machine.steal) };
}

/** Runs one autocannon phase; counts only verified 2xx responses as successes. */
export async function runPhase(options: PhaseOptions): Promise<PhaseResult> {
  const target = new URL(options.url);
  const makeBody = options.body;
  let verified = 0;
  let mismatches = 0;
  const request: autocannon.Request = {
    method: options.method,
    path: `${target.pathname}${target.search}`,
    headers: options.headers,
    ...(makeBody ? { setupRequest: (req: autocannon.Request) => ({ ...req, body: makeBody() }) } : {}),
    onResponse: (status: number, body: string) => {
      if (status < 200 || status > 299) return;
      if (options.verifyBody(body)) verified += 1;
      else mismatches += 1;
    },
  };
  const before = cpuSnapshot(options.serverPid);
  let firstStart = 0;
  let lastResponse = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.origin,
        connections: options.connections,
        duration: options.seconds,
        ...(options.maxRequests ? { maxOverallRequests: options.maxRequests } : {}),
        requests: [request],
        timeout: 10,
      },
      (error, finished) => (error ? reject(error) : resolve(finished)),
    );
    instance.on('start', () => {
      firstStart = performance.now();
    });
    instance.on('response', () => {
      lastResponse = performance.now();
    });
  });
  const after = cpuSnapshot(options.serverPid);
  const statusCodes: Record<string, number> = {};
  for (const [status, stats] of Object.entries(result.statusCodeStats ?? {})) statusCodes[status] = stats.count ?? 0;
  const active = lastResponse > firstStart ? (lastResponse - firstStart) / 1000 : result.duration;
  const ok = verified;
  return {
    rate: ok / active,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    mismatches,
    statusCodes,
    p50: result.latency.p50,
    p99: result.latency.p99,
    seconds: active,
    exhausted: options.maxRequests !== undefined && result.requests.sent >= options.maxRequests && active < options.seconds - 0.5,
    cpu: cpuPercent(before, after),
    dbQueriesPerRequest: null,
  };
}
