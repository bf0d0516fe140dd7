import { z } from 'zod';

/** The checkbox of one optional claim: `share_<claim>` (OIDC Core §5.1 names and our sk_ claims). */
const SHARE_FIELD = /^share_([a-z][a-z0-9_]{0,63})$/;

/**
 * The consent form: a `share_<claim>=1` field per ticked optional claim (a browser sends checked boxes
 * only, so an unticked claim is simply absent). Other fields (the CSRF token) are ignored; at most 100 claims.
 */
export const consentForm = z
  .record(z.string(), z.unknown())
  .transform((body) => Object.entries(body).flatMap(([key, value]) => (value === '1' ? (SHARE_FIELD.exec(key)?.slice(1, 2) ?? []) : [])))
  .pipe(z.array(z.string()).max(100));
