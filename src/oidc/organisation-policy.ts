import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { z } from 'zod';

const { Check, Prompt } = interactionPolicy;

/** The login prompt's reason when a portal asking for `sk_organisation` has no organisation decided for this session. */
export const ORGANISATION_CHOICE = 'organisation_choice';

/**
 * The login prompt's reason when the session's decided organisation may no longer use the portal (the service,
 * the roles or the membership were taken away since): the login step shows why, the portal gets access_denied.
 */
export const ORGANISATION_ACCESS = 'organisation_access';

/** Whether the person may still use the portal for the organisation (the organisations domain's access rule). */
export type OrganisationAccessCheck = (accountId: string, organisationId: string, clientId: string) => Promise<boolean>;

/** The scope whose claims (`sk_org`, `sk_org_roles`) depend on the organisation the login chose (issue 19). */
export const ORGANISATION_SCOPE = 'sk_organisation';

/**
 * What a finished login hands over about the organisation (interaction result `kontor.organisation`): for
 * which portal, and which organisation (null: the person belongs to none, the claims are simply absent).
 */
export const organisationHandoverSchema = z.object({ clientId: z.string().min(1).max(255), id: z.uuid().nullable() });
export type OrganisationHandover = z.infer<typeof organisationHandoverSchema>;

/** The session's decisions per portal (`kontor.organisations`), kept next to the login's steps. */
const sessionOrganisationsSchema = z.record(z.string().min(1).max(255), z.uuid().nullable());

/** Whether an authorization request's scope asks for the organisation claims. */
export function wantsOrganisation(scope: unknown): boolean {
  return typeof scope === 'string' && scope.split(' ').includes(ORGANISATION_SCOPE);
}

/**
 * The organisation this session's login decided for `clientId`: its id, null for "none", undefined when the
 * session decided nothing for that portal (or is gone). Tokens take it from their session, so a login that
 * chose organisation A never carries roles of B, whatever another browser chose later.
 */
export function sessionOrganisationOf(session: { kontor?: unknown } | undefined, clientId: string): string | null | undefined {
  const organisations = sessionOrganisationsSchema.safeParse((session?.kontor as { organisations?: unknown } | undefined)?.organisations);
  return organisations.success ? organisations.data[clientId] : undefined;
}

interface SessionFields {
  accountId?: string;
  kontor?: unknown;
}

type Submission = { login?: unknown; kontor?: { organisation?: unknown } } | undefined;

/** The handover for this portal in a submission that finished a login, if any. */
function handoverIn(submission: Submission, clientId: string): OrganisationHandover | undefined {
  if (!submission?.login) return undefined;
  const parsed = organisationHandoverSchema.safeParse(submission.kontor?.organisation);
  return parsed.success && parsed.data.clientId === clientId ? parsed.data : undefined;
}

/**
 * Adds the organisation step to the login prompt and makes `prompt=select_account` requestable (OIDC Core
 * §3.1.2.1: "prompt the End-User to select a user account" — here: the organisation to act for; the person
 * changes a remembered choice this way). The check is synchronous and runs after the trust check, whose
 * `session.kontor` it extends: a finished login's decision joins the session per portal; a session without a
 * decision for this portal (SSO into a new portal) asks the login prompt again, which shows only the step
 * that is missing. With `prompt=none` the portal receives `account_selection_required` (§3.1.2.6).
 */
