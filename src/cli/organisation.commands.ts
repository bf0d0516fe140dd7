import type { Container } from '../container.ts';
import { parseRoleFlag, type OrganisationTermsInput, type RoleDefinition, type ServiceTerms } from '../clients/index.ts';
import { SUBSCRIPTION_STATUSES, type SubscriptionStatus } from '../organisations/index.ts';
import { AppError } from '../shared/app-error.ts';
import { list, type CommandOutput, type Flags } from './command-output.ts';

/** `--role key="Label de|Label en" …` as a catalogue; undefined when no --role was given. */
export function rolesFromFlags(flags: Flags): RoleDefinition[] | undefined {
  const given = list(flags.role);
  if (!given.length) return undefined;
  const parsed = given.map(parseRoleFlag);
  const problems = parsed.filter((role): role is string => typeof role === 'string');
  if (problems.length) throw new AppError('client.invalid_input', 64, problems);
  return parsed as RoleDefinition[];
}

/** The organisation terms of `client create` and `client roles`: --role, --org-approval, --authority-email. */
export function organisationTermsFromFlags(flags: Flags): OrganisationTermsInput {
  const roles = rolesFromFlags(flags);
  return {
    ...(roles ? { roles } : {}),
    ...(flags['org-approval'] !== undefined ? { orgApproval: flags['org-approval'] as OrganisationTermsInput['orgApproval'] } : {}),
    ...(flags['authority-email'] !== undefined ? { authorityEmail: String(flags['authority-email']) } : {}),
  };
}

function describeTerms(terms: ServiceTerms): string {
  const roles = terms.roles.map((role) => `  ${role.key}\t${role.label.de} | ${role.label.en}`);
  return [
    `client_id:    ${terms.clientId}`,
    `org approval: ${terms.approval}${terms.authorityEmail ? ` (${terms.authorityEmail})` : ''}`,
    'roles:',
    ...(roles.length ? roles : ['  none']),
  ].join('\n');
}

/** `client roles`, `organisation approve|reject|list`: the role catalogue and the authority's decisions (issue 19). */
export async function runOrganisationCommand(command: string, positionals: string[], flags: Flags, container: Container): Promise<CommandOutput> {
  switch (command) {
    case 'client roles': {
      const clientId = positionals[2];
      if (!clientId)
        throw new AppError('client.invalid_input', 64, [
          'client roles <client_id> [--role key="Label de|Label en" …] [--org-approval …] [--authority-email …]',
        ]);
      const input = organisationTermsFromFlags(flags);
      const terms =
        input.roles || input.orgApproval || input.authorityEmail
          ? await container.clients.setOrganisationTerms(clientId, input, container.validateClientMetadata)
          : await container.clients.serviceTerms(clientId);
      if (!terms) throw new AppError('client.not_found', 64, [`no client ${clientId}`]);
      if (input.roles || input.orgApproval || input.authorityEmail)
        await container.audit.recordAlone(container.db.orm.em, {
          type: 'client.updated',
          clientId,
          details: { via: 'cli', roles: terms.roles.map((role) => role.key), orgApproval: terms.approval },
        });
      return {
        data: { client_id: clientId, sk_roles: terms.roles, sk_org_approval: terms.approval, sk_authority_email: terms.authorityEmail ?? null },
        text: describeTerms(terms),
      };
    }
    case 'organisation approve':
    case 'organisation reject': {
      const organisationId = typeof flags.organisation === 'string' ? flags.organisation : '';
      const clientId = typeof flags.client === 'string' ? flags.client : '';
      if (!organisationId || !clientId) throw new AppError('organisation.unknown_subscription', 64, ['--organisation ID and --client ID are both needed']);
      const decision = command === 'organisation approve' ? 'approved' : 'rejected';
      // The operator records the responsible authority's decision; the audit names the operator as actor.
      await container.organisations.subscriptions.decide({ kind: 'operator' }, organisationId, clientId, decision);
      return { data: { organisation_id: organisationId, client_id: clientId, status: decision }, text: `${clientId} for ${organisationId}: ${decision}` };
    }
    case 'organisation list': {
      const status = flags.status as string | undefined;
      if (status !== undefined && !(SUBSCRIPTION_STATUSES as readonly string[]).includes(status))
        throw new AppError('organisation.unknown_subscription', 64, [`--status is one of ${SUBSCRIPTION_STATUSES.join(', ')}`]);
      const rows = await container.organisations.subscriptions.list({ status: status as SubscriptionStatus | undefined });
      const text = rows.length
        ? rows.map((row) => `${row.organisationId}\t${row.organisationName}\t${row.clientId}\t${row.status}\t${row.createdAt.toISOString()}`).join('\n')
        : 'no subscriptions';
      return {
        data: rows.map((row) => ({
          organisation_id: row.organisationId,
          organisation_name: row.organisationName,
          client_id: row.clientId,
          status: row.status,
          created_at: row.createdAt,
        })),
        text,
      };
    }
    default:
      throw new AppError('cli.unknown_command', 64, [`unknown command "${command}"`]);
  }
}
