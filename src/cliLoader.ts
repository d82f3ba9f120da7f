// The command line's entry point (dist/cli.js). It runs the CLI bundle (dist/cliMain.js) with a V8
// code cache from the per-user cache folder, so that V8 neither parses nor compiles the bundle again:
// about 15 ms of every run, a tenth of `heads` on a large history.
// V8 checks a cache only against the source's length: the cache file is named by a hash of the
// bundle's content instead (computed by the build), so another build never runs with this one's code. A cache folder others
// could write is refused (privateDir.ts), like the parse cache; `--no-cache` reads and writes neither.
import * as fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { preparePrivateDir, readPrivateBytes, userCacheDir, writePrivateFile } from './core/privateDir';

const CODE_CACHE = /^code-[0-9a-f]{16}\.bin$/;
/** The bundle's content hash, written in by the build (scripts/build.mjs); without it, no code cache. */
declare const CLI_BUNDLE_HASH: string | undefined;

/** The bundle compiled with its code cache, or undefined when it cannot be (then it is required as usual). */
function compileWithCodeCache(bundle: string): vm.Script | undefined {
  try {
    if (typeof CLI_BUNDLE_HASH !== 'string') return undefined;
    const source = fs.readFileSync(bundle, 'utf8');
    const cacheDir = userCacheDir();
    const usable = preparePrivateDir(cacheDir).ok;
    const name = `code-${CLI_BUNDLE_HASH}.bin`;
    const cachedData = usable ? readPrivateBytes(path.join(cacheDir, name)) : undefined;
    const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData });
    if (usable && (!cachedData || script.cachedDataRejected)) {
      // Written once the run is over: the cache then also holds the functions this run compiled.
      process.once('exit', () => saveCodeCache(cacheDir, name, script));
    }
    return script;
  } catch {
    return undefined;
  }
}

/** Writes the code cache and removes those of other builds; a failure only costs the next run's speed. */
function saveCodeCache(cacheDir: string, name: string, script: vm.Script): void {
  try {
    writePrivateFile(path.join(cacheDir, name), script.createCachedData());
    for (const other of fs.readdirSync(cacheDir)) {
      if (other !== name && CODE_CACHE.test(other)) fs.rmSync(path.join(cacheDir, other), { force: true });
    }
  } catch {
    // a read-only or full cache folder
  }
}

const bundle = path.join(__dirname, 'cliMain.js');
const script = process.argv.includes('--no-cache') ? undefined : compileWithCodeCache(bundle);
if (script) {
  // What Node's loader passes a CommonJS module: exports, require, module, __filename, __dirname.
  const bundleModule = { exports: {} };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(
    bundleModule.exports,
    bundleModule.exports,
    createRequire(bundle),
    bundleModule,
    bundle,
    path.dirname(bundle),
  );
} else {
  require(bundle);
}
