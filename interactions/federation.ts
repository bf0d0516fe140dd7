import type { Context } from 'koa';
import type { InteractionDeps } from './routes.ts';
import { clientNameOf, type InteractionDetails } from './interaction-context.ts';
import { readFlow, recordStep, saveFlow } from './login-flow.ts';
import { browserToken, setBrowserToken, type FederationDeps } from './federation-context.ts';
import { chooserForm, chooserQuery, returnQuery, welcomeForm } from './federation.schemas.ts';
import { requirementOfInteraction } from '../src/oidc/index.ts';
import { UpstreamUnavailable, type UpstreamChoice, type UpstreamIdentity } from '../src/federation/index.ts';
import { AppError } from '../src/shared/app-error.ts';
import type { AuthenticationLevel } from '../src/trust/index.ts';
import { showFederationError } from './federation-errors.ts';

/** Why no account can be made from what the upstream sent (the page offers the explicit link instead). */
const BLOCKING_PROBLEMS = ['federation.email_taken', 'federation.email_missing', 'federation.email_unverified'];

/** The deps with federation configured; routes are registered only then. */
export type FederatedDeps = InteractionDeps & { federation: FederationDeps };

/** The level the portal needs of this login (its request or its floor), if any. */
async function requiredLevel(deps: InteractionDeps, details: InteractionDetails): Promise<AuthenticationLevel | undefined> {
  const outcome = await requirementOfInteraction(deps.provider, details.params);
  return outcome.kind === 'level' ? outcome.requirement.level : undefined;
}

const nameIn = (choice: UpstreamChoice, locale: string) => (locale === 'en' ? (choice.name.en ?? choice.name.de) : choice.name.de);

/**
 * GET: the chooser ("Mit anderem Servicekonto"): every configured state as a radio button, those that
 * cannot reach the portal's level listed apart with the reason; a filter form narrows a long list
 * without script (seed 001: "Warum wird mein Bundesland nicht aufgeführt?" is answered on the page).
 */
export async function showChooser(deps: FederatedDeps, ctx: Context, details: InteractionDetails, status = 200, error?: string): Promise<void> {
  const locale = (ctx.state.locale as string | undefined) ?? 'de';
  const query = chooserQuery.parse(ctx.query);
  const words = (query.q ?? '').toLocaleLowerCase('de').split(/\s+/).filter(Boolean);
  const required = await requiredLevel(deps, details);
  const all = deps.federation.directory.choices(required).map((choice) => ({ ...choice, label: nameIn(choice, locale) }));
  const matches = all.filter((choice) => {
    const haystack = [choice.name.de, choice.name.en ?? '', ...choice.searchTerms].join(' ').toLocaleLowerCase('de');
    return words.every((word) => haystack.includes(word));
  });
  const t = deps.views.translator(ctx);
  deps.views.render(
    ctx,
    'interaction/federation-chooser',
    {
      uid: details.uid,
      clientName: await clientNameOf(deps.provider, details.params.client_id),
      query: query.q ?? '',
      reachable: matches.filter((choice) => choice.reaches),
      unreachable: matches.filter((choice) => !choice.reaches),
      levelKey: required ? `level.name.${required}` : undefined,
      noMatch: matches.length === 0,
      searchable: all.length > 6,
      errors: error ? { upstream: t(error) } : {},
      // The summary links to the first radio button of the group (GOV.UK error summary for radios).
      errorList: error ? [{ field: `upstream-${matches.find((choice) => choice.reaches)?.id ?? ''}`, text: t(error) }] : [],
    },
    { title: 'federation.chooser_title', status },
  );
}

