// The argv of an Alembic command line: `<python> -m alembic -c <config> [-n <section>] <command> ...`.
// Every user-supplied value (message, revision id, label) is its own argv element, never spliced into a
// string; quoting for a shell is a separate step (shellQuote.ts).
//
// Alembic parses its command line with argparse, which treats any value that starts with `-` and is not
// a negative number as an option: `alembic revision -m "-weird"` fails with "argument -m/--message:
// expected one argument" (checked with Alembic 1.8.1). Such values are written as `--message=-weird`,
// which argparse takes verbatim; a positional revision like that gets a `--` before the positionals.
// Relative revisions such as `-1` look like negative numbers to argparse and pass as they are.
import * as path from 'node:path';

/** Where the command runs against: the interpreter and the project's configuration. */
export interface AlembicTarget {
  /** The Python interpreter that has Alembic installed. */
  python: string;
  /** The argv that runs Alembic (setting `alembic.command`); `<python> -m alembic` when unset. */
  command?: readonly string[];
  /** alembic.ini or pyproject.toml (Alembic >= 1.16 takes either with -c). */
  configFile: string;
  /** The ini section (`-n`); omitted when it is the default `alembic`. */
  section?: string;
}

export type AlembicCommand =
  | { command: 'upgrade'; revision: string; sql?: boolean; tag?: string }
  | { command: 'downgrade'; revision: string; sql?: boolean; tag?: string }
  | {
      command: 'revision';
      message?: string;
      autogenerate?: boolean;
      sql?: boolean;
      head?: string;
      splice?: boolean;
      branchLabel?: string;
      versionPath?: string;
      revId?: string;
      dependsOn?: readonly string[];
    }
  | { command: 'merge'; revisions: readonly string[]; message?: string; branchLabel?: string; revId?: string }
  | { command: 'stamp'; revisions: readonly string[]; sql?: boolean; tag?: string; purge?: boolean }
  | { command: 'current'; verbose?: boolean }
  | { command: 'heads'; verbose?: boolean; resolveDependencies?: boolean }
  | { command: 'history'; revRange?: string; verbose?: boolean; indicateCurrent?: boolean }
  | { command: 'check' }
  | { command: 'show'; revision: string };

export type AlembicCommandName = AlembicCommand['command'];

/** The full argv for one command on one project. */
export function alembicArgv(target: AlembicTarget, cmd: AlembicCommand): string[] {
  const argv = [
    ...(target.command ?? [target.python, '-m', 'alembic']),
    ...option('-c', target.configFile, '--config'),
  ];
  // `-n` only applies to an ini file; Alembic ignores it for pyproject.toml.
  if (target.section && target.section !== 'alembic') argv.push(...option('-n', target.section, '--name'));
  argv.push(cmd.command, ...commandArgs(cmd));
  return argv;
}

/**
 * `alembic init`: creates `directory` from a template, and the config file `-c` names (without `-c`,
 * alembic.ini in the current folder). The `pyproject` template writes pyproject.toml instead.
 */
export function alembicInitArgv(
  python: string | readonly string[],
  directory: string,
  options: { template?: string; configFile?: string; packageFiles?: boolean } = {},
): string[] {
  const argv = typeof python === 'string' ? [python, '-m', 'alembic'] : [...python];
  argv.push(...option('-c', options.configFile, '--config'));
  argv.push('init', ...option('--template', options.template ?? 'generic'));
  if (options.packageFiles) argv.push('--package');
  argv.push(...positionals([directory]));
  return argv;
}

