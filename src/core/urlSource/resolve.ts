// The URL precedence rules: the database URL Alembic would use, and where it came from (a typed source,
// described for people by `describeUrlSource`). The explicit setting wins; then what env.py uses (see
// envPy.ts): its environment variable from the environment, then from `.env`, that variable's literal
// default, a literal, or the ini's sqlalchemy.url.
import * as path from 'node:path';
import type { AlembicConfig } from '../config';
import { isPlaceholderUrl, maskSecrets } from '../databaseUrl';
import { type UrlSource, urlSourceForConfig } from './envPy';
import type { SourceLocation } from './values';

/** Where a resolved database URL came from. Paths are absolute; an expression's secrets are masked. */
export type DatabaseUrlSource =
  /** An explicit URL that wins over everything: the setting alembic.databaseUrl, `--url`. */
  | { kind: 'setting'; name: string }
  /** The variable env.py reads, set in the environment Alembic runs with. */
  | { kind: 'environment'; name: string }
  /** The variable env.py reads, set in the project's `.env`. */
  | { kind: 'dotenv'; name: string; file?: string }
  /** `sqlalchemy.url` of the config file, which env.py leaves as it is. */
  | { kind: 'ini'; file: string }
  /**
   * A literal that env.py uses, written in env.py or a module it imports; with `defaultOf`, the default
   * of an environment variable that is set nowhere.
   */
  | { kind: 'envPy'; file: string; line: number; expression: string; defaultOf?: string };

/**
 * Where a URL came from, for people (tooltips, the status line, the CLI): "DATABASE_URL from .env",
 * "the default of DATABASE_URL in app/database.py:16: os.environ.get(...)". Paths inside `relativeTo`
 * are shown relative to it.
 */
export function describeUrlSource(source: DatabaseUrlSource, relativeTo?: string): string {
  switch (source.kind) {
    case 'setting':
      return source.name;
    case 'environment':
      return `${source.name} from the environment`;
    case 'dotenv':
      return `${source.name} from ${source.file ? path.basename(source.file) : '.env'}`;
    case 'ini':
      return path.basename(source.file);
    case 'envPy': {
      const where = `${shownPath(source.file, relativeTo)}:${source.line}`;
      const what = source.defaultOf ? `the default of ${source.defaultOf}` : 'a literal';
      return `${what} in ${where}${source.expression ? `: ${source.expression}` : ''}`;
    }
  }
}

function shownPath(file: string, relativeTo: string | undefined): string {
  const rel = relativeTo ? path.relative(relativeTo, file) : '';
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : path.basename(file);
}

/** Long expressions are cut: the place is what matters, the expression only says which one. */
const MAX_EXPRESSION_LENGTH = 160;

function envPySource(where: SourceLocation | undefined, envPyPath: string, defaultOf?: string): DatabaseUrlSource {
  const written = maskSecrets(where?.expression ?? '');
  const expression =
    written.length > MAX_EXPRESSION_LENGTH ? `${written.slice(0, MAX_EXPRESSION_LENGTH - 1)}…` : written;
  const source: DatabaseUrlSource = {
    kind: 'envPy',
    file: where?.file ?? envPyPath,
    line: where?.line ?? 1,
    expression,
  };
  if (defaultOf) source.defaultOf = defaultOf;
  return source;
}

export interface ResolveUrlInput {
  config: AlembicConfig;
  /** env.py's text; read from `<script_location>/env.py` when absent. */
  envPyText?: string;
  /** The environment Alembic would run with (the extension's process env, plus the terminal's). */
  processEnv?: Readonly<Record<string, string | undefined>>;
  /** The project's `.env`, parsed. */
  dotenv?: Readonly<Record<string, string>>;
  /** An explicit URL from the user's settings: wins over everything. */
  settingUrl?: string;
  /** How to name that URL's origin ("the setting alembic.databaseUrl", "--url"). */
  settingName?: string;
  /** The `.env` file `dotenv` was read from, to name it. */
  dotenvFile?: string;
  /** A URL source already found (to skip reading env.py again). */
  urlSource?: UrlSource;
}