/** POST: the chosen upstream; the request is stored, the browser bound by cookie and sent upstream (303). */
export async function submitChooser(deps: FederatedDeps, ctx: Context, details: InteractionDetails): Promise<void> {
  const form = chooserForm.safeParse(ctx.request.body);
  const upstream = form.success ? deps.federation.directory.get(form.data.upstream) : undefined;
  if (!upstream) return showChooser(deps, ctx, details, 400, 'federation.choose_required');
  const required = await requiredLevel(deps, details);
  try {
    const started = await deps.federation.service.start({ uid: details.uid, upstream, required, locale: (ctx.state.locale as string) ?? 'de' });
    setBrowserToken(ctx, deps.settings.secureCookies, started.browserToken);
    ctx.status = 303;
    ctx.redirect(started.url);
  } catch (error) {
    if (!(error instanceof UpstreamUnavailable)) throw error;
    deps.logger.warn({ upstream: upstream.id, reason: error.message }, 'upstream unavailable');
    return showFederationError(deps, ctx, { failure: 'unreachable', uid: details.uid, upstreamName: upstream.name });
  }
}

/** The verified identity this interaction returned with (else the page that says the trip ran out). */
async function identityOf(deps: FederatedDeps, ctx: Context, details: InteractionDetails, requestId: string): Promise<UpstreamIdentity | undefined> {
  const identity = await deps.federation.service.identity(requestId, details.uid, browserToken(ctx, deps.settings.secureCookies));
  if (!identity) showFederationError(deps, ctx, { failure: 'expired', uid: details.uid });
  return identity;
}

/**
 * GET after the callback: a known upstream identity logs in (the flow's completion point decides what comes
 * next); a new one sees what was received and decides (first-arrival page).
 */
export async function returnFromUpstream(deps: FederatedDeps, ctx: Context, details: InteractionDetails): Promise<void> {
  const query = returnQuery.safeParse(ctx.query);
  if (!query.success) throw new AppError('interaction.unexpected_step', 400);
  const identity = await identityOf(deps, ctx, details, query.data.request);
  if (!identity) return;
  const accountId = await deps.federation.accounts.accountOf(identity);
  if (!accountId) return showWelcome(deps, ctx, details, query.data.request, identity);
  if (!(await deps.federation.accounts.useForLogin(query.data.request))) return showFederationError(deps, ctx, { failure: 'expired', uid: details.uid });
  await recordFederatedStep(deps, ctx, details, accountId, identity);
}

async function recordFederatedStep(
  deps: FederatedDeps,
  ctx: Context,
  details: InteractionDetails,
  accountId: string,
  identity: UpstreamIdentity,
): Promise<void> {
  const clientId = typeof details.params.client_id === 'string' ? details.params.client_id : null;
  await deps.audit({
    type: 'login.federated_succeeded',
    accountId,
    clientId,
    ip: ctx.ip,
    details: { upstream: identity.upstreamId, level: identity.level, acr: identity.acr ?? null },
  });
  const flow = await readFlow(deps, details);
  // An upstream without SSO: the step counts only for this portal (session-trust.ts stepsForClient).
  const bound = deps.federation.directory.get(identity.upstreamId)?.sso === false && clientId ? { client: clientId } : {};
  await recordStep(deps, ctx, details, flow, {
    accountId,
    method: 'federated',
    amr: identity.amr,
    level: identity.level,
    upstream: identity.upstreamId,
    sid: identity.sid,
    ...bound,
  });
}

