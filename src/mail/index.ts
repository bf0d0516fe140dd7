import { OutboxMail } from './outbox-mail.entity.ts';
export { OUTBOX_STATUSES, type OutboxStatus } from './outbox-mail.entity.ts';
export { MailRenderer, type MailSender, type RenderedMail } from './mail-renderer.ts';
export { MailDropped, Outbox, type MailRequest, type OutboxEntry, type MailBody, type RecipientCap } from './outbox.ts';
export { MailDispatcher, type DispatcherSettings } from './dispatcher.ts';

/** The tables this domain owns; the ORM configuration (config/mikro-orm.ts) collects every domain's list, so src/db knows none. */
export const entities = [OutboxMail];
