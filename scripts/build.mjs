// Builds everything with esbuild: the extension bundle, the CLI bundle, and the test files.
// Type checking is separate (`tsc --noEmit`), as esbuild only strips types.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

// Outside the bundle: `vscode` (provided by the host), better-sqlite3 (ships its native .node file
// in node_modules), and the knex dialect drivers alembic-lens does not use. pg and mysql2 are plain
// JavaScript and are bundled, so the .vsix needs no node_modules for them.
const external = [
  'vscode',
  'better-sqlite3',
  'pg-query-stream',
  'pg-native',
  'mysql',
  'mariadb',
  'sqlite3',
  'oracledb',
  'tedious',
  'mocha',
  'playwright-core',
];

/**
 * What identifies this build: a hash of the sources, the locked dependencies and this script. The parse cache and the
 * CLI's kept outputs are used only by the build that wrote them (src/core/parseCache.ts); a file time
 * would not do, as packagers set them all alike (Nix: 1) and `cp -p` keeps them.
 */
function sourceHash() {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const file = path.join(dir, name);
      // statSync: a link to a folder is walked as the folder.
      if (fs.statSync(file).isDirectory()) walk(file);
      else
        hash
          .update(`${path.relative(root, file)}\0`)
          .update(fs.readFileSync(file))
          .update('\0');
    }
  };
  walk(path.join(root, 'src'));
  // The dependencies' versions, and how they are bundled (this script's options).
  hash.update(fs.readFileSync(path.join(root, 'package-lock.json')));
  hash.update(fs.readFileSync(new URL(import.meta.url)));
  return hash.digest('hex').slice(0, 16);
}

const common = {
  bundle: true,
  define: { ALEMBIC_LENS_BUILD: JSON.stringify(sourceHash()) },
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  external,
  logLevel: 'warning',
};

function testEntries(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ts$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

const testFiles = production ? [] : testEntries(path.join(root, 'test'));
// The Unicode name table of `\N{NAME}` escapes: a bundle of its own, loaded only when needed from the
// folder of the bundle that runs (src/core/python/literals.ts), so a copy sits beside each.
const unicodeNames = path.join(root, 'dist/unicodeNames.js');
// The PostgreSQL parser (libpg-query, WebAssembly): the same, loaded only to lint raw SQL on a
// PostgreSQL project (src/core/lint/sql/pgParser.ts); its .wasm file must sit beside it.
const pgParser = path.join(root, 'dist/pgParser.js');
const pgWasm = path.join(root, 'node_modules/libpg-query/wasm/libpg-query.wasm');
const cliMain = path.join(root, 'dist/cliMain.js');

await Promise.all([
  esbuild.build({
    ...common,
    entryPoints: [path.join(root, 'src/core/python/unicodeNames.ts')],
    outfile: unicodeNames,
  }),
  esbuild.build({
    ...common,
    entryPoints: [path.join(root, 'src/core/lint/sql/pgParserBundle.ts')],
    outfile: pgParser,
  }),
  esbuild.build({
    ...common,
    entryPoints: [path.join(root, 'src/extension.ts')],
    outfile: path.join(root, 'dist/extension.js'),
  }),
  // `status` reads databases with knex and its drivers: a bundle of its own, loaded only by that
  // command, keeps the other commands' start-up fast.
  esbuild
    .build({
      ...common,
      entryPoints: [path.join(root, 'src/cli.ts')],
      outfile: cliMain,
      // Whitespace and syntax only: names stay readable in stack traces. V8 reads the CLI bundle on
      // every run (when its code cache is missing): ~30% fewer bytes to scan.
      minifyWhitespace: true,
      minifySyntax: true,
      external: [...external, './cliStatus'],
    })
    // The command's entry point: runs cliMain.js from a V8 code cache (src/cliLoader.ts), named by the
    // bundle's content hash, computed here: hashing it at every start would load node:crypto (~10 ms).
    .then(() =>
      esbuild.build({
        ...common,
        entryPoints: [path.join(root, 'src/cliLoader.ts')],
        outfile: path.join(root, 'dist/cli.js'),
        banner: { js: '#!/usr/bin/env node' },
        define: {
          CLI_BUNDLE_HASH: JSON.stringify(
            createHash('sha256').update(fs.readFileSync(cliMain)).digest('hex').slice(0, 16),
          ),
        },
      }),
    ),
  esbuild.build({
    ...common,
    entryPoints: [path.join(root, 'src/cliStatus.ts')],
    outfile: path.join(root, 'dist/cliStatus.js'),
  }),
  // `alembic-lens test`, loaded by the CLI only for that command: it bundles knex and the drivers.
  esbuild.build({
    ...common,
    entryPoints: [path.join(root, 'src/core/migrationTests/testCommand.ts')],
    outfile: path.join(root, 'dist/cliTest.js'),
  }),
  // The revision graph's webview script: a browser bundle, loaded from media/ by the webview.
  esbuild.build({
    entryPoints: [path.join(root, 'src/graph/webview/main.ts')],
    outfile: path.join(root, 'media/graph/graph.js'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: production,
    logLevel: 'warning',
  }),
  production
    ? Promise.resolve()
    : esbuild.build({
        ...common,
        entryPoints: testFiles,
        outbase: path.join(root, 'test'),
        outdir: path.join(root, 'out/test'),
      }),
]);
fs.chmodSync(path.join(root, 'dist/cli.js'), 0o755);
fs.copyFileSync(pgWasm, path.join(root, 'dist/libpg-query.wasm'));
for (const dir of new Set(testFiles.map((file) => path.dirname(path.relative(path.join(root, 'test'), file))))) {
  fs.copyFileSync(unicodeNames, path.join(root, 'out/test', dir, 'unicodeNames.js'));
  fs.copyFileSync(pgParser, path.join(root, 'out/test', dir, 'pgParser.js'));
  fs.copyFileSync(pgWasm, path.join(root, 'out/test', dir, 'libpg-query.wasm'));
}
