// The lint of a whole project: every revision file, env.py (target_metadata, models nobody imports),
// the config (the template's placeholder URL) and the history (several heads). What the CLI's `check`
// prints and the Problems panel shows.
import * as path from 'node:path';
import type { AlembicConfig } from '../config';
import { isPlaceholderUrl, parseDatabaseUrl } from '../databaseUrl';
import { parseIni } from '../ini';
import { findModelFiles, type ModelDiscovery } from '../models/modelFiles';
import { type Problem, problem } from '../problems';
import type { Project } from '../project';
import { readPythonFile, tokenizePython } from '../python';
import type { RevisionSource } from '../revisionFile';
import type { RevisionMap } from '../revisionMap';
import { accidentalForkHeads, failingUpgrade, mergeCommand } from '../teams/forkHeads';
import { describeUrlSource, resolveDatabaseUrl, urlSourceForConfig } from '../urlSource';
import { lintAgainstModels, sharedModelDiscovery } from './modelLint';
import { type Dialect, isLintRule, type LintOptions, severityOf } from './rules';
import { modelNamesOf } from './rules/ormImports';
import {
  applyLintOptions,
  iniSuppressions,
  mentionsTool,
  pythonSuppressions,
  type Suppressions,
  unknownRuleProblems,
} from './suppressions';

export interface EnvLintOptions extends LintOptions {
  /** env.py's text when it differs from the file (an unsaved editor). */
  envPyText?: string;
  /** Reads a project file; default: the file system. */
  readFile?: (file: string) => string | undefined;
  listPythonFiles?: (root: string) => string[];
  modelGlobs?: string[];
  /** A discovery already made (the model watcher's), to skip a second one. */
  discovery?: ModelDiscovery;
}

export interface ProjectLintOptions extends EnvLintOptions {
  /** The environment Alembic runs with and the project's .env: to infer the dialect from the URL when `dialect` is absent. */
  env?: Readonly<Record<string, string | undefined>>;
  dotenv?: Readonly<Record<string, string>>;
  /** The lint scope: revisions outside it (history, e.g. unchanged on the base branch) get no revision findings. */
  includeRevision?: (source: RevisionSource) => boolean;
}

/** What env.py's context.configure() says that the revision rules read: render_as_batch, transaction_per_migration. */
export function envLintOptions(
  config: AlembicConfig,
  readFile: (file: string) => string | undefined = readPythonFile,
  envPyText?: string,
): Pick<LintOptions, 'renderAsBatch' | 'transactionPerMigration'> {
  const envPath = config.scriptLocation ? path.join(config.scriptLocation, 'env.py') : undefined;
  const text = envPyText ?? (envPath ? readFile(envPath) : undefined);
  const flags = envKeywordFlags(text, ['render_as_batch', 'transaction_per_migration']);
  return { renderAsBatch: flags.render_as_batch, transactionPerMigration: flags.transaction_per_migration };
}

/**
 * The boolean keywords env.py passes (to context.configure()), in one pass over its tokens: true, false when
 * absent, undefined when only Python can tell (a variable) or env.py was not read.
 */
export function envKeywordFlags<K extends string>(
  envPyText: string | undefined,
  names: readonly K[],
): Record<K, boolean | undefined> {
  const flags = Object.fromEntries(names.map((name) => [name, envPyText === undefined ? undefined : false]));
  if (envPyText === undefined) return flags as Record<K, boolean | undefined>;
  for (const { tokens } of tokenizePython(envPyText).lines) {
    for (let i = 0; i + 2 < tokens.length; i++) {
      const name = tokens[i].v;
      if (tokens[i].t !== 'name' || !(name in flags) || tokens[i + 1].v !== '=' || flags[name] === true) continue;
      const value = tokens[i + 2];
      if (value.t === 'name' && value.v === 'True') flags[name] = true;
      else if (!(value.t === 'name' && value.v === 'False')) flags[name] = undefined;
    }
  }
  return flags as Record<K, boolean | undefined>;
}

