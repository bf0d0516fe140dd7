import { decodeEntities, type AgentResponse } from './browser-agent.ts';

/** The TOTP secret as the enrolment page shows it (`id="totp-secret"`, in blocks of four), without the spaces. */
export function secretOf(page: AgentResponse): string {
  const shown = /<code id="totp-secret">([^<]*)<\/code>/.exec(page.body)?.[1];
  if (!shown) throw new Error(`no TOTP secret on the page (${page.status}):\n${page.body.slice(0, 2000)}`);
  return decodeEntities(shown).replace(/\s+/g, '');
}

/** The recovery codes of the page that shows them once. */
export function recoveryCodesOf(page: AgentResponse): string[] {
  const list = /<ol class="recovery-codes" id="recovery-codes">([\s\S]*?)<\/ol>/.exec(page.body)?.[1];
  if (!list) throw new Error(`no recovery codes on the page (${page.status}):\n${page.body.slice(0, 2000)}`);
  return [...list.matchAll(/<code>([^<]*)<\/code>/g)].map((match) => decodeEntities(match[1]!));
}

/** The href of the link whose target ends with `suffix`. */
export function linkEndingWith(page: AgentResponse, suffix: string): string {
  const href = [...page.body.matchAll(/href="([^"]*)"/g)].map((match) => decodeEntities(match[1]!)).find((candidate) => candidate.endsWith(suffix));
  if (!href) throw new Error(`no link ending in ${suffix} on the page (${page.status}):\n${page.body.slice(0, 2000)}`);
  return href;
}

export { submitForm, callbackOf, idTokenClaims as idTokenOf } from './step-up.ts';
