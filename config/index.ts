export { loadConfig, ConfigError, DEVELOPMENT_SECRET, type LoadedConfig } from './load.ts';
export type { Config } from './schema.ts';
export { ormOptions } from './mikro-orm.ts';