/** env.py's problems (target_metadata = None, models nobody imports) and the config's (placeholder URL). */
export function lintEnvPy(config: AlembicConfig, options: EnvLintOptions = {}): Problem[] {
  const envPath = config.scriptLocation ? path.join(config.scriptLocation, 'env.py') : undefined;
  const baseRead = options.readFile ?? readPythonFile;
  const readFile =
    options.envPyText === undefined
      ? baseRead
      : (file: string) => (file === envPath ? options.envPyText : baseRead(file));
  const wanted = ['target-metadata-none', 'models-not-imported'].some((code) => severityOf(code, options) !== 'off');
  const discovery = wanted
    ? (options.discovery ??
      findModelFiles({ config, readFile, listPythonFiles: options.listPythonFiles, modelGlobs: options.modelGlobs }))
    : undefined;
  const envPyText = envPath ? readFile(envPath) : undefined;
  const cache = new Map<string, Suppressions | undefined>();
  const suppressionsOf = (file: string) => {
    if (!cache.has(file)) {
      const text = readFile(file);
      cache.set(
        file,
        text === undefined ? undefined : file === config.iniPath ? iniSuppressions(text) : pythonSuppressions(text),
      );
    }
    return cache.get(file);
  };
  const raw = [
    ...(discovery?.problems ?? []),
    ...configFindings(config, readFile, envPyText),
    ...(envPath && envPyText && mentionsTool(envPyText) ? unknownRuleProblems(suppressionsOf(envPath), envPath) : []),
  ];
  return applyLintOptions(raw, options, suppressionsOf);
}

/** `sqlalchemy.url = driver://user:pass@localhost/dbname` in the ini while env.py uses the ini's URL. */
function configFindings(
  config: AlembicConfig,
  readFile: (file: string) => string | undefined,
  envPyText: string | undefined,
): Problem[] {
  const url = config.option('sqlalchemy.url');
  if (!url || !isPlaceholderUrl(url) || !config.iniPath || envPyText === undefined) return [];
  const source = urlSourceForConfig(config, envPyText);
  if (source.kind !== 'ini') return [];
  const iniText = readFile(config.iniPath);
  const option =
    iniText === undefined
      ? undefined
      : parseIni(iniText, config.iniPath).sections.get(config.section)?.get('sqlalchemy.url');
  return [
    problem(
      'warning',
      'placeholder-url',
      "sqlalchemy.url is still the template's placeholder (driver://user:pass@localhost/dbname) and env.py sets no other URL: every command that connects fails " +
        "(Can't load plugin: sqlalchemy.dialects:driver). Safe pattern: read the URL from the environment in env.py " +
        '(`config.set_main_option("sqlalchemy.url", os.environ["DATABASE_URL"])`), so no password lands in git; or write the real URL here.',
      config.iniPath,
      option?.line ?? 1,
    ),
  ];
}

/** An accidental fork (see accidentalForkHeads): a problem on each of its heads' `revision =` line. */
export function lintHistory(
  graph: RevisionMap,
  options: LintOptions = {},
  readFile: (file: string) => string | undefined = readPythonFile,
): Problem[] {
  if (graph.heads.length < 2 || severityOf('multiple-heads', options) === 'off') return [];
  // Alembic refuses a history that names a revision it lacks (KeyError) before it could count heads; a
  // revision moved onto a parent not there yet leaves a head behind that is only a knock-on of that.
  if (graph.problems.some((p) => p.code === 'missing-revision')) return [];
  const heads = accidentalForkHeads(graph);
  if (!heads.length) return [];
  const list = heads.map((head) => head.id).join(', ');
  const raw = heads.map((head) =>
    problem(
      'error',
      'multiple-heads',
      `Revision ${head.id} is one of ${heads.length} heads (${list}) not on separate labelled branches: \`${failingUpgrade(graph, heads)}\` and \`alembic revision --autogenerate\` fail with "Multiple head revisions are present". ` +
        `Safe pattern: \`${mergeCommand(graph, heads)}\` adds a revision that joins them.`,
      head.source.path,
      head.source.revisionLine,
    ),
  );
  return withLintOptions(raw, options, readFile);
}

/**
 * Problems found elsewhere (the merge preview's) with the rules among them (merge-heads) under their
 * severities and ignore comments; the others (a missing revision after the merge) as they are.
 */
