import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { Config } from '../config/schema.ts';
import type { PasswordPolicy, RegistrationConfig } from '../config/registration.ts';
import type { RegistrationService } from '../src/accounts/index.ts';
import type { LoginService, PasswordResetService, PasswordService, SecondFactorService } from '../src/credentials/index.ts';
import type { Views } from '../src/http/views.ts';
import type { RateLimiter } from '../src/rate-limits/index.ts';
import type { AuditInput } from '../src/audit/index.ts';
import type { Logger } from '../src/shared/logger.ts';
import { AppError } from '../src/shared/app-error.ts';
import type { AuthenticationLevel, SessionLimits } from '../src/trust/index.ts';
import type { Clock } from '../src/shared/clock.ts';
import type { ClaimsComposer } from '../src/consent/index.ts';
import type { OrganisationAccess } from '../src/organisations/index.ts';
import type { FederationDeps } from './federation-context.ts';
import { registerFederationRoutes } from './federation-routes.ts';
import { registerOrganisationRoutes } from './organisation-choice.ts';

import { continueBelow, refuseLevel, showCurrentStep } from './login-steps.ts';
import { readFlow, recordStep } from './login-flow.ts';
import { uidParams } from './interaction.schemas.ts';
import { registerEnrolmentRoutes } from './enrolment.ts';
import { extendInteraction, INTERACTION_MINUTES, loadInteraction } from './interaction-context.ts';
import { expiredRegistration } from './registration-steps.ts';
import { showLogin, submitLogin } from './login.ts';
import { registerSecondFactorRoutes } from './second-factor.ts';
import { abortInteraction, showConsent, submitConsent, switchAccount } from './consent.ts';
import type { RegistrationCookie } from './registration-cookie.ts';
import { showAccountStep, submitAccountStep } from './registration-account.ts';
import { showProfileStep, submitProfileStep } from './registration-profile.ts';
import { showReview, showSent, submitReview } from './registration-review.ts';

export interface JourneySettings {
  registration: RegistrationConfig;
  passwordPolicy: PasswordPolicy;
  rateLimits: Config['rateLimits'];
  secureCookies: boolean;
  /** The cookie that marks a browser the person logged in from before (login throttling). */
  deviceCookieName: string;
  /** Floor for responses that must not reveal whether an account exists. */
  minimumResponseMs: number;
  /** How long a session keeps each level (TR-03160-1), to judge what a step-up builds on. */
  sessionLimits: SessionLimits;
  /** The level password + second factor reaches (config `secondFactor.level`): the highest a login has today. */
  secondFactorLevel: AuthenticationLevel;
  /** How long an e-mailed one-time code is valid (config `secondFactor.emailCodeMinutes`), as the pages state it. */
  emailCodeMinutes: number;
}

/** What the person-facing handlers need: services, the view renderer and the settings of the journeys. */
export interface InteractionDeps {
  provider: Provider;
  views: Views;
  passwords: PasswordService;
  logins: LoginService;
  registration: RegistrationService;
  passwordReset: PasswordResetService;
  rateLimiter: RateLimiter;
  registrationCookie: RegistrationCookie;
  /** Writes one audit event on its own (consent given or declined). */
  audit: (event: AuditInput) => Promise<void>;
  logger: Logger;
  /** The logged-in person's name as the consent page shows it ("Angemeldet als …"). */
  displayName: (accountId: string) => Promise<string | undefined>;
  /** The names an account logs in with: the authenticator app's label, the address a code goes to. */
  loginNames: (accountId: string) => Promise<{ email: string; username: string | null } | undefined>;
  /** The account's status now (`active`, `locked`, `pending`), which the login's completion point checks. */
  accountStatus: (accountId: string) => Promise<string | undefined>;
  /** The second factor: what the account has, checking codes, enrolment. */
  secondFactors: SecondFactorService;
  /** What would leave Kontor for this request: the consent page shows it (a preview, nothing recorded). */
  composer: ClaimsComposer;
  /** The login's organisation step (issue 19): the chooser, the access rule, the remembered choice per portal. */
  organisations: OrganisationAccess;
  /** Login with another state's service account; absent when no upstream is configured. */
  federation?: FederationDeps;
  /** The time steps are stamped and judged with (tests advance it). */
  clock: Clock;
  settings: JourneySettings;
}

/**
 * /interaction/:uid — the pages a person sees between the portal's redirect and the return to it. Forms
 * arrive parsed and their CSRF token checked (src/http/csrf.ts, for every unsafe route of this router).
 */
