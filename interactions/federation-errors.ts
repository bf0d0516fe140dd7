import type { Context } from 'koa';
import type { FederationFailure } from '../src/federation/index.ts';
import type { InteractionDeps } from './routes.ts';

/** HTTP status per failure: the person's own choice is no error; an upstream that cannot be reached is a bad gateway. */
const STATUS: Record<FederationFailure, number> = {
  access_denied: 200,
  unreachable: 502,
  bad_response: 502,
  level_too_low: 403,
  expired: 400,
  unknown_upstream: 404,
};

/**
 * The page after a trip upstream that brought no login: what happened in the person's words, and the
 * ways on (back to the login of the same interaction, another state), never a 500.
 */
export function showFederationError(
  deps: Pick<InteractionDeps, 'views'>,
  ctx: Context,
  input: { failure: FederationFailure; uid?: string; upstreamName?: { de: string; en?: string } },
): void {
  const locale = (ctx.state.locale as string | undefined) ?? 'de';
  const upstreamName = input.upstreamName ? (locale === 'en' ? (input.upstreamName.en ?? input.upstreamName.de) : input.upstreamName.de) : undefined;
  ctx.set('Cache-Control', 'no-store');
  deps.views.render(
    ctx,
    'federation/error',
    {
      failure: input.failure,
      heading: `federation.error.${input.failure}_heading`,
      text: `federation.error.${input.failure}`,
      upstreamName,
      loginUrl: input.uid ? `/interaction/${input.uid}` : undefined,
      chooserUrl: input.uid ? `/interaction/${input.uid}/federation` : undefined,
    },
    { title: `federation.error.${input.failure}_heading`, status: STATUS[input.failure] },
  );
}
