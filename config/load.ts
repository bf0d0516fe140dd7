import { readFileSync } from 'node:fs';
import { configSchema, type Config } from './schema.ts';
import { defaultsFor } from './defaults.ts';

/** Used only in development when KONTOR_SECRET is unset; production refuses to start without a real secret. */
export const DEVELOPMENT_SECRET = 'kontor-development-secret-not-for-production-use';

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Kontor cannot start, the configuration has ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export type LoadedConfig = Config & { secret: string };

type Env = Record<string, string | undefined>;
type Tree = { [key: string]: unknown };

/**
 * Builds the configuration from defaults, the optional JSON file named by KONTOR_CONFIG_FILE and the
 * environment (in that order of precedence, last wins). Throws a ConfigError listing every problem at once.
 */
export function loadConfig(env: Env = process.env): LoadedConfig {
  const problems: string[] = [];
  const kontorEnv = env.KONTOR_ENV ?? 'development';
  if (kontorEnv !== 'development' && kontorEnv !== 'production') {
    throw new ConfigError([`KONTOR_ENV must be "development" or "production", not "${kontorEnv}"`]);
  }
  const fileTree = readConfigFile(env.KONTOR_CONFIG_FILE, problems);
  const port = Number(env.PORT ?? (fileTree.port as number | undefined) ?? 3000);
  const merged = deepMerge(deepMerge(defaultsFor(kontorEnv, Number.isFinite(port) ? port : 3000) as Tree, fileTree), fromEnv(env));

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new ConfigError(problems);
  }
  const config = parsed.data;
  problems.push(...productionProblems(config));
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...config, secret: config.secret ?? DEVELOPMENT_SECRET };
}

/** Settings that are fine on a developer's machine and dangerous anywhere else. */
function productionProblems(config: Config): string[] {
  if (config.env !== 'production') return [];
  const problems: string[] = [];
  if (!config.secret) problems.push('KONTOR_SECRET is required in production (encrypts keys and secrets at rest)');
  else if (config.secret.length < 32) problems.push('KONTOR_SECRET must be at least 32 characters long');
  else if (config.secret === DEVELOPMENT_SECRET) problems.push('KONTOR_SECRET must not be the development secret');
  const issuer = new URL(config.issuer);
  const localhost = ['localhost', '127.0.0.1', '[::1]'].includes(issuer.hostname);
  if (issuer.protocol !== 'https:' && !localhost) {
    problems.push(`KONTOR_ISSUER must use https in production (got ${config.issuer})`);
  }
  if (config.devFeatures) problems.push('KONTOR_DEV_FEATURES must be off in production (demo account, demo client)');
  return problems;
}

function fromEnv(env: Env): Tree {
  const tree: Tree = {};
  const set = (path: string, value: string | undefined) => {
    if (value === undefined || value === '') return;
    const keys = path.split('.');
    let node = tree;
    for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Tree;
    node[keys.at(-1)!] = value;
  };
  set('port', env.PORT);
  set('host', env.KONTOR_HOST);
  set('issuer', env.KONTOR_ISSUER);
  set('secret', env.KONTOR_SECRET);
  set('database.url', env.DATABASE_URL);
  set('database.embeddedDir', env.KONTOR_EMBEDDED_DB_DIR);
  set('mail.smtpUrl', env.SMTP_URL);
  set('mail.from', env.KONTOR_MAIL_FROM);
  set('logLevel', env.KONTOR_LOG_LEVEL);
  set('session.idleMinutes', env.KONTOR_SESSION_IDLE_MINUTES);
  set('demoPortal.port', env.KONTOR_DEMO_PORT);
  set('keys.reloadSeconds', env.KONTOR_KEY_RELOAD_SECONDS);
  const flag = (value: string | undefined) => (value === undefined || value === '' ? undefined : ['1', 'true', 'yes', 'on'].includes(value.toLowerCase()));
  if (flag(env.KONTOR_DEV_FEATURES) !== undefined) tree.devFeatures = flag(env.KONTOR_DEV_FEATURES);
  if (flag(env.KONTOR_TRUST_PROXY) !== undefined) tree.trustProxy = flag(env.KONTOR_TRUST_PROXY);
  if (flag(env.KONTOR_ALLOW_PRIVATE_NETWORK_FETCH) !== undefined) tree.allowPrivateNetworkFetch = flag(env.KONTOR_ALLOW_PRIVATE_NETWORK_FETCH);
  return tree;
}

function readConfigFile(path: string | undefined, problems: string[]): Tree {
  if (!path) return {};
  try {
    const tree = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (tree && typeof tree === 'object' && !Array.isArray(tree)) return tree as Tree;
    problems.push(`KONTOR_CONFIG_FILE ${path}: must contain a JSON object`);
  } catch (error) {
    problems.push(`KONTOR_CONFIG_FILE ${path}: ${(error as Error).message}`);
  }
  return {};
}

function deepMerge(base: Tree, override: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = isTree(value) && isTree(current) ? deepMerge(current, value) : value;
  }
  return out;
}

function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
