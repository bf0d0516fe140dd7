import { BrowserAgent, formEndingWith, type AgentResponse } from './browser-agent.ts';
import type { TestKontor } from './kontor.ts';
import { submitLogin, type TestUser } from './relying-party.ts';
import { nextTotpStep, submitCode, totpAt } from './step-up.ts';

/**
 * Opens /account/delete in a new browser as its owner does: the account area's login (password, and the TOTP
 * code when the account has an app), which is fresh, so the deletion page itself answers.
 */
export async function openDeletionPage(
  kontor: TestKontor,
  user: TestUser,
  options: { totpSecret?: string } = {},
): Promise<{ agent: BrowserAgent; page: AgentResponse }> {
  const agent = new BrowserAgent(kontor.url);
  const loginPage = await agent.follow(await agent.get('/account/delete'));
  let page = await submitLogin(agent, loginPage, user.email, user.password);
  if (page.status === 200 && page.body.includes('name="method" value="totp"')) {
    if (!options.totpSecret) throw new Error('the login asks for the second factor: pass totpSecret');
    nextTotpStep(kontor);
    page = await submitCode(agent, page, 'totp', await totpAt(kontor, options.totpSecret));
  }
  page = await agent.follow(page);
  if (page.status !== 200 || !page.url.endsWith('/account/delete'))
    throw new Error(`expected the deletion page, got ${page.status} at ${page.url}:\n${page.body.slice(0, 1500)}`);
  return { agent, page };
}

/** Posts the deletion page's form, ticked (`confirm: 'yes'`) unless `fields` say otherwise. */
export function submitDeletion(agent: BrowserAgent, page: AgentResponse, fields: Record<string, string> = { confirm: 'yes' }): Promise<AgentResponse> {
  const form = formEndingWith(page.body, '/account/delete');
  return agent.post(form.action, { ...form.fields, ...fields });
}

/** Deletes the account as its owner does, through "Mein Bereich"; returns the page after it. */
export async function deleteThroughAccountArea(kontor: TestKontor, user: TestUser, options: { totpSecret?: string } = {}): Promise<AgentResponse> {
  const { agent, page } = await openDeletionPage(kontor, user, options);
  const done = await submitDeletion(agent, page);
  if (done.status !== 303 || done.location !== '/account/deleted')
    throw new Error(`expected the redirect to /account/deleted, got ${done.status} ${done.location ?? ''}: ${done.body.slice(0, 800)}`);
  return agent.follow(done);
}
