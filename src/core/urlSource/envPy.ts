// The env.py analyzer: reads env.py (and the project modules it imports) without running it and says
// where the database URL comes from: the ini's `sqlalchemy.url`, an environment variable (directly, through
// a settings class, or through a name imported from the app's own modules), a literal, or something only
// Python can compute. What is done with the answer (the precedence of the setting, the environment, .env)
// is in resolve.ts.
import * as path from 'node:path';
import type { AlembicConfig } from '../config';
import { matchBrackets, type PyExpr, parseCallAt, readPythonFile } from '../python';
import { moduleSearchRoots } from '../sysPath';
import { Analyzer } from './analyzer';
import { indexModule } from './moduleScope';
import { type Ctx, describeVal, type SourceLocation, type Val, valKey } from './values';

export type { SourceLocation } from './values';

export type UrlOrigin =
  | { kind: 'ini' }
  | {
      kind: 'env';
      variable: string;
      /** Used when the variable is unset: a literal URL, the ini's sqlalchemy.url, or something computed. Absent: none (Alembic fails). */
      fallback?: string | 'computed' | 'ini';
      /** pydantic settings match variable names case-insensitively unless `case_sensitive=True`. */
      caseInsensitive?: boolean;
      /** `str.replace(old, new)` calls applied to the value (e.g. an async driver swapped for a sync one). */
      replace?: Array<[string, string]>;
    }
  | { kind: 'literal'; url: string }
  | { kind: 'computed'; detail: string };

export type UrlSource = UrlOrigin & {
  /** Literal `version_table=` passed to `context.configure`. */
  versionTable?: string;
  /** Literal `version_table_schema=` passed to `context.configure`. */
  versionTableSchema?: string;
  /** Where the URL is decided (the env lookup, the literal, the computation), and the expression there. */
  where?: SourceLocation;
};

export interface UrlSourceOptions {
  /** env.py's path: names `where`, and its folder counts for nothing else (it is not importable). */
  envPyPath: string;
  /** The folder Alembic runs in (the config's folder): a sys.path entry. */
  baseDir: string;
  /** The import roots, absolute, in Python's order (prepend_sys_path first); baseDir is one anyway. */
  sysPath?: string[];
  /** Reads a project module; default fs. */
  readFile?: (file: string) => string | undefined;
}

/** The URL source of the project whose configuration is `config`; reads env.py unless given. */
export function urlSourceForConfig(
  config: AlembicConfig,
  envPyText?: string,
): UrlSource | { kind: 'no-env-py'; path?: string } {
  const envPyPath = config.scriptLocation ? path.join(config.scriptLocation, 'env.py') : undefined;
  const text = envPyText ?? (envPyPath ? readPythonFile(envPyPath) : undefined);
  if (text === undefined || !envPyPath) return { kind: 'no-env-py', path: envPyPath };
  return findUrlSource(text, { envPyPath, baseDir: config.baseDir, sysPath: moduleSearchRoots(config) });
}