export function interactionRoutes(deps: InteractionDeps, pageMiddleware: Middleware[]): Router {
  const router = new Router({ prefix: '/interaction' });
  router.use(...pageMiddleware);

  const uidOf = (ctx: Context) => {
    const parsed = uidParams.safeParse(ctx.params);
    // Not an id we ever issue: a link mangled on its way (copied halfway, broken by a mail client).
    if (!parsed.success) throw new AppError('interaction.unknown', 404);
    return parsed.data.uid;
  };
  const load = async (ctx: Context) => {
    const details = await loadInteraction(deps.provider, ctx, uidOf(ctx));
    ctx.set('Cache-Control', 'no-store');
    return details;
  };

  /**
   * The registration steps: each one gives the interaction its full time again (stated on the page, WCAG
   * 2.2.1); once it has run out, what was typed is kept for the next try (registration-steps.ts).
   */
  const loadRegistration = async (ctx: Context) => {
    let details: Awaited<ReturnType<typeof load>>;
    try {
      details = await load(ctx);
    } catch (error) {
      if (error instanceof AppError && error.code === 'interaction.expired') throw (await expiredRegistration(deps, ctx, uidOf(ctx))) ?? error;
      throw error;
    }
    await extendInteraction(deps.provider, ctx, details.uid, deps.settings.secureCookies);
    ctx.state.timeLimitMinutes = INTERACTION_MINUTES;
    return details;
  };

  router.get('/:uid', async (ctx) => {
    const details = await load(ctx);
    if (details.prompt.name === 'login') return showCurrentStep(deps, ctx, details);
    if (details.prompt.name === 'consent') return showConsent(deps, ctx, details);
    throw new AppError('interaction.unexpected_step', 400);
  });

  router.post('/:uid/login', async (ctx) => {
    const details = await load(ctx);
    if (details.prompt.name !== 'login') throw new AppError('interaction.unexpected_step', 400);
    await submitLogin(deps, ctx, details);
  });

  router.get('/:uid/register', async (ctx) => showAccountStep(deps, ctx, await loadRegistration(ctx)));
  router.post('/:uid/register', async (ctx) => {
    const details = await loadRegistration(ctx);
    await submitAccountStep(deps, ctx, details);
  });
  router.get('/:uid/register/profile', async (ctx) => showProfileStep(deps, ctx, await loadRegistration(ctx)));
  router.post('/:uid/register/profile', async (ctx) => {
    const details = await loadRegistration(ctx);
    await submitProfileStep(deps, ctx, details);
  });
  router.get('/:uid/register/review', async (ctx) => showReview(deps, ctx, await loadRegistration(ctx)));
  router.post('/:uid/register/review', async (ctx) => {
    const details = await loadRegistration(ctx);
    await submitReview(deps, ctx, details);
  });
  router.get('/:uid/register/sent', async (ctx) => showSent(deps, ctx, await load(ctx)));

  /** After the e-mail confirmation: log in the browser that registered, otherwise ask for the password. */
  router.get('/:uid/resume', async (ctx) => {
    let details: Awaited<ReturnType<typeof load>>;
    try {
      details = await load(ctx);
    } catch (error) {
      // Confirmed in this browser after the login ended (or was completed meanwhile): the account is active.
      if (error instanceof AppError && ['interaction.expired', 'interaction.already_logged_in', 'interaction.cookies_missing'].includes(error.code)) {
        return deps.views.render(ctx, 'registration/confirmed', {}, { title: 'registration.confirmed_title' });
      }
      throw error;
    }
    if (details.prompt.name !== 'login') return ctx.redirect(`/interaction/${details.uid}`);
    const state = deps.registrationCookie.read(ctx, details.uid);
    const clientId = typeof details.params.client_id === 'string' ? details.params.client_id : null;
    const result = state?.registeredAccountId ? await deps.registration.loginAfterConfirmation(state.registeredAccountId, { ip: ctx.ip, clientId }) : null;
    if (!result) return showLogin(deps, ctx, details, { notice: 'login.notice_confirmed' });
    deps.registrationCookie.clear(ctx);
    // The same completion as every login method: a portal asking for more gets its step-up or enrolment next.
    // amr pwd: the password was chosen in this interaction by this browser (bound by the signed registration
    // cookie) and the link proves the mailbox; the login is at niedrig like a password login.
    await recordStep(deps, ctx, details, await readFlow(deps, details), { method: 'registration', ...result });
  });

  registerSecondFactorRoutes(router, deps, load);

  router.post('/:uid/continue-below', async (ctx) => {
    const details = await load(ctx);
    if (details.prompt.name !== 'login') throw new AppError('interaction.unexpected_step', 400);
    await continueBelow(deps, ctx, details);
  });

  router.post('/:uid/refuse', async (ctx) => {
    const details = await load(ctx);
    if (details.prompt.name !== 'login') throw new AppError('interaction.unexpected_step', 400);
    await refuseLevel(deps, ctx, details);
  });

  registerEnrolmentRoutes(router, deps, load);
  registerFederationRoutes(router, deps, load);
  registerOrganisationRoutes(router, deps, load);

  router.post('/:uid/consent', async (ctx) => {
    const details = await load(ctx);
    await submitConsent(deps, ctx, details);
  });

  router.post('/:uid/switch-account', async (ctx) => {
    const details = await load(ctx);
    await switchAccount(deps, ctx, details);
  });

  router.post('/:uid/abort', async (ctx) => {
    await load(ctx);
    deps.registrationCookie.clear(ctx);
    await abortInteraction(deps, ctx);
  });

  return router;
}
