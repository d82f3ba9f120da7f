// PostgreSQL's own parser (libpg-query compiled to WebAssembly), loaded on first need only: when the
// raw SQL of an `op.execute(...)` is linted on a PostgreSQL project, never at activation. It lives in
// pgParser.js beside the bundle that runs (scripts/build.mjs puts a copy, and the .wasm, beside each).
// The lint is synchronous: the first lint that needs the parser starts the load and goes on without it;
// its caller awaits `pgParserLoading()` and lints again.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A parse tree: statements as `{ NodeName: fields }` objects, as libpg-query returns them. */
export interface PgParseResult {
  stmts?: Array<{ stmt?: Record<string, unknown>; stmt_location?: number; stmt_len?: number }>;
}

export interface PgParser {
  /** Throws on SQL PostgreSQL would refuse. */
  parseSync(sql: string): PgParseResult;
}

interface PgParserModule extends PgParser {
  loadModule(): Promise<void>;
}

type State =
  | { kind: 'idle' }
  | { kind: 'loading'; promise: Promise<boolean> }
  | { kind: 'ready'; parser: PgParser }
  | { kind: 'failed'; reason: string };

let state: State = { kind: 'idle' };

/** The parser when loaded; otherwise starts loading it (once) and returns undefined. */
export function pgParser(): PgParser | undefined {
  if (state.kind === 'ready') return state.parser;
  if (state.kind === 'idle') void loadPgParser();
  return undefined;
}

/** The load in progress, if any: resolves to whether the parser is there. */
export function pgParserLoading(): Promise<boolean> | undefined {
  return state.kind === 'loading' ? state.promise : undefined;
}

/** `idle`, `loading`, `ready` or `failed` (a lint result depends on it: part of cache keys). */
export function pgParserState(): State['kind'] {
  return state.kind;
}

/** Why the parser could not be loaded, when it could not. */
export function pgParserFailure(): string | undefined {
  return state.kind === 'failed' ? state.reason : undefined;
}

/** Loads the parser (once); resolves to whether it is there. */
export function loadPgParser(): Promise<boolean> {
  if (state.kind === 'ready') return Promise.resolve(true);
  if (state.kind === 'failed') return Promise.resolve(false);
  if (state.kind === 'loading') return state.promise;
  const promise = (async (): Promise<boolean> => {
    try {
      const file = path.join(__dirname, 'pgParser.js');
      if (!fs.existsSync(file)) throw new Error(`the PostgreSQL parser is missing: ${file}`);
      const module = require(file) as PgParserModule;
      await module.loadModule();
      state = { kind: 'ready', parser: module };
      return true;
    } catch (err) {
      state = { kind: 'failed', reason: (err as Error).message };
      return false;
    }
  })();
  state = { kind: 'loading', promise };
  return promise;
}
