import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../../config/index.ts';
import { createLogger } from '../shared/logger.ts';
import { AppError } from '../shared/app-error.ts';
import { runCommand, usage, type CommandOutput } from './commands.ts';

/**
 * `npm run kontor -- <command>`: the operators' and scripts' contract. Reads the same configuration as
 * the server. With --json every command prints one JSON document on stdout; errors go to stderr
 * (as JSON with --json) and set a non-zero exit code.
 */
async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      name: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      'auth-method': { type: 'string' },
      'grant-type': { type: 'string', multiple: true },
      'jwks-uri': { type: 'string' },
      'id-token-alg': { type: 'string' },
      'backchannel-logout-uri': { type: 'string' },
      'client-id': { type: 'string' },
      'client-uri': { type: 'string' },
      'sector-identifier-uri': { type: 'string' },
      'default-acr': { type: 'string', multiple: true },
      scope: { type: 'string', multiple: true },
      claim: { type: 'string', multiple: true },
      'claim-level': { type: 'string', multiple: true },
      consent: { type: 'string' },
      'first-party': { type: 'boolean' },
      'id-token-claims': { type: 'boolean' },
      organisation: { type: 'string' },
      address: { type: 'string' },
      purpose: { type: 'string' },
      'logo-uri': { type: 'string' },
      'policy-uri': { type: 'string' },
      role: { type: 'string', multiple: true },
      'org-approval': { type: 'string' },
      'authority-email': { type: 'string' },
      client: { type: 'string' },
      status: { type: 'string' },
      limit: { type: 'string' },
      id: { type: 'string', multiple: true },
      'all-failed': { type: 'boolean', default: false },
      account: { type: 'string' },
      type: { type: 'string' },
      email: { type: 'string' },
      password: { type: 'string' },
      'password-stdin': { type: 'boolean', default: false },
      'given-name': { type: 'string' },
      'family-name': { type: 'string' },
      locale: { type: 'string' },
      alg: { type: 'string', multiple: true },
      'activate-in': { type: 'string' },
      now: { type: 'boolean', default: false },
    },
  });
  const json = values.json ?? false;
  if (values.help || positionals.length === 0) {
    process.stdout.write(usage);
    return positionals.length === 0 && !values.help ? 64 : 0;
  }
  try {
    if (values['password-stdin']) values.password = await readStdinLine();
    const config = loadConfig();
    // Logs never go to stdout: that is the command's output, and with --json one JSON document.
    const logger = createLogger(process.env.KONTOR_LOG_LEVEL ?? 'warn', 'stderr');
    const output = await runCommand(positionals, values, config, logger);
    print(output, json);
    return 0;
  } catch (error) {
    const message = error instanceof AppError ? [error.code, ...error.details].join('\n  ') : (error as Error).message;
    const code = error instanceof AppError ? error.code : error instanceof ConfigError ? 'config.invalid' : 'error';
    if (json) process.stderr.write(`${JSON.stringify({ error: code, message })}\n`);
    else process.stderr.write(`kontor: ${message}\n`);
    // 64 (EX_USAGE) for bad input, 1 for failures such as pending migrations or schema drift.
    if (error instanceof AppError) return error.status === 1 ? 1 : 64;
    return error instanceof ConfigError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 64 : 1;
  }
}

/** The first line of standard input, so a password need not appear in argv (process list, history). */
async function readStdinLine(): Promise<string> {
  let input = '';
  for await (const chunk of process.stdin) {
    input += String(chunk);
    if (input.includes('\n')) break;
  }
  return input.split(/\r?\n/)[0] ?? '';
}

function print(output: CommandOutput, json: boolean): void {
  if (json) process.stdout.write(`${JSON.stringify(output.data, null, 2)}\n`);
  else process.stdout.write(`${output.text}\n`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`kontor: ${(error as Error).message}\n`);
    process.exit(error?.code?.startsWith?.('ERR_PARSE_ARGS') ? 64 : 1);
  },
);
