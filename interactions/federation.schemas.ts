import { z } from 'zod';

const upstreamId = z.string().regex(/^[a-z0-9-]{1,40}$/);

/** The chooser's filter (GET, works without script): words in a state's name or its search terms. */
export const chooserQuery = z.object({ q: z.string().trim().max(60).optional().catch(undefined) });

/** The chooser's form: the upstream picked (a radio button). */
export const chooserForm = z.object({ upstream: upstreamId });

/** After the callback: which verified upstream request this interaction goes on with. */
export const returnQuery = z.object({ request: z.uuid() });

/** The first-arrival page: the request, and the consents ticked as `consent_<id>=on` (like registration). */
export const welcomeForm = z.object({ request: z.uuid() }).passthrough();

export const upstreamParams = z.object({ id: upstreamId });
