export { DATA_EXPORT_SCHEMA_VERSION, DataExportService, type DataExportDeps, type DataExportOutcome } from './data-export.ts';
