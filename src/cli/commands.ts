import type { Migrator } from '@mikro-orm/migrations';
import type { LoadedConfig } from '../../config/index.ts';
import { createContainer, type Container } from '../container.ts';
import { migrate, openDatabase, pendingMigrations, schemaDrift, type Database } from '../db/orm.ts';
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from '../oidc/index.ts';
import type { CreateClientInput } from '../clients/index.ts';
import { AppError } from '../shared/app-error.ts';
import type { Logger } from '../shared/logger.ts';
import { list, type CommandOutput, type Flags } from './command-output.ts';
import { runOperationsCommand } from './operations.commands.ts';
import { organisationTermsFromFlags, runOrganisationCommand } from './organisation.commands.ts';
import { runUserCommand } from './user.commands.ts';

export type { CommandOutput, Flags } from './command-output.ts';

export const usage = `Usage: npm run kontor -- <command> [options] [--json]

  client create --name N --redirect-uri U [--redirect-uri U2] [--post-logout-redirect-uri U]
                [--auth-method client_secret_basic|client_secret_post|private_key_jwt|none]
                [--grant-type G ...] [--id-token-alg RS256|ES256|EdDSA] [--jwks-uri U]
                [--backchannel-logout-uri U] [--client-uri U] [--client-id ID] [--sector-identifier-uri U]
                [--default-acr niedrig|substanziell|ACR ...]
                [--scope openid|profile|email|address|sk_identity ...] [--claim C ...]
                [--claim-level CLAIM=basisregistrierung|niedrig|substanziell|hoch ...]
                [--consent every-time|remembered] [--first-party] [--id-token-claims]
                [--organisation O] [--address A] [--purpose P] [--logo-uri U] [--policy-uri U]
                [--role key="Label de|Label en[|Beschreibung|description]" ...]
                [--org-approval automatic|authority] [--authority-email E]
                  registers a client; prints client_id and, once, client_secret
                  (--default-acr: the portal's floor; logins below it never reach the portal)
                  (--client-uri: the portal's home page, linked after e-mail confirmation;
                  --sector-identifier-uri: https URL answering with a JSON array of every redirect URI,
                  needed when they span several hosts or ports; its host name is the pairwise sector)
                  (--scope: what it may ask for, default openid profile email, plus offline_access with
                  refresh tokens; --claim: what it may receive, default every claim of its scopes;
                  --claim-level: released only if login and attribute both reach the level;
                  --id-token-claims: granted claims also in the ID token, not only from userinfo;
                  --organisation/--address/--purpose/--logo-uri/--policy-uri: shown on the consent page;
                  --role: the roles organisations give their members (sk_org_roles, scope sk_organisation);
                  --org-approval authority: organisations use it only after the authority approved)
  client list     lists registered clients
  client roles ID [--role key="Label de|Label en" ...] [--org-approval automatic|authority] [--authority-email E]
                  shows or replaces the client's role catalogue and organisation approval rule
  organisation list [--status pending|approved|rejected]
                  lists organisations' service subscriptions (pending: waiting for the authority)
  organisation approve --organisation ID --client ID
  organisation reject --organisation ID --client ID
                  records the responsible authority's decision; the organisation's admins get a mail
  user create --email E (--password P | --password-stdin) --given-name G --family-name F [--locale de|en]
                  creates an account whose e-mail counts as verified
  user lock --email E
                  locks the account: every session, grant and token ends; the owner gets an unlock link
  user unlock --email E
                  unlocks a locked account (the owner lost the link, or an operator locked it)
  keys rotate [--alg RS256|ES256|EdDSA ...] [--activate-in SECONDS | --now]
                  creates successor signing keys, published at once and signing after the delay
                  (default: two key reload periods); old keys stay published for the overlap period
  mail list [--status pending|sent|failed] [--limit N]
                  shows the mail outbox, newest first (failed mail stays until retried)
  mail retry (--id ID ... | --all-failed)
                  puts failed mail back in the queue, e.g. after the SMTP server was fixed
  audit list [--account ID] [--type T] [--limit N]
                  shows audit events, newest first
  db migrate      applies pending migrations
  db check        fails when the entities and the migrations disagree
  db migration-create [--name N]
                  generates a migration from the entity changes (developers)

Configuration comes from the same environment variables as the server (DATABASE_URL, KONTOR_SECRET, ...).
`;

