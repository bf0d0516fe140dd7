import { BrowserAgent, formEndingWith, parseForms, type AgentResponse } from './browser-agent.ts';
import type { TestKontor } from './kontor.ts';
import { submitLogin, type TestUser } from './relying-party.ts';
import { enrolTotp, nextTotpStep, submitCode, totpAt } from './step-up.ts';

export interface AccountAreaOptions {
  /** Enrols a TOTP app for the user first (as the account area or the login's enrolment would); the secret comes back. */
  withSecondFactor?: boolean;
}

export interface OpenedAccountArea {
  agent: BrowserAgent;
  /** The dashboard (GET /account) after the login. */
  page: AgentResponse;
  /** With `withSecondFactor`: the TOTP secret the "app" holds. */
  totpSecret?: string;
}

/** The login page(s) of Kontor until the account area answers: password, then the TOTP code when the account has one. */
async function completeLogin(agent: BrowserAgent, loginPage: AgentResponse, credentials: { username: string; password: string; totp?: () => Promise<string> }) {
  if (loginPage.status !== 200 || !loginPage.body.includes('/login"'))
    throw new Error(`expected Kontor's login page, got ${loginPage.status} at ${loginPage.url}`);
  let page = await submitLogin(agent, loginPage, credentials.username, credentials.password);
  if (page.status === 200 && page.body.includes('name="method" value="totp"')) {
    if (!credentials.totp) throw new Error('the login asks for the second factor: pass totpSecret');
    page = await submitCode(agent, page, 'totp', await credentials.totp());
  }
  return agent.follow(page);
}

/**
 * Logs `user` (from `createUser`) in to "Mein Bereich" through /account/login, as a browser does: the
 * authorization request of the account client, Kontor's login page, back through /account/callback to the
 * dashboard. Returns the agent (it holds the area's cookie and the IdP session) and the dashboard page.
 */
export async function openAccountArea(
  kontor: TestKontor,
  user: TestUser,
  agent = new BrowserAgent(kontor.url),
  options: AccountAreaOptions = {},
): Promise<OpenedAccountArea> {
  const totpSecret = options.withSecondFactor ? (await enrolTotp(kontor, user)).secret : undefined;
  const loginPage = await agent.follow(await agent.get('/account'));
  const page = await completeLogin(agent, loginPage, {
    username: user.email,
    password: user.password,
    ...(totpSecret ? { totp: () => totpAt(kontor, totpSecret) } : {}),
  });
  if (page.status !== 200 || !page.url.endsWith('/account'))
    throw new Error(`expected the dashboard, got ${page.status} at ${page.url}:\n${page.body.slice(0, 1500)}`);
  return { agent, page, ...(totpSecret ? { totpSecret } : {}) };
}

/**
 * Completes the re-authentication a change asked for: `page` is where the refused request led (the
 * "Bitte melden Sie sich erneut an" page); its button starts the login with `max_age=0`, the password (and
 * with `totpSecret` a TOTP code of the next time step, at `kontor`'s clock) is entered, and the page the
 * change came from is returned.
 */
export async function reauthenticate(
  agent: BrowserAgent,
  page: AgentResponse,
  options: { password: string; totpSecret?: string; kontor?: TestKontor; username?: string },
): Promise<AgentResponse> {
  const form = parseForms(page.body).find((candidate) => candidate.action === '/account/login' && candidate.fields.reauth === '1');
  if (!form) throw new Error(`no re-authentication form on the page (${page.status} at ${page.url}):\n${page.body.slice(0, 1500)}`);
  const loginPage = await agent.follow(await agent.get(`${form.action}?${new URLSearchParams(form.fields)}`));
  const username = options.username ?? /name="username"[^>]*value="([^"]*)"/.exec(loginPage.body)?.[1];
  if (!username) throw new Error('pass the username: the login page does not prefill it');
  const { totpSecret, kontor } = options;
  if (totpSecret && !kontor) throw new Error('a TOTP code needs the kontor (its clock)');
  return completeLogin(agent, loginPage, {
    username,
    password: options.password,
    ...(totpSecret && kontor
      ? {
          totp: () => {
            nextTotpStep(kontor); // the login code of this step may be spent already
            return totpAt(kontor, totpSecret);
          },
        }
      : {}),
  });
}

export { formEndingWith };