/** The arguments after the command name. */
export function commandArgs(cmd: AlembicCommand): string[] {
  switch (cmd.command) {
    case 'upgrade':
    case 'downgrade':
      return [...flag('--sql', cmd.sql), ...option('--tag', cmd.tag), ...positionals([cmd.revision])];
    case 'revision':
      return [
        ...option('-m', cmd.message, '--message'),
        ...flag('--autogenerate', cmd.autogenerate),
        ...flag('--sql', cmd.sql),
        ...option('--head', cmd.head),
        ...flag('--splice', cmd.splice),
        ...option('--branch-label', cmd.branchLabel),
        ...option('--version-path', cmd.versionPath),
        ...option('--rev-id', cmd.revId),
        ...(cmd.dependsOn ?? []).flatMap((d) => option('--depends-on', d)),
      ];
    case 'merge':
      return [
        ...option('-m', cmd.message, '--message'),
        ...option('--branch-label', cmd.branchLabel),
        ...option('--rev-id', cmd.revId),
        ...positionals(nonEmpty(cmd.revisions, 'merge')),
      ];
    case 'stamp':
      return [
        ...flag('--sql', cmd.sql),
        ...option('--tag', cmd.tag),
        ...flag('--purge', cmd.purge),
        ...positionals(nonEmpty(cmd.revisions, 'stamp')),
      ];
    case 'current':
      return flag('--verbose', cmd.verbose);
    case 'heads':
      return [...flag('--verbose', cmd.verbose), ...flag('--resolve-dependencies', cmd.resolveDependencies)];
    case 'history':
      return [
        ...option('-r', cmd.revRange, '--rev-range'),
        ...flag('--verbose', cmd.verbose),
        ...flag('--indicate-current', cmd.indicateCurrent),
      ];
    case 'check':
      return [];
    case 'show':
      return positionals([cmd.revision]);
  }
}

/** A short human name for a command line, e.g. for a progress message: `alembic upgrade head`. */
export function describeAlembicArgv(argv: readonly string[]): string {
  const i = argv.indexOf('alembic');
  const rest = i >= 0 ? argv.slice(i + 1) : argv.slice(1);
  // Skip the global options and their values: -c FILE, -n NAME (or --config=FILE, --name=NAME).
  const words: string[] = [];
  for (let k = 0; k < rest.length; k++) {
    if (rest[k] === '-c' || rest[k] === '-n') k++;
    else if (!/^--(config|name)=/.test(rest[k])) words.push(rest[k]);
  }
  return ['alembic', ...words].join(' ');
}

/** The config file argument for a project: relative to `cwd` when inside it (shorter to read). */
export function configArgument(configFile: string, cwd: string): string {
  const rel = path.relative(cwd, configFile);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : configFile;
}

/**
 * Why `alembic` of this version cannot run with this config, or undefined. Only Alembic 1.16 and later read
 * `[tool.alembic]` from pyproject.toml; 1.8.1 fails on it with "No config file 'pyproject.toml' found, or file
 * has no '[alembic]' section", which does not say why.
 */
export function configTooNewFor(configFile: string, alembicVersion: string): string | undefined {
  if (path.basename(configFile) !== 'pyproject.toml') return undefined;
  const [major = 0, minor = 0] = alembicVersion.split('.').map((part) => Number.parseInt(part, 10));
  if (major > 1 || (major === 1 && minor >= 16)) return undefined;
  return (
    `This project is configured in pyproject.toml ([tool.alembic]), which Alembic reads from version 1.16 on; ` +
    `the Alembic found is ${alembicVersion}. Upgrade Alembic to 1.16 or later, or keep the settings in an alembic.ini.`
  );
}

function flag(name: string, on: boolean | undefined): string[] {
  return on ? [name] : [];
}

/** `name value` as two argv elements, or `--long=value` when argparse would take the value for an option. */
function option(name: string, value: string | undefined, longName = name): string[] {
  if (value === undefined) return [];
  return looksLikeOption(value) ? [`${longName}=${value}`] : [name, value];
}

function positionals(values: readonly string[]): string[] {
  return values.some(looksLikeOption) ? ['--', ...values] : [...values];
}

/** What argparse would read as an option: starts with `-`, and is not a negative number (`-1`, `-2.5`). */
function looksLikeOption(value: string): boolean {
  return value.startsWith('-') && !/^-\d+$|^-\d*\.\d+$/.test(value);
}

function nonEmpty(values: readonly string[], command: string): readonly string[] {
  if (!values.length) throw new Error(`alembic ${command} needs at least one revision`);
  return values;
}
