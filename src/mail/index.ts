export { OutboxMail, OUTBOX_STATUSES, type OutboxStatus } from './outbox-mail.entity.ts';
export { MailRenderer, type RenderedMail } from './mail-renderer.ts';
export { Outbox, type MailRequest, type OutboxEntry, type MailBody } from './outbox.ts';
export { MailDispatcher, type DispatcherSettings } from './dispatcher.ts';
