import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { UpstreamOptions } from './options.ts';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

/** A running upstream process: its issuer and port as it announced them. */
export interface UpstreamProcess {
  issuer: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** SIGTERM, resolves once the process has exited. */
  stop(): Promise<void>;
  /** SIGKILL, resolves once the process has exited (a crashed upstream). */
  kill(): Promise<void>;
}

/** The process exited before it was ready; `code` 3 means its port was taken or forbidden (main.ts). */
export class UpstreamStartFailed extends Error {
  readonly exitCode: number | null;
  constructor(message: string, exitCode: number | null) {
    super(message);
    this.name = 'UpstreamStartFailed';
    this.exitCode = exitCode;
  }
}

/**
 * Starts `node src/example-upstream/main.ts` with these options and waits for its ready line. A process
 * that exits first, or is not ready within `timeoutMs`, fails with its stderr in the message.
 */
export function spawnUpstream(options: UpstreamOptions, timeoutMs = 15000): Promise<UpstreamProcess> {
  // NODE_OPTIONS of the parent (jest's --experimental-vm-modules) is not for the upstream.
  const { NODE_OPTIONS: _ignored, ...env } = process.env;
  const child = spawn(process.execPath, [MAIN], {
    env: { ...env, KONTOR_UPSTREAM_OPTIONS: JSON.stringify({ parentPid: process.pid, ...options }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    await exited;
  };
  return new Promise<UpstreamProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new UpstreamStartFailed(`upstream ${options.name ?? ''} not ready after ${timeoutMs} ms; stderr:\n${stderr}`, null));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new UpstreamStartFailed(`upstream ${options.name ?? ''} exited with ${code} before it was ready; stderr:\n${stderr}`, code));
    });
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line) {
        clearTimeout(timer);
        const ready = JSON.parse(line) as { ready: boolean; issuer: string; port: number };
        resolve({ issuer: ready.issuer, port: ready.port, pid: child.pid!, child, stop: () => signal('SIGTERM'), kill: () => signal('SIGKILL') });
      }
    });
  });
}
