// `alembic-lens check`: the history's problems and the lint, in one of the report formats; what CI runs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AlembicConfig } from './core/config';
import { readDotenvFile } from './core/dotenv';
import { explainMissingRevisions } from './core/git/deletedRevisions';
import { GitError, GitRepository } from './core/git/gitRepository';
import {
  describeLintDatabase,
  formatReport,
  LINT_RULES,
  lintHistory,
  lintProject,
  type ProjectLintOptions,
  parseSeveritySetting,
  pgParserFailure,
  pgParserLoading,
  REPORT_FORMATS,
  type ReportFormat,
  type RuleSeverity,
  revisionLintOptions,
  ruleDocPath,
  severityOf,
  sharedModelDiscovery,
  withLintOptions,
} from './core/lint';
import type { EagerReads, Project } from './core/project';
import { type BaseComparison, compareWithBase } from './core/teams/baseComparison';

/** A command line alembic-lens cannot run: the message, then the usage. */
export class UsageError extends Error {}
/** What Alembic would fail on too: printed as Alembic prints it (`FAILED: ...`). */
export class ConfigError extends Error {}

async function compareWithGitBase(project: Project, ref: string): Promise<BaseComparison> {
  try {
    return await compareWithBase(project, ref);
  } catch (err) {
    if (err instanceof GitError) {
      const needsGit = err.kind === 'no-git' || err.kind === 'not-a-repository' ? ' (--base needs git)' : '';
      throw new ConfigError(`check --base ${ref}: ${err.message}${needsGit}`);
    }
    throw err;
  }
}

export type CheckLint = (config: AlembicConfig) => ProjectLintOptions;

/** `check`'s options, refused before anything is read when they are wrong. */
export function checkArguments(
  values: { format?: string; scope?: string; base?: string; noLint?: boolean; dialect?: string },
  severities: string[],
) {
  const levels = parseSeverities(severities);
  const format = reportFormat(values.format);
  const scope = values.scope ?? (values.base ? 'new' : 'all');
  if (scope !== 'new' && scope !== 'all') throw new UsageError(`--scope is 'new' or 'all', not '${scope}'`);
  if (scope === 'new' && !values.base) throw new UsageError('--scope new needs --base REF, the branch to compare with');
  const lint = values.noLint ? undefined : checkLintOptions({ severities: levels, dialect: values.dialect });
  // The load also builds each record, with the lint's options, when every revision is linted: one read per file.
  const eager: EagerReads = {
    grammar: true,
    lint: lint && scope === 'all' ? (config) => revisionLintOptions(config, lint(config)) : undefined,
  };
  return { lint, scope, format, eager };
}

/**
 * The lint options of a config, made once: the load builds each record with them (EagerReads.lint) and
 * the lint asks for the same ones, so that it reads no file again.
 */
function checkLintOptions(lint: { severities: Record<string, RuleSeverity>; dialect?: string }): CheckLint {
  let made: { config: AlembicConfig; options: ProjectLintOptions } | undefined;
  return (config) => {
    if (made?.config !== config) {
      const dotenv = readDotenvFile(path.join(path.dirname(path.resolve(config.configFile)), '.env'));
      // One model discovery for both lints of `check` (the second waits for the PostgreSQL parser).
      const discovery = sharedModelDiscovery(config, lint);
      made = { config, options: { ...lint, env: process.env, dotenv, discovery } };
    }
    return made.options;
  };
}

