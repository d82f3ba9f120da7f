// The PostgreSQL parser as a bundle of its own (dist/pgParser.js, with libpg-query.wasm beside it: see
// scripts/build.mjs), so that the extension and the CLI load it only when they lint raw SQL.
export { loadModule, parseSync } from 'libpg-query';