export function withOrganisationChoice<P extends ReturnType<typeof interactionPolicy.base>>(policy: P, mayUse: OrganisationAccessCheck): P {
  const login = policy.get('login');
  if (!login) throw new Error('oidc-provider policy without a login prompt');
  login.checks.add(
    new Check(ORGANISATION_CHOICE, 'the organisation for this service is not chosen yet', 'account_selection_required', (ctx: KoaContextWithOIDC) => {
      const { oidc } = ctx;
      const session = oidc.session as unknown as SessionFields;
      const clientId = oidc.client?.clientId;
      if (!session.accountId || !clientId || !wantsOrganisation(oidc.params?.scope)) return Check.NO_NEED_TO_PROMPT;
      const handover = handoverIn(oidc.result as Submission, clientId);
      if (handover) {
        const kontor = session.kontor && typeof session.kontor === 'object' ? (session.kontor as Record<string, unknown>) : {};
        const known = sessionOrganisationsSchema.safeParse(kontor.organisations);
        session.kontor = { ...kontor, organisations: { ...(known.success ? known.data : {}), [clientId]: handover.id } };
        return Check.NO_NEED_TO_PROMPT;
      }
      // The consent step of the same request resumes with its own result: the login's is its last submission.
      const earlier = (oidc.entities as { Interaction?: { lastSubmission?: Submission } }).Interaction?.lastSubmission;
      if (handoverIn(earlier, clientId)) return Check.NO_NEED_TO_PROMPT;
      if (oidc.promptPending('select_account')) return Check.REQUEST_PROMPT;
      return sessionOrganisationOf(session, clientId) === undefined ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
    }),
  );
  // Seed 002 (no role, no use) holds for every authorization, not only the one that asked: SSO into a portal
  // whose decision the session remembers would otherwise skip the rule and get a code after the admins took
  // the service, the roles or the membership away. prompt=none gets access_denied (OIDC Core §3.1.2.6).
  login.checks.add(
    new Check(ORGANISATION_ACCESS, 'the chosen organisation may no longer use this service', 'access_denied', async (ctx: KoaContextWithOIDC) => {
      const { oidc } = ctx;
      const session = oidc.session as unknown as SessionFields;
      const clientId = oidc.client?.clientId;
      if (!session.accountId || !clientId || !wantsOrganisation(oidc.params?.scope)) return Check.NO_NEED_TO_PROMPT;
      const decided = sessionOrganisationOf(session, clientId);
      if (decided === undefined) return Check.NO_NEED_TO_PROMPT;
      // A login that decided in this authorization checked the rule itself (interactions/login-flow.ts).
      const earlier = (oidc.entities as { Interaction?: { lastSubmission?: Submission } }).Interaction?.lastSubmission;
      const justDecided = handoverIn(oidc.result as Submission, clientId) ?? handoverIn(earlier, clientId);
      if (!justDecided && decided && !(await mayUse(session.accountId, decided, clientId))) return Check.REQUEST_PROMPT;
      await bindToGrant(ctx, clientId, decided);
      return Check.NO_NEED_TO_PROMPT;
    }),
  );
  // Requestable, but without checks of its own (oidc-provider adds a `select_account_prompt` check that would
  // ask again after the login): the login prompt's check above answers it.
  const selectAccount = new Prompt({ name: 'select_account', requestable: true });
  selectAccount.checks.remove('select_account_prompt');
  policy.add(selectAccount);
  return policy;
}

/** The decision as a grant keeps it (field `kontor`, kept by provider-internals.ts `keepKontorFields`). */
const grantOrganisationSchema = z.object({ organisation: z.uuid().nullable() });

/** The organisation a grant's authorization decided: its id, null for "none", undefined when it kept none. */
export function grantOrganisationOf(grant: { kontor?: unknown } | undefined): string | null | undefined {
  const parsed = grantOrganisationSchema.safeParse(grant?.kontor);
  return parsed.success ? parsed.data.organisation : undefined;
}

type StoredGrant = { jti?: string; kontor?: unknown; save(): Promise<unknown> };

/** Stamps the decision on the session's saved grant for the client (a new grant is made by the consent, which comes next). */
async function bindToGrant(ctx: KoaContextWithOIDC, clientId: string, organisation: string | null): Promise<void> {
  const grant = (ctx.oidc.entities as { Grant?: StoredGrant }).Grant;
  const session = ctx.oidc.session as unknown as { grantIdFor(clientId: string): string | undefined };
  if (!grant?.jti || session.grantIdFor(clientId) !== grant.jti || grantOrganisationOf(grant) === organisation) return;
  grant.kontor = { organisation };
  await grant.save();
}
