import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { configSchema, type Config } from './schema.ts';
import { defaultsFor } from './defaults.ts';
import { secretVariableOf } from './federation.ts';
import { isLoopbackHost } from '../src/shared/urls.ts';

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
  // The issuer and the demo portal's URL follow the ports unless they are set themselves.
  const port = Number(env.PORT ?? (fileTree.port as number | undefined) ?? 3000);
  const demoPort = Number(env.KONTOR_DEMO_PORT ?? ((fileTree.demoPortal as Tree | undefined)?.port as number | undefined) ?? 3001);
  const defaults = defaultsFor(kontorEnv, Number.isFinite(port) ? port : 3000, Number.isFinite(demoPort) ? demoPort : 3001);
  const merged = withUpstreamSecrets(deepMerge(deepMerge(defaults as Tree, fileTree), fromEnv(env)), env);

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const config = parsed.success ? withPrivacyStatement(parsed.data) : undefined;
  // The safety checks read the raw values too, so one run reports schema and safety problems together.
  problems.push(...safetyProblems(config ?? (merged as Partial<Config>)));
  if (problems.length > 0 || !config) throw new ConfigError(problems);
  return { ...config, secret: config.secret ?? DEVELOPMENT_SECRET };
}

/**
 * The `privacy` consent asks people to confirm they read the privacy statement: without a URL of its own
 * it links the operator's (`operator.links.privacy`), so an operator names that page once.
 */
function withPrivacyStatement(config: Config): Config {
  const statement = config.operator.links.privacy?.de;
  if (!statement) return config;
  const consents = config.registration.consents.map((consent) => (consent.id === 'privacy' && !consent.url ? { ...consent, url: statement } : consent));
  return { ...config, registration: { ...config.registration, consents } };
}

/**
 * Settings that are fine on a developer's machine and dangerous anywhere else. Production must be
 * explicit; development conveniences (public demo secret, demo account) are refused on a public issuer.
 */
function safetyProblems(config: Partial<Config>): string[] {
  const problems: string[] = [];
  const issuer = typeof config.issuer === 'string' && URL.canParse(config.issuer) ? new URL(config.issuer) : undefined;
  if (issuer && (issuer.search || issuer.hash || config.issuer!.endsWith('/'))) {
    problems.push(`KONTOR_ISSUER must have no query, fragment or trailing slash (OpenID Connect Discovery §2), got ${config.issuer}`);
  }
  const publicIssuer = issuer !== undefined && !isLoopbackHost(issuer.hostname);
  if (config.env !== 'production') {
    if (publicIssuer && config.devFeatures)
      problems.push(`KONTOR_DEV_FEATURES (demo account with a published password) must be off for the public issuer ${config.issuer}`);
    if (publicIssuer && !config.secret) problems.push(`KONTOR_SECRET must be set for the public issuer ${config.issuer} (the development secret is published)`);
    problems.push(...upstreamProblems(config, false));
    return problems;
  }
  problems.push(...upstreamProblems(config, true));
  const secret = config.secret?.trim() ?? '';
  if (!config.secret) problems.push('KONTOR_SECRET is required in production (encrypts keys and secrets at rest)');
  else if (secret.length < 32) problems.push('KONTOR_SECRET must be at least 32 characters long (not counting spaces)');
  else if (config.secret === DEVELOPMENT_SECRET) problems.push('KONTOR_SECRET must not be the development secret');
  if (issuer && issuer.protocol !== 'https:' && publicIssuer) {
    problems.push(`KONTOR_ISSUER must use https in production (got ${config.issuer})`);
  }
  if (issuer?.protocol === 'https:' && !config.trustProxy) {
    problems.push('an https KONTOR_ISSUER needs KONTOR_TRUST_PROXY=true: Kontor serves plain HTTP behind a TLS-terminating proxy');
  }
  if (config.devFeatures) problems.push('KONTOR_DEV_FEATURES must be off in production (demo account, demo client)');
  if (!config.mail?.smtpUrl) problems.push('SMTP_URL is required in production (confirmation and reset mail would never leave the outbox)');
  if (!config.database?.url) problems.push('DATABASE_URL is required in production (the embedded database is for development and trials)');
  // People must be able to read what they agree to (DSGVO Art. 7 (2), Art. 13): a required consent needs its text.
  for (const consent of config.registration?.consents ?? []) {
    if (consent.required && !consent.url) {
      problems.push(
        `registration consent "${consent.id}" is required but has no url: set registration.consents[].url${consent.id === 'privacy' ? ' or operator.links.privacy' : ''} in KONTOR_CONFIG_FILE`,
      );
    }
  }
  return problems;
}

/**
 * An upstream's client secret may come from `KONTOR_FEDERATION_<ID>_CLIENT_SECRET` (config/ is the only
 * reader of the environment), so the config file can be shared without it. The variable wins over the file.
 */
function withUpstreamSecrets(tree: Tree, env: Env): Tree {
  const federation = tree.federation as Tree | undefined;
  if (!Array.isArray(federation?.upstreams)) return tree;
  const upstreams = federation.upstreams.map((upstream: unknown) => {
    if (!isTree(upstream) || typeof upstream.id !== 'string' || !isTree(upstream.clientAuth)) return upstream;
    const secret = env[secretVariableOf(upstream.id)];
    if (!secret || upstream.clientAuth.method !== 'client_secret_basic') return upstream;
    return { ...upstream, clientAuth: { ...upstream.clientAuth, secret } };
  });
  return { ...tree, federation: { ...federation, upstreams } };
}

