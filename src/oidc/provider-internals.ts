import { AsyncLocalStorage } from 'node:async_hooks';
import type Provider from 'oidc-provider';

// The one module that relies on oidc-provider's internals beyond its documented API (ARCHITECTURE.md: "used in
// one module only, and the package is pinned to a minor version, so an upgrade touches one file"; 9.13.x).

/**
 * oidc-provider saves only the fields its models name (lib/models/session.js and grant.js `IN_PAYLOAD`).
 * Kontor keeps its own field `kontor` on both: on the Session the login's steps, the device and the
 * organisation decided per portal (session-trust.ts, organisation-policy.ts); on the Grant the organisation
 * the authorization decided, which an offline refresh token must keep after the session is gone. Must run
 * before the first session or grant is read.
 */
export function keepKontorFields(provider: Provider): void {
  for (const model of [provider.Session, provider.Grant] as unknown as Array<{ IN_PAYLOAD: string[] }>) {
    const fields = model.IN_PAYLOAD;
    if (fields.includes('kontor')) continue;
    Object.defineProperty(model, 'IN_PAYLOAD', { configurable: true, get: () => [...fields, 'kontor'] });
  }
}

/** The sessions one request has read by uid (see {@link shareSessionReads}). */
const sessionReads = new AsyncLocalStorage<Map<string, Promise<unknown>>>();

/** Runs one request with its own memory of session reads (app.ts wraps every request in it). */
export function withSessionReads<T>(run: () => Promise<T>): Promise<T> {
  return sessionReads.run(new Map(), run);
}

/**
 * oidc-provider reads the login session of a session-bound code or token by uid (its token_helpers.js
 * `checkSessionBinding`), and Kontor needs the same session again in the same request (the step a token
 * stands on names `sk_authn_means`, FINK for a federated login; the organisation the login chose). Within
 * one request the second read reuses the first: a statement less at /token. Outside a request scope (the
 * CLI, background jobs) nothing is shared.
 */
export function shareSessionReads(provider: Provider): void {
  const Session = provider.Session as unknown as { findByUid(uid: string): Promise<unknown>; kontorShared?: boolean };
  if (Session.kontorShared) return;
  const read = Session.findByUid.bind(Session);
  Session.findByUid = (uid: string) => {
    const memo = sessionReads.getStore();
    if (!memo || !uid) return read(uid);
    let found = memo.get(uid);
    if (!found) {
      found = read(uid);
      memo.set(uid, found);
    }
    return found;
  };
  Session.kontorShared = true;
}
