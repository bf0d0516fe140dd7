import { AuditEvent } from './audit-event.entity.ts';
export { AuditLog, AUDIT_TYPES, type AccountAuditEvent, type AuditInput, type AuditType } from './audit.service.ts';

/** The tables this domain owns; the ORM configuration (config/mikro-orm.ts) collects every domain's list, so src/db knows none. */
export const entities = [AuditEvent];
