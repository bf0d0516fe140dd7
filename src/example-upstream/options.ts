import { z } from 'zod';

/**
 * What an example upstream OpenID provider is made of. It keeps nothing: accounts and clients come from these
 * options, keys are generated at every start, sessions live in oidc-provider's in-memory adapter.
 */
const account = z.object({
  username: z.string().min(1),
  password: z.string().min(1),
  /** The subject the upstream reports (OIDC Core §2): stable per account. */
  sub: z.string().min(1),
  /** What the upstream reports as `acr` whatever the client asked for: a too-low upstream level arises from it. */
  acr: z.string().min(1),
  amr: z.array(z.string()).default(['pwd']),
  /** Standard claims (OIDC Core §5.1) released by scope: given_name, family_name, email, birthdate, address, … */
  claims: z.record(z.string(), z.unknown()).default({}),
});

/** A client as oidc-provider reads its metadata (OpenID Connect Registration §2); `jwks` inline for private_key_jwt. */
const client = z
  .object({
    client_id: z.string().min(1),
    client_name: z.string().optional(),
    client_secret: z.string().optional(),
    token_endpoint_auth_method: z.enum(['client_secret_basic', 'private_key_jwt']).default('client_secret_basic'),
    jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).optional(),
    redirect_uris: z.array(z.url()).min(1),
    post_logout_redirect_uris: z.array(z.url()).optional(),
    backchannel_logout_uri: z.url().optional(),
  })
  .loose();

export const upstreamOptionsSchema = z.object({
  /** The provider's name as people see it: the heading of every page ("Servicekonto Nordland"). */
  name: z.string().min(1).default('Servicekonto Beispielland'),
  host: z.string().min(1).default('127.0.0.1'),
  /** 0: any free port (tests); the issuer is then decided after listening. */
  port: z.number().int().min(0).max(65535).default(0),
  /** Defaults to http://<host>:<port>. No trailing slash (OIDC Discovery §4.3 compares it exactly). */
  issuer: z.url().optional(),
  /** acr_values_supported (OIDC Discovery §3); defaults to the accounts' acr values. */
  acrValues: z.array(z.string()).optional(),
  accounts: z.array(account).default([]),
  clients: z.array(client).default([]),
  /** POST /__control and GET /__control/logout exist only with this (integration tests). */
  testControls: z.boolean().default(false),
  /** The variable a taken port is reported under (the dev upstreams name KONTOR_DEMO_UPSTREAM_PORT). */
  portVariable: z.string().optional(),
  /** main.ts exits when this process is gone (a crashed `npm start` or jest run leaves no upstream behind). */
  parentPid: z.number().int().positive().optional(),
});

export type UpstreamOptions = z.input<typeof upstreamOptionsSchema>;
export type ParsedUpstreamOptions = z.output<typeof upstreamOptionsSchema>;
export type UpstreamAccount = z.output<typeof account>;
export type UpstreamAccountInput = z.input<typeof account>;
export type UpstreamClient = z.input<typeof client>;
export const upstreamAccountSchema = account;
