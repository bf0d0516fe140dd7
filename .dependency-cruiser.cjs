// The layering of ../shared/design/ARCHITECTURE.md and CONVENTIONS.md §3, checked on every CI run
// (`npm run deps`): interactions → src/<domain> (via its index.ts) → src/db, src/shared.
//
// Domain code is every folder of src/ except the plumbing (http), the base (db, shared), the entry points
// (cli, dev, demo-portal, example-upstream: the example upstream OpenID provider of issue 18) and the
// composition files at src/ itself (app.ts, container.ts, main.ts, server.ts).
const NOT_DOMAIN = '(?:http|db|shared|cli|dev|demo-portal|example-upstream)';
const DOMAIN_CODE = `^src/(?!${NOT_DOMAIN}/)[^/]+/`;
const ENTITY = '\\.entity\\.ts$';
const INDEX = '^src/[^/]+/index\\.ts$';
const COMPOSITION = '^src/(?:app|container|main|server)\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-without-koa',
      comment:
        'Domain code knows no HTTP framework: Koa, its router and body parser belong to src/http and interactions/. ' +
        'A service that needs a request detail takes it as a plain parameter.',
      severity: 'error',
      from: { path: DOMAIN_CODE },
      to: { path: '^node_modules/(?:koa|@koa/router|koa-body)/' },
    },
    {
      name: 'domain-without-http',
      comment: 'Domain code never imports src/http/ (the plumbing sits above the domains) or interactions/.',
      severity: 'error',
      from: { path: DOMAIN_CODE },
      to: { path: '^(?:src/http/|interactions/)' },
    },
    {
      name: 'src-without-interactions',
      comment:
        'src/ never imports interactions/: the handlers call src/, never the other way (ARCHITECTURE.md). Only the ' +
        'composition files at src/ itself (app.ts mounts the interaction routers) may.',
      severity: 'error',
      from: { path: '^src/', pathNot: COMPOSITION },
      to: { path: '^interactions/' },
    },
    {
      name: 'base-knows-no-domain',
      comment:
        'src/db and src/shared are the bottom layer: they import nothing else of src/ (the ORM configuration in ' +
        "config/mikro-orm.ts collects the domains' entities), nor interactions/.",
      severity: 'error',
      from: { path: '^src/(?:db|shared)/' },
      to: { path: '^(?:src/|interactions/)', pathNot: '^src/(?:db|shared)/' },
    },
    {
      name: 'domain-through-index',
      comment:
        'A domain uses another domain only through its index.ts (its public surface), never its files: ' +
        "its entities and SQL stay private (the index exports lookups, e.g. accounts' AccountRepository, and " +
        "the `entities` list for the ORM, never an entity class to query), so no domain reaches into another's tables.",
      severity: 'error',
      from: { path: `^src/((?!${NOT_DOMAIN}/)[^/]+)/`, pathNot: ENTITY },
      to: { path: DOMAIN_CODE, pathNot: ['^src/$1/', INDEX] },
    },
    {
      name: 'entity-names-entities-only',
      comment:
        "The one exception: an entity may name another domain's entity for a foreign key (verification_token." +
        'account_id → account), which declares the relation and its cascade and reads nothing; nothing else.',
      severity: 'error',
      from: { path: `^src/((?!${NOT_DOMAIN}/)[^/]+)/.+\\.entity\\.ts$` },
      to: { path: DOMAIN_CODE, pathNot: ['^src/$1/', INDEX, ENTITY] },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles (type-only imports are erased at run time and do not count).',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // The tests, the benchmarks and the generated migrations may reach into anything.
    exclude: { path: '(?:^|/)(?:test|bench|migrations)/|\\.test\\.ts$' },
    includeOnly: '^(?:src|interactions|config|node_modules)/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.js', '.cjs', '.mjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