export function withLintOptions(
  problems: Problem[],
  options: LintOptions,
  readFile: (file: string) => string | undefined = readPythonFile,
): Problem[] {
  const suppressionsOf = (file: string) => {
    const text = readFile(file);
    return text === undefined ? undefined : pythonSuppressions(text);
  };
  return problems.flatMap((p) => (isLintRule(p.code) ? applyLintOptions([p], options, suppressionsOf) : [p]));
}

/**
 * Every lint problem of the project: its revision files (each from its record, which the project
 * keeps: a second lint with the same options reads nothing), its history, env.py and the config.
 */
export function lintProject(project: Project, options: ProjectLintOptions = {}): Problem[] {
  const { dialect, readFile, discovery, lintOptions } = lintSetup(project.config, options);
  const problems: Problem[] = [];
  for (const rev of project.graph.revisions.values()) {
    if (options.includeRevision && !options.includeRevision(rev.source)) continue;
    problems.push(...project.revisionLint(rev.source, lintOptions));
  }
  // The findings go into the parse cache: the next run reads no unchanged file.
  project.saveCache();
  problems.push(...project.noteCompiledFiles(lintHistory(project.graph, lintOptions, readFile)));
  problems.push(...lintAgainstModels(project, { ...options, ...lintOptions, discovery }));
  problems.push(...lintEnvPy(project.config, { ...options, dialect, discovery }));
  return problems;
}

/**
 * The options lintProject lints each revision file with. A load given them (EagerReads.lint, as the CLI's
 * `check` does) builds each record while the file's text is in hand, and the lint then reads no file again.
 */
export function revisionLintOptions(config: AlembicConfig, options: ProjectLintOptions = {}): LintOptions {
  return lintSetup(config, options).lintOptions;
}

function lintSetup(config: AlembicConfig, options: ProjectLintOptions) {
  const dialect = options.dialect ?? inferDialect(config, options.env, options.dotenv);
  const readFile = options.readFile ?? readPythonFile;
  // The models first: migration-imports-models reports only the imports that name them.
  const discovery = sharedModelDiscovery(config, { ...options, dialect });
  const lintOptions: LintOptions = {
    severities: options.severities,
    dialect,
    ...envLintOptions(config, readFile, options.envPyText),
    // Only when the rule reads them: their key would otherwise make every revision's findings stale.
    modelNames: severityOf('migration-imports-models', options) === 'off' ? undefined : modelNamesOf(discovery),
  };
  return { dialect, readFile, discovery, lintOptions };
}

/** The dialect of the URL Alembic would use (setting-free: env.py, the environment, .env, the ini). */
export function inferDialect(
  config: AlembicConfig,
  env?: Readonly<Record<string, string | undefined>>,
  dotenv?: Readonly<Record<string, string>>,
): Dialect | undefined {
  return inferredDatabase(config, env, dotenv)?.dialect;
}

/** The database the lint's advice is for, in words: "postgresql (the URL from DATABASE_URL in .env)", or unknown. */
export function describeLintDatabase(config: AlembicConfig, options: ProjectLintOptions): string {
  if (options.dialect) return `${options.dialect} (chosen)`;
  const inferred = inferredDatabase(config, options.env, options.dotenv);
  return inferred
    ? `${inferred.dialect} (the URL from ${inferred.from})`
    : 'unknown (advice says which databases it is about; --dialect NAME to choose)';
}

function inferredDatabase(
  config: AlembicConfig,
  env?: Readonly<Record<string, string | undefined>>,
  dotenv?: Readonly<Record<string, string>>,
): { dialect: Dialect; from: string } | undefined {
  try {
    const resolved = resolveDatabaseUrl({ config, processEnv: env, dotenv });
    if (!resolved.url || !resolved.source) return undefined;
    const parsed = parseDatabaseUrl(resolved.url, config.baseDir);
    if (!parsed.ok || parsed.url.placeholder) return undefined;
    return { dialect: parsed.url.dialect, from: describeUrlSource(resolved.source, config.baseDir) };
  } catch {
    return undefined;
  }
}