export async function check(
  project: Project,
  lint: CheckLint | undefined,
  baseRef?: string,
  scope = 'all',
  format: ReportFormat = 'text',
): Promise<number> {
  const base = baseRef === undefined ? undefined : await compareWithGitBase(project, baseRef);
  const lintOptions = lint?.(project.config);
  const problems = [
    ...project.problems,
    ...(await explainMissingRevisions(project)).map((explained) => explained.problem),
    ...withLintOptions(base?.problems ?? [], lintOptions ?? {}),
  ];
  if (lint) {
    const includeRevision =
      base && scope === 'new' ? (source: { path: string }) => base.newFiles.has(source.path) : undefined;
    const options = { ...lintOptions, includeRevision };
    let found = lintProject(project, options);
    // Raw SQL on PostgreSQL: the first lint asked for the parser; lint again once it is there.
    const loading = pgParserLoading();
    if (loading) {
      if (await loading) found = lintProject(project, options);
      else console.error(`alembic-lens: note: the SQL of op.execute() is not linted: ${pgParserFailure()}`);
    }
    // Reading the URL for the dialect may have found a config problem (an ini value that does not interpolate).
    const known = new Set(problems);
    problems.push(...project.config.problems.filter((p) => !known.has(p)), ...found);
  } else {
    // Several heads of an accidental fork are the history's problem, not a finding on a migration.
    problems.push(...lintHistory(project.graph));
  }
  for (const note of base?.notes ?? []) console.error(`alembic-lens: note: ${note}`);
  process.stdout.write(formatReport(problems, format, { cwd: await reportRoot(project, format), ...toolInfo() }));
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.filter((p) => p.severity === 'warning').length;
  const compared = base ? ` (${base.newFiles.size} new or changed against ${base.ref}, linted: ${scope})` : '';
  // Which database the advice is for: a dev URL's SQLite turns off the PostgreSQL and MySQL rules.
  const database = lintOptions ? `; database: ${describeLintDatabase(project.config, lintOptions)}` : '';
  console.error(`${project.graph.size} revisions${compared}, ${errors} error(s), ${warnings} warning(s)${database}`);
  return errors ? 1 : 0;
}

/**
 * Where the report's paths start. Code scanning (SARIF's %SRCROOT%) and workflow annotations name files
 * from the repository's root, wherever the job runs (a `working-directory: backend` step); the text and
 * JSON reports from the working directory, as a terminal shows them.
 */
async function reportRoot(project: Project, format: ReportFormat): Promise<string> {
  if (format !== 'sarif' && format !== 'github') return process.cwd();
  const configDir = path.dirname(path.resolve(project.config.configFile));
  try {
    const repo = await GitRepository.open(configDir);
    // The root as the config's own path reaches it: git names it with links resolved, the problems do not.
    return path.resolve(configDir, path.relative(fs.realpathSync(configDir), repo.root));
  } catch {
    return process.cwd();
  }
}

function parseSeverities(settings: string[]): Record<string, RuleSeverity> {
  const levels: Record<string, RuleSeverity> = {};
  for (const setting of settings) {
    const error = parseSeveritySetting(setting, levels);
    if (error) throw new UsageError(`--severity ${error}`);
  }
  return levels;
}

function reportFormat(format = 'text'): ReportFormat {
  if (!(REPORT_FORMATS as readonly string[]).includes(format))
    throw new UsageError(`--format is one of ${REPORT_FORMATS.join(', ')}, not '${format}'`);
  return format as ReportFormat;
}

/** `check --rules`: each rule, on or off (after --severity), its severity, its databases, what it reports, its doc. */
export function listRules(settings: string[]): number {
  const levels = parseSeverities(settings);
  console.log(`${'rule'.padEnd(42)} ${'state'.padEnd(5)} ${'severity'.padEnd(8)} ${'databases'.padEnd(10)} summary`);
  for (const rule of LINT_RULES) {
    const level = severityOf(rule.code, { severities: levels });
    const state = level === 'off' ? 'off' : 'on';
    const severity = level === 'off' ? rule.severity : level;
    const databases = rule.dialects?.join(',') ?? 'all';
    console.log(
      `${rule.code.padEnd(42)} ${state.padEnd(5)} ${severity.padEnd(8)} ${databases.padEnd(10)} ${rule.summary} (${ruleDocPath(rule.code)})`,
    );
  }
  return 0;
}

/** The version and home page in the package.json next to the bundle, when there is one. */
function toolInfo(): { toolVersion?: string; toolUri?: string } {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as {
      version?: string;
      homepage?: string;
    };
    return { toolVersion: manifest.version, toolUri: manifest.homepage };
  } catch {
    return {};
  }
}