/**
 * What the schema cannot see about upstreams: ids and issuers used once; in production every issuer is https (an ID token over plain
 * HTTP can be swapped on the way); a private_key_jwt key file must hold a PKCS#8 private key Kontor can read.
 */
function upstreamProblems(config: Partial<Config>, production: boolean): string[] {
  const problems: string[] = [];
  const ids = new Set<unknown>();
  const issuers = new Set<unknown>();
  (config.federation?.upstreams ?? []).forEach((upstream, index) => {
    if (!upstream || typeof upstream !== 'object') return;
    if (ids.has(upstream.id)) problems.push(`federation.upstreams.${index}.id: "${upstream.id}" is used twice`);
    if (issuers.has(upstream.issuer)) problems.push(`federation.upstreams.${index}.issuer: ${upstream.issuer} is configured twice`);
    ids.add(upstream.id);
    issuers.add(upstream.issuer);
  });
  for (const upstream of config.federation?.upstreams ?? []) {
    if (!upstream || typeof upstream !== 'object') continue;
    const issuer = typeof upstream.issuer === 'string' && URL.canParse(upstream.issuer) ? new URL(upstream.issuer) : undefined;
    if (production && issuer && issuer.protocol !== 'https:')
      problems.push(`federation upstream "${upstream.id}": issuer must use https in production (got ${upstream.issuer})`);
    if (upstream.clientAuth?.method === 'private_key_jwt' && typeof upstream.clientAuth.keyFile === 'string') {
      try {
        const key = createPrivateKey({ key: readFileSync(upstream.clientAuth.keyFile, 'utf8'), format: 'pem' });
        if (key.type !== 'private') throw new Error('not a private key');
      } catch (error) {
        problems.push(
          `federation upstream "${upstream.id}": clientAuth.keyFile ${upstream.clientAuth.keyFile} is not a readable PEM private key (${(error as Error).message})`,
        );
      }
    }
  }
  return problems;
}

function fromEnv(env: Env): Tree {
  const tree: Tree = {};
  const set = (path: string, value: string | undefined) => {
    if (value === undefined || value === '') return;
    const keys = path.split('.');
    let node = tree;
    for (const key of keys.slice(0, -1)) {
      node[key] ??= {};
      node = node[key] as Tree;
    }
    node[keys.at(-1)!] = value;
  };
  set('port', env.PORT);
  set('host', env.KONTOR_HOST);
  set('trustedProxyHops', env.KONTOR_TRUSTED_PROXY_HOPS);
  set('issuer', env.KONTOR_ISSUER);
  set('secret', env.KONTOR_SECRET);
  set('database.url', env.DATABASE_URL);
  set('database.embeddedDir', env.KONTOR_EMBEDDED_DB_DIR);
  set('mail.smtpUrl', env.SMTP_URL);
  set('mail.from', env.KONTOR_MAIL_FROM);
  set('operator.name', env.KONTOR_OPERATOR_NAME);
  set('logLevel', env.KONTOR_LOG_LEVEL);
  set('demoPortal.port', env.KONTOR_DEMO_PORT);
  set('demoPortal.url', env.KONTOR_DEMO_URL);
  set('demoPortal.upstreamPort', env.KONTOR_DEMO_UPSTREAM_PORT);
  set('keys.reloadSeconds', env.KONTOR_KEY_RELOAD_SECONDS);
  set('session.idleMinutes', env.KONTOR_SESSION_IDLE_MINUTES);
  set('secondFactor.level', env.KONTOR_SECOND_FACTOR_LEVEL);
  set('ledger.retentionDays', env.KONTOR_LEDGER_RETENTION_DAYS);
  set('account.reauthMinutes', env.KONTOR_ACCOUNT_REAUTH_MINUTES);
  set('account.unlockLinkDays', env.KONTOR_ACCOUNT_UNLOCK_LINK_DAYS);
  set('registration.usernameMode', env.KONTOR_USERNAME_MODE);
  set('registration.passwordPolicy', env.KONTOR_PASSWORD_POLICY);
  const flag = (value: string | undefined) => (value === undefined || value === '' ? undefined : ['1', 'true', 'yes', 'on'].includes(value.toLowerCase()));
  if (flag(env.KONTOR_DEV_FEATURES) !== undefined) tree.devFeatures = flag(env.KONTOR_DEV_FEATURES);
  if (flag(env.KONTOR_TRUST_PROXY) !== undefined) tree.trustProxy = flag(env.KONTOR_TRUST_PROXY);
  if (flag(env.KONTOR_ALLOW_PRIVATE_NETWORK_FETCH) !== undefined) tree.allowPrivateNetworkFetch = flag(env.KONTOR_ALLOW_PRIVATE_NETWORK_FETCH);
  const secondFactorRequired = flag(env.KONTOR_SECOND_FACTOR_REQUIRED);
  if (secondFactorRequired !== undefined) {
    tree.secondFactor ??= {};
    (tree.secondFactor as Tree).required = secondFactorRequired;
  }
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
