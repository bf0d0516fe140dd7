import type Router from '@koa/router';
import type { Context } from 'koa';
import type { InteractionDeps } from './routes.ts';
import type { InteractionDetails } from './interaction-context.ts';
import { AppError } from '../src/shared/app-error.ts';
import { returnFromUpstream, showChooser, startLink, submitChooser, submitWelcome, type FederatedDeps } from './federation.ts';

type Load = (ctx: Context) => Promise<InteractionDetails>;

/**
 * /interaction/:uid/federation… — only when upstreams are configured: the chooser, the return after the
 * callback, the first-arrival page and the explicit link. Each checks that the login prompt is on.
 */
export function registerFederationRoutes(router: Router, deps: InteractionDeps, load: Load): void {
  if (!deps.federation) return;
  const federated = deps as FederatedDeps;
  const loadLogin = async (ctx: Context) => {
    const details = await load(ctx);
    if (details.prompt.name !== 'login') throw new AppError('interaction.unexpected_step', 400);
    return details;
  };
  router.get('/:uid/federation', async (ctx) => showChooser(federated, ctx, await loadLogin(ctx)));
  router.post('/:uid/federation', async (ctx) => submitChooser(federated, ctx, await loadLogin(ctx)));
  router.get('/:uid/federation/return', async (ctx) => returnFromUpstream(federated, ctx, await loadLogin(ctx)));
  router.post('/:uid/federation/welcome', async (ctx) => submitWelcome(federated, ctx, await loadLogin(ctx)));
  router.post('/:uid/federation/link', async (ctx) => startLink(federated, ctx, await loadLogin(ctx)));
}