/** The first-arrival page: what the upstream sent (with its level), the consents, and the explicit link instead. */
export async function showWelcome(
  deps: FederatedDeps,
  ctx: Context,
  details: InteractionDetails,
  requestId: string,
  identity: UpstreamIdentity,
  problem?: { code: string; consentErrors?: Record<string, string> },
  status = 200,
): Promise<void> {
  const locale = (ctx.state.locale as string | undefined) === 'en' ? 'en' : 'de';
  const t = deps.views.translator(ctx);
  const upstream = deps.federation.directory.get(identity.upstreamId);
  if (!upstream) throw new AppError('interaction.unexpected_step', 400);
  const received = deps.federation.accounts.received(upstream, identity).map((attribute) => ({
    label: t(`federation.attribute.${attribute.name}`),
    value: Array.isArray(attribute.value) ? attribute.value.join(', ') : String(attribute.value),
  }));
  const consents = deps.settings.registration.consents.map((consent) => ({
    id: consent.id,
    name: `consent_${consent.id}`,
    label: consent.label[locale] ?? consent.label.de,
    required: consent.required,
    url: consent.url,
    error: problem?.consentErrors?.[consent.id],
  }));
  const blocked = problem && BLOCKING_PROBLEMS.includes(problem.code) ? problem.code : undefined;
  deps.views.render(
    ctx,
    'interaction/federation-welcome',
    {
      uid: details.uid,
      request: requestId,
      upstreamName: locale === 'en' ? (upstream.name.en ?? upstream.name.de) : upstream.name.de,
      levelKey: `level.name.${identity.level}`,
      received,
      consents,
      blocked,
      errorList: problem?.consentErrors
        ? Object.entries(problem.consentErrors).map(([id, text]) => ({ field: `consent_${id}`, id: `consent-${id}`, text }))
        : [],
    },
    { title: 'federation.welcome_title', status },
  );
}

/** POST first arrival: the consents, then the account is created and the login goes on at the completion point. */
export async function submitWelcome(deps: FederatedDeps, ctx: Context, details: InteractionDetails): Promise<void> {
  const form = welcomeForm.safeParse(ctx.request.body);
  if (!form.success) throw new AppError('interaction.unexpected_step', 400);
  const body = form.data as Record<string, unknown>;
  const identity = await identityOf(deps, ctx, details, form.data.request);
  if (!identity) return;
  const upstream = deps.federation.directory.get(identity.upstreamId)!;
  const consents = deps.settings.registration.consents;
  const granted = new Set(consents.filter((consent) => body[`consent_${consent.id}`] === 'on').map((consent) => consent.id));
  const t = deps.views.translator(ctx);
  const missing = consents.filter((consent) => consent.required && !granted.has(consent.id));
  if (missing.length) {
    const consentErrors = Object.fromEntries(missing.map((consent) => [consent.id, t('registration.consent_required')]));
    return showWelcome(deps, ctx, details, form.data.request, identity, { code: 'federation.consent_required', consentErrors }, 400);
  }
  const clientId = typeof details.params.client_id === 'string' ? details.params.client_id : null;
  let accountId: string;
  try {
    const locale = (ctx.state.locale as string | undefined) === 'en' ? 'en' : 'de';
    accountId = await deps.federation.accounts.create({ requestId: form.data.request, upstream, identity, granted, locale, ip: ctx.ip, clientId });
  } catch (error) {
    if (error instanceof AppError && BLOCKING_PROBLEMS.includes(error.code)) {
      return showWelcome(deps, ctx, details, form.data.request, identity, { code: error.code }, 409);
    }
    if (error instanceof AppError && error.code === 'federation.request_used') return showFederationError(deps, ctx, { failure: 'expired', uid: details.uid });
    throw error;
  }
  await recordFederatedStep(deps, ctx, details, accountId, identity);
}

/**
 * POST "I have an account here": the flow remembers the verified request and the person logs in to that
 * account the usual way (password, then its second factor if it has one); the link is made at the finish.
 */
export async function startLink(deps: FederatedDeps, ctx: Context, details: InteractionDetails): Promise<void> {
  const form = welcomeForm.safeParse(ctx.request.body);
  if (!form.success) throw new AppError('interaction.unexpected_step', 400);
  if (!(await identityOf(deps, ctx, details, form.data.request))) return;
  const flow = await readFlow(deps, details);
  // A fresh login of the account to link: nothing the browser's session holds counts for it.
  await saveFlow(deps, ctx, { steps: [], federationLink: form.data.request, acceptedBelow: flow.acceptedBelow });
  ctx.status = 303;
  ctx.redirect(`/interaction/${details.uid}`);
}
