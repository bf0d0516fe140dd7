import { z } from 'zod';

/** A client id as Kontor issues them (kontor client create, dynamic registration); nothing else is looked up. */
const clientId = z.string().regex(/^[A-Za-z0-9._~-]{1,255}$/);

/** POST /account/data-access/revoke: which portal's consent to withdraw. */
export const revokeForm = z.object({ client_id: clientId });

/** GET /account/data-access?revoked=<client id>: the notice after a withdrawal. */
export const dataAccessQuery = z.object({ revoked: clientId.optional().catch(undefined) });
