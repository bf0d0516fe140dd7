import { koaBody } from 'koa-body';

/**
 * The one body parser, for our own routes only: oidc-provider parses its own requests and must not sit
 * behind one. URL-encoded forms only (our pages post nothing else), small.
 */
export const formBody = koaBody({ urlencoded: true, json: false, text: false, multipart: false, formLimit: '32kb' });
