import { AccountAreaSession } from './account-area-session.entity.ts';
export {
  ACCOUNT_CLIENT_ID,
  ACCOUNT_CLIENT_NAME,
  accountAreaUris,
  accountClientInput,
  accountClientSecret,
  registerAccountClient,
  type AccountClientRegistry,
} from './account-client.ts';
export { AccountAreaSessions, type AccountAreaLogin, type AccountAreaSessionSettings } from './account-area-sessions.ts';
export type { AccountAreaSessionRow } from './account-area-session.repository.ts';
export { AccountLogin, PENDING_LOGIN_SECONDS, safeReturnPath, type AccountLoginRequest } from './account-login.ts';
export { isFresh } from './freshness.ts';
export { summariseDevice, type DeviceSummary } from './device.ts';

/** The tables this domain owns; the ORM configuration (config/mikro-orm.ts) collects every domain's list, so src/db knows none. */
export const entities = [AccountAreaSession];
