export { AuditEvent } from './audit-event.entity.ts';
export { AuditLog, AUDIT_TYPES, type AuditInput, type AuditType } from './audit.service.ts';