/** Runs one command against the configured database; every command closes what it opened. */
export async function runCommand(positionals: string[], flags: Flags, config: LoadedConfig, logger: Logger): Promise<CommandOutput> {
  const [area, action] = positionals;
  const command = `${area ?? ''} ${action ?? ''}`.trim();
  switch (command) {
    case 'db migrate':
      return withDatabase(config, false, async (db) => {
        const applied = await migrate(db.orm);
        return { data: { applied }, text: applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date' };
      });
    case 'db check':
      return withDatabase(config, false, async (db) => {
        const pending = await pendingMigrations(db.orm);
        if (pending.length) throw new AppError('db.migrations_pending', 1, pending);
        const drift = await schemaDrift(db.orm);
        if (drift) throw new AppError('db.schema_drift', 1, ['entities and migrations disagree; generate a migration:', drift]);
        return { data: { ok: true }, text: 'entities and migrations agree' };
      });
    case 'db migration-create':
      return withDatabase(config, true, async (db) => {
        const result = await (db.orm.migrator as Migrator).create(undefined, false, false, typeof flags.name === 'string' ? flags.name : undefined);
        return {
          data: { fileName: result.fileName || null },
          text: result.fileName ? `created migrations/${result.fileName}` : 'no changes: nothing to migrate',
        };
      });
    case 'client create':
      return withContainer(config, logger, async (container) => {
        const input: CreateClientInput = {
          name: String(flags.name ?? ''),
          redirectUris: list(flags['redirect-uri']),
          postLogoutRedirectUris: list(flags['post-logout-redirect-uri']),
          authMethod: (flags['auth-method'] as CreateClientInput['authMethod']) ?? undefined,
          grantTypes: flags['grant-type'] ? (list(flags['grant-type']) as CreateClientInput['grantTypes']) : undefined,
          jwksUri: flags['jwks-uri'] as string | undefined,
          idTokenSignedResponseAlg: flags['id-token-alg'] as CreateClientInput['idTokenSignedResponseAlg'],
          backchannelLogoutUri: flags['backchannel-logout-uri'] as string | undefined,
          clientUri: flags['client-uri'] as string | undefined,
          clientId: flags['client-id'] as string | undefined,
          sectorIdentifierUri: flags['sector-identifier-uri'] as string | undefined,
          defaultAcrValues: flags['default-acr'] ? list(flags['default-acr']) : undefined,
          // --scope "openid profile" and --scope openid --scope profile mean the same.
          scopes: flags.scope ? (list(flags.scope).flatMap((scope) => scope.split(/[\s,]+/).filter(Boolean)) as CreateClientInput['scopes']) : undefined,
          claims: flags.claim ? list(flags.claim).flatMap((claim) => claim.split(/[\s,]+/).filter(Boolean)) : undefined,
          claimLevels: flags['claim-level'] ? list(flags['claim-level']) : undefined,
          consent: flags.consent as CreateClientInput['consent'],
          firstParty: flags['first-party'] === true,
          idTokenClaims: flags['id-token-claims'] === true,
          organisation: flags.organisation as string | undefined,
          address: flags.address as string | undefined,
          purpose: flags.purpose as string | undefined,
          logoUri: flags['logo-uri'] as string | undefined,
          policyUri: flags['policy-uri'] as string | undefined,
          ...organisationTermsFromFlags(flags),
        };
        const created = await container.clients.create(input, container.validateClientMetadata);
        // ClientService keeps its transaction to itself; the event follows right after (never the secret).
        await container.audit.recordAlone(container.db.orm.em, {
          type: 'client.created',
          clientId: created.clientId,
          details: {
            via: 'cli',
            name: input.name,
            authMethod: created.metadata.token_endpoint_auth_method ?? null,
            grantTypes: created.metadata.grant_types ?? [],
          },
        });
        const data = { client_id: created.clientId, ...(created.clientSecret ? { client_secret: created.clientSecret } : {}), ...created.metadata };
        const text = [
          `client_id:     ${created.clientId}`,
          ...(created.clientSecret ? [`client_secret: ${created.clientSecret}`, '(shown once: store it now)'] : []),
        ].join('\n');
        return { data, text };
      });
    case 'client list':
      return withContainer(config, logger, async (container) => {
        const clients = await container.clients.list();
        const text = clients.length ? clients.map((c) => `${c.clientId}\t${c.name}\t${c.authMethod}\t${c.redirectUris.join(' ')}`).join('\n') : 'no clients';
        return {
          data: clients.map((c) => ({
            client_id: c.clientId,
            client_name: c.name,
            token_endpoint_auth_method: c.authMethod,
            redirect_uris: c.redirectUris,
            grant_types: c.grantTypes,
            source: c.source,
            created_at: c.createdAt,
          })),
          text,
        };
      });
    case 'user create':
      return withContainer(config, logger, async (container) => {
        const account = await container.accounts.createVerified(
          {
            email: String(flags.email ?? ''),
            password: String(flags.password ?? ''),
            givenName: String(flags['given-name'] ?? ''),
            familyName: String(flags['family-name'] ?? ''),
            locale: (flags.locale as 'de' | 'en' | undefined) ?? undefined,
          },
          async (em, accountId, password) => {
            // In the account's transaction; no address or password in the event (they are login data).
            container.audit.record(em, { type: 'account.created', accountId, details: { via: 'cli', emailVerified: true } });
            await container.passwords.setPassword(em, accountId, password);
          },
        );
        return { data: { id: account.id, email: account.email, email_verified: true }, text: `created account ${account.id} (${account.email})` };
      });
    case 'keys rotate':
      return withContainer(config, logger, async (container) => {
        const algs = list(flags.alg);
        const unknown = algs.filter((alg) => !(SIGNING_ALGORITHMS as readonly string[]).includes(alg));
        if (unknown.length) throw new AppError('keys.unknown_algorithm', 64, unknown);
        // By default the new key is announced for two reload periods before it signs, so every running
        // instance publishes it first. --now is for a compromised key.
        const delaySeconds = flags.now ? 0 : flags['activate-in'] !== undefined ? Number(flags['activate-in']) : 2 * config.keys.reloadSeconds;
        if (!Number.isInteger(delaySeconds) || delaySeconds < 0)
          throw new AppError('keys.invalid_activation_delay', 64, ['--activate-in takes whole seconds >= 0']);
        const activatesAt = new Date(Date.now() + delaySeconds * 1000);
        const results = await container.keys.rotate(algs.length ? (algs as SigningAlgorithm[]) : SIGNING_ALGORITHMS, activatesAt, (tx, rotated) =>
          container.audit.record(tx, {
            type: 'keys.rotated',
            details: {
              via: 'cli',
              immediate: delaySeconds === 0,
              keys: rotated.map((r) => ({ alg: r.alg, newKid: r.newKid, retiredKid: r.retiredKid, activatesAt: r.newKeyActivatesAt.toISOString() })),
            },
          }),
        );
        const text = results
          .map(
            (r) =>
              `${r.alg}: new key ${r.newKid} signs from ${r.newKeyActivatesAt.toISOString()}${r.retiredKid ? `; ${r.retiredKid} stays published until ${r.retiredKeyPublishedUntil?.toISOString()}` : ''}`,
          )
          .join('\n');
        const data = results.map((r) => ({
          alg: r.alg,
          new_kid: r.newKid,
          new_key_activates_at: r.newKeyActivatesAt,
          retired_kid: r.retiredKid,
          retired_key_published_until: r.retiredKeyPublishedUntil,
        }));
        return { data, text: `${text}\nRunning instances pick the change up within ${config.keys.reloadSeconds} s; no restart needed.` };
      });
    case 'client roles':
    case 'organisation approve':
    case 'organisation reject':
    case 'organisation list':
      return withContainer(config, logger, (container) => runOrganisationCommand(command, positionals, flags, container));
    case 'user lock':
    case 'user unlock':
      return withContainer(config, logger, (container) => runUserCommand(command, flags, container));
    case 'mail list':
    case 'mail retry':
    case 'audit list':
      return withContainer(config, logger, (container) => runOperationsCommand(command, flags, container));
    default:
      throw new AppError('cli.unknown_command', 64, [`unknown command "${command}"`, 'run `npm run kontor -- --help`']);
  }
}

/** In development the CLI migrates like the server does, so it works on a fresh embedded database. */
async function withDatabase<T>(config: LoadedConfig, migrateFirst: boolean, run: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase(config.database, { migrate: migrateFirst });
  try {
    return await run(db);
  } finally {
    await db.close();
  }
}

async function withContainer<T>(config: LoadedConfig, logger: Logger, run: (container: Container) => Promise<T>): Promise<T> {
  return withDatabase(config, config.env === 'development', async (db) => {
    if ((await pendingMigrations(db.orm)).length) throw new AppError('db.migrations_pending', 1, ['run `npm run db:migrate` first']);
    return run(await createContainer(config, logger, db));
  });
}