/** Reads env.py (and the project modules it imports) and says where the database URL comes from. */
export function findUrlSource(envPyText: string, options: UrlSourceOptions): UrlSource {
  const analyzer = new Analyzer(options);
  const mod = indexModule(envPyText, path.resolve(options.envPyPath), 0);
  if (mod.syntaxError) {
    return {
      kind: 'computed',
      detail: `env.py does not parse: ${mod.syntaxError.message} at line ${mod.syntaxError.line}`,
      where: { file: mod.file, line: mod.syntaxError.line },
    };
  }

  const engines: Val[] = [];
  const configureUrls: Val[] = [];
  let mainOption: Val | undefined;
  let versionTable: string | undefined;
  let versionTableSchema: string | undefined;

  for (const { line, scope } of mod.lines) {
    const tokens = line.tokens;
    const brackets = matchBrackets(tokens);
    for (let i = 0; i < tokens.length; i++) {
      const tk = tokens[i];
      if (tk.t !== 'name' || tokens[i + 1]?.v !== '(') continue;
      const call = parseCallAt(tokens, i, brackets);
      if (call?.k !== 'call') continue;
      const ctx: Ctx = { mod, scope, line: tk.line };
      const method = call.func.k === 'attr' ? call.func.name : call.func.k === 'name' ? call.func.id : '';
      if (method === 'set_main_option' || method === 'set_section_option') {
        const [keyExpr, valueExpr] = method === 'set_main_option' ? call.args : call.args.slice(1);
        const key = keyExpr ? analyzer.eval(keyExpr, ctx) : undefined;
        if (key?.k === 'str' && key.v === 'sqlalchemy.url' && valueExpr) mainOption = analyzer.eval(valueExpr, ctx);
        continue;
      }
      if (method === 'configure' && call.func.k === 'attr') {
        const receiver = analyzer.eval(call.func.obj, ctx);
        if (!(receiver.k === 'ext' && receiver.name === 'alembic.context')) continue;
        const kw = (n: string): PyExpr | undefined => call.kwargs.find((k) => k.name === n)?.value;
        const url = kw('url');
        if (url) configureUrls.push(analyzer.eval(url, ctx));
        const table = kw('version_table');
        const tableValue = table ? analyzer.eval(table, ctx) : undefined;
        if (tableValue?.k === 'str') versionTable ??= tableValue.v;
        const schema = kw('version_table_schema');
        const schemaValue = schema ? analyzer.eval(schema, ctx) : undefined;
        if (schemaValue?.k === 'str') versionTableSchema ??= schemaValue.v;
        continue;
      }
      if (method === 'connect' || method === 'begin' || call.func.k === 'name' || call.func.k === 'attr') {
        const value = analyzer.eval(call, ctx);
        if (value.k === 'engine') engines.push(value);
      }
    }
  }

  // What `config.get_main_option("sqlalchemy.url")` returns: the set_main_option value, read back
  // through ConfigParser interpolation (so `.replace("%", "%%")` undoes itself), else the ini's.
  const mainValue = (): Val | undefined => {
    if (!mainOption) return undefined;
    if (mainOption.k === 'pctEscaped') return mainOption.inner;
    if (mainOption.k === 'str') return { ...mainOption, v: mainOption.v.replace(/%%/g, '%') };
    return mainOption;
  };
  // `insideMain`: a configUrl inside the set_main_option value is the ini's own value.
  const final = (v: Val, insideMain = false): Val => {
    if (v.k === 'engine') return final(v.url, insideMain);
    if (v.k === 'pctEscaped') return final(v.inner, insideMain);
    if (v.k === 'configUrl') {
      const main = insideMain ? undefined : mainValue();
      return main ? final(main, true) : v;
    }
    if (v.k === 'env' && v.fallback) return { ...v, fallback: final(v.fallback, insideMain) };
    return v;
  };

  const distinct = (vals: Val[]): Val[] => {
    const seen = new Map<string, Val>();
    for (const v of vals.map((x) => final(x))) if (!seen.has(valKey(v))) seen.set(valKey(v), v);
    return [...seen.values()];
  };
  let chosen: Val;
  const online = distinct(engines);
  const offline = distinct(configureUrls);
  if (online.length > 1) chosen = { k: 'computed', detail: `env.py makes ${online.length} different engines` };
  else if (online.length === 1) chosen = online[0];
  else if (offline.length > 1) chosen = { k: 'computed', detail: `env.py configures ${offline.length} different URLs` };
  else if (offline.length === 1) chosen = offline[0];
  else chosen = final({ k: 'configUrl', where: { file: mod.file, line: 0 } });

  const origin = toOrigin(chosen);
  const source: UrlSource = { ...origin };
  if (versionTable !== undefined) source.versionTable = versionTable;
  if (versionTableSchema !== undefined) source.versionTableSchema = versionTableSchema;
  const where = 'where' in chosen ? chosen.where : undefined;
  if (where && where.line > 0 && origin.kind !== 'ini') source.where = where;
  return source;
}

function toOrigin(v: Val): UrlOrigin {
  switch (v.k) {
    case 'configUrl':
      return { kind: 'ini' };
    case 'str':
      return { kind: 'literal', url: v.v };
    case 'env': {
      const origin: UrlOrigin & { kind: 'env' } = { kind: 'env', variable: v.variable };
      const fb = v.fallback;
      if (fb && fb.k !== 'none') {
        if (fb.k === 'str') origin.fallback = fb.v;
        else if (fb.k === 'configUrl') origin.fallback = 'ini';
        else origin.fallback = 'computed';
      }
      if (v.caseInsensitive) origin.caseInsensitive = true;
      if (v.replace.length) origin.replace = v.replace;
      return origin;
    }
    case 'none':
      return { kind: 'computed', detail: 'the URL is None' };
    case 'computed': {
      const vars = (v.vars ?? []).filter((name) => !v.detail.includes(name));
      const detail = vars.length ? `${v.detail}, using ${[...new Set(vars)].join(', ')}` : v.detail;
      return {
        kind: 'computed',
        detail: v.where ? `${detail} (${path.basename(v.where.file)}:${v.where.line})` : detail,
      };
    }
    case 'ext':
      return { kind: 'computed', detail: `${v.name}, from outside the project` };
    default:
      return { kind: 'computed', detail: describeVal(v) };
  }
}