export interface ResolvedUrl {
  /** The URL, unmasked: never show it without `maskSecrets`. */
  url?: string;
  /** Where the URL came from; absent when unresolved. */
  source?: DatabaseUrlSource;
  /** Why there is no URL: the caller can fall back to `alembic current`. */
  unresolved?: string;
  /** What env.py does, when it was read. */
  urlSource?: UrlSource;
  versionTable: string;
  versionTableSchema?: string;
}

/**
 * The database URL Alembic would use, without running Python. Precedence: the explicit setting;
 * then what env.py uses: its environment variable (process env, then `.env`), that variable's
 * literal default, or the ini's sqlalchemy.url when env.py does not override it.
 */
export function resolveDatabaseUrl(input: ResolveUrlInput): ResolvedUrl {
  const found = input.urlSource ?? urlSourceForConfig(input.config, input.envPyText);
  const urlSource = found.kind === 'no-env-py' ? undefined : found;
  const base = {
    urlSource,
    versionTable: urlSource?.versionTable ?? 'alembic_version',
    versionTableSchema: urlSource?.versionTableSchema,
  };
  const setting = input.settingUrl?.trim();
  if (setting)
    return {
      ...base,
      url: setting,
      source: { kind: 'setting', name: input.settingName ?? 'the setting alembic.databaseUrl' },
    };
  if (found.kind === 'no-env-py')
    return {
      ...base,
      unresolved: `No env.py found${found.path ? ` at ${found.path}` : ''}: Alembic cannot run without it.`,
    };
  const envPyPath = path.join(input.config.scriptLocation ?? input.config.baseDir, 'env.py');

  const fromIni = (): ResolvedUrl => {
    const url = input.config.option('sqlalchemy.url')?.trim();
    const ini = path.basename(input.config.configFile);
    const error = input.config.optionError?.('sqlalchemy.url');
    if (error) return { ...base, unresolved: `sqlalchemy.url in ${ini} cannot be read, as for Alembic: ${error}` };
    if (!url) return { ...base, unresolved: `${ini} has no sqlalchemy.url and env.py does not set one.` };
    if (isPlaceholderUrl(url))
      return {
        ...base,
        unresolved: `sqlalchemy.url in ${ini} is still the template's placeholder (driver://user:pass@localhost/dbname).`,
      };
    const file = input.config.iniPath ?? input.config.configFile;
    return { ...base, url, source: { kind: 'ini', file } };
  };

  switch (found.kind) {
    case 'ini':
      return fromIni();
    case 'literal':
      return { ...base, url: found.url, source: envPySource(found.where, envPyPath) };
    case 'computed':
      return { ...base, unresolved: `env.py computes the URL: ${found.detail}.` };
    case 'env': {
      const lookup = (vars: Readonly<Record<string, string | undefined>> | undefined): [string, string] | undefined => {
        if (!vars) return undefined;
        const exact = vars[found.variable];
        if (exact !== undefined) return [found.variable, exact];
        if (!found.caseInsensitive) return undefined;
        const upper = found.variable.toUpperCase();
        const key = Object.keys(vars).find((k) => k.toUpperCase() === upper && vars[k] !== undefined);
        return key ? [key, vars[key]!] : undefined;
      };
      const apply = (url: string): string => (found.replace ?? []).reduce((u, [a, b]) => u.split(a).join(b), url);
      const fromEnv = lookup(input.processEnv);
      const hit = fromEnv ?? lookup(input.dotenv);
      if (hit) {
        const [name, value] = hit;
        if (!value.trim())
          return { ...base, unresolved: `${name} is set but empty (${fromEnv ? 'environment' : '.env'}).` };
        const source: DatabaseUrlSource = fromEnv
          ? { kind: 'environment', name }
          : input.dotenvFile
            ? { kind: 'dotenv', name, file: input.dotenvFile }
            : { kind: 'dotenv', name };
        return { ...base, url: apply(value), source };
      }
      if (found.fallback === 'ini') return fromIni();
      if (found.fallback === 'computed') {
        return {
          ...base,
          unresolved: `${found.variable} is not set, and env.py's default for it is computed${found.where ? ` (${path.basename(found.where.file)}:${found.where.line})` : ''}.`,
        };
      }
      if (found.fallback !== undefined)
        return { ...base, url: found.fallback, source: envPySource(found.where, envPyPath, found.variable) };
      return { ...base, unresolved: `${found.variable} is not set (neither in the environment nor in .env).` };
    }
  }
}
