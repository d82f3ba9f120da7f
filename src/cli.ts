// `alembic-lens`: the extension's Alembic reader on the command line, for CI and scripts.
// Options mirror Alembic's (`-c/--config`, `-n/--name`); read-only commands print what Alembic prints.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, check, checkArguments, listRules, UsageError } from './cliCheck';
import { branchesCommand, headsCommand, historyCommand, showCommand } from './core/alembicOutput';
import { locateConfig } from './core/config';
import { maskSecrets } from './core/databaseUrl';
import { formatReport } from './core/lint';
import type { testCommand as TestCommand } from './core/migrationTests/testCommand';
import { type CommandOutput, outputKey, recallOutput } from './core/outputMemo';
import { userCacheDir } from './core/privateDir';
import type { Problem } from './core/problems';
import { type EagerReads, listProject, loadProject, Project, type ProjectListing } from './core/project';
import { RevisionError, type RevisionMap } from './core/revisionMap';

const USAGE = `usage: alembic-lens [-c CONFIG] [-n NAME] <command> [options]

Reads an Alembic project without running Python.

commands:
  graph --json        the revision graph and its problems as one JSON object
  heads [-v] [--resolve-dependencies]
                      current heads (as 'alembic heads')
  history [-r RANGE] [-v]
                      revisions, newest first (as 'alembic history')
  branches [-v]       branch points (as 'alembic branches')
                      (-v/--verbose, as Alembic's: each revision as 'show' prints it; a branch point's children
                      with their messages)
  show REV            one revision (as 'alembic show REV')
  check               problems and lint findings as 'path:line: severity: message [code]'; exit 1 on any error, 2 when it cannot run
                        --severity RULE=LEVEL  (repeatable; LEVEL: error, warning, info, off; RULE 'all' for every rule)
                        --dialect NAME         the database for dialect rules (default: from the project's URL)
                        --no-lint              only the problems of reading the project and of its
                                               history (an accidental fork's heads, merge-heads)
                        --rules                list the lint rules (on or off, severity, databases, doc) and exit
                        --format FORMAT        text (default), json, sarif (SARIF 2.1.0, for code scanning),
                                               github (workflow annotations); exit codes are the same
                        --base REF             also check the merge into REF (git): the heads after it
                                               (merge-heads); lint only what is new against REF
                        --scope new|all        lint the revisions new or changed against --base, or all
                                               (default: new with --base, else all)
  config --json       the resolved configuration
  status              where the database stands: current, pending and unknown revisions, without running Python;
                      exit 0 up to date, 1 pending or at a revision the history lacks, 2 when it can't be read
                        --url URL    the database to read (default: the URL env.py uses)
                        --json       {"database", "source", "state", "current", "pending", "unknown", "undetermined", "message"}
  test                migration tests on a throwaway database (runs Alembic with python3 or the project's .venv)
                        --check LIST  stairway,single-head,models-match,downgrade-to-base (default all)
                        --python PATH the Python with Alembic (default: the project's .venv, else python3 on PATH)
                        --command CMD how Alembic runs, as alembic.command: 'uv run alembic', 'poetry run alembic',
                                      'docker compose exec -T backend alembic' (its Compose file must mount the project)
                        -r RANGE      the revisions whose stairway runs, e.g. ae10:head
                        --url URL     the server for the scratch database (default: the project's, if local)
                        --json        {"results": [...], "database": "..."}

options:
  -c, --config PATH   alembic.ini or pyproject.toml (default: $ALEMBIC_CONFIG, ./alembic.ini, ./pyproject.toml)
  -n, --name NAME     the ini section (default: alembic)
  --no-cache          read every revision file (by default parsed files are cached in ~/.cache/alembic-lens)
  -h, --help          this text`;

interface ParsedArgs {
  values: {
    config?: string;
    name?: string;
    url?: string;
    revRange?: string;
    json?: boolean;
    noCache?: boolean;
    help?: boolean;
    dialect?: string;
    noLint?: boolean;
    rules?: boolean;
    base?: string;
    scope?: string;
    check?: string;
    python?: string;
    command?: string;
    format?: string;
    verbose?: boolean;
    resolveDependencies?: boolean;
  };
  /** `--severity rule=level`, in order. */
  severities: string[];
  positionals: string[];
}

/**
 * Alembic's argparse conventions: `-c X`, `-cX`, `--config X`, `--config=X`; a negative number such
 * as `-1` is a positional (`show -1`), not an option.
 */
function parseArguments(argv: string[]): ParsedArgs {
  const withValue: Record<string, keyof ParsedArgs['values']> = {
    '-c': 'config',
    '--config': 'config',
    '-n': 'name',
    '--name': 'name',
    '-r': 'revRange',
    '--rev-range': 'revRange',
    '--dialect': 'dialect',
    '--url': 'url',
    '--base': 'base',
    '--scope': 'scope',
    '--check': 'check',
    '--python': 'python',
    '--command': 'command',
    '--format': 'format',
  };
  const flags: Record<string, keyof ParsedArgs['values']> = {
    '--json': 'json',
    '--no-cache': 'noCache',
    '-h': 'help',
    '--help': 'help',
    '--no-lint': 'noLint',
    '--rules': 'rules',
    '-v': 'verbose',
    '--verbose': 'verbose',
    '--resolve-dependencies': 'resolveDependencies',
  };
  const result: ParsedArgs = { values: {}, severities: [], positionals: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('-') || /^-\d+$/.test(arg) || arg === '-') {
      result.positionals.push(arg);
      continue;
    }
    if (arg === '--') {
      result.positionals.push(...argv.slice(i + 1));
      break;
    }
    const [written, inline] = arg.startsWith('--')
      ? arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined]
      : // argparse reads `-r=X` as `-r X`, and `-rX` too.
        [arg.slice(0, 2), arg.length > 2 ? arg.slice(arg[2] === '=' ? 3 : 2) : undefined];
    // As argparse's subcommands: an option of `heads` alone does not make `history --re` ambiguous.
    const known = [...Object.keys(withValue), ...Object.keys(flags), '--severity'].filter((option) =>
      takes(result.positionals[0], flags[option]),
    );
    const name = written.startsWith('--') ? unabbreviated(written, known) : written;
    // argparse never takes an option-like word as the value: `-r -3:` is an error, `-r -1` is not.
    const nextValue = () => {
      const next = argv[i + 1];
      if (next === undefined || (next.length > 1 && next.startsWith('-') && !/^-\d+$|^-\d*\.\d+$/.test(next)))
        throw new UsageError(`argument ${name}: expected one argument`);
      i++;
      return next;
    };
    if (name === '--severity') {
      result.severities.push(inline ?? nextValue());
    } else if (withValue[name]) {
      (result.values as Record<string, string>)[withValue[name]] = inline ?? nextValue();
    } else if (flags[name] && inline === undefined) {
      (result.values as Record<string, boolean>)[flags[name]] = true;
    } else {
      throw new UsageError(`unknown option '${arg}'`);
    }
  }
  return result;
}

/** argparse's allow_abbrev: a long option may be shortened to any prefix that names only it. */
function unabbreviated(written: string, known: string[]): string {
  if (known.includes(written)) return written;
  const matches = [...new Set(known.filter((option) => option.startsWith('--') && option.startsWith(written)))];
  if (matches.length > 1) throw new UsageError(`ambiguous option: ${written} could match ${matches.join(', ')}`);
  return matches[0] ?? written;
}

/**
 * The commands whose work is over once main returns: the process then exits at once. Node would
 * first run the garbage collector's pending tasks (15 ms and more after reading a large history).
 */
const EXIT_WHEN_DONE = new Set(['heads', 'history', 'branches', 'show', 'check', 'graph', 'config']);
let exitWhenDone = false;
/** The flags only some commands take, as Alembic's subcommands do (`current -v` aside: no `current` here). */
const COMMAND_FLAGS: Partial<Record<keyof ParsedArgs['values'], { option: string; commands: ReadonlySet<string> }>> = {
  verbose: { option: '--verbose', commands: new Set(['heads', 'history', 'branches']) },
  resolveDependencies: { option: '--resolve-dependencies', commands: new Set(['heads']) },
};

/** Whether `command` takes the flag that sets `value` (every other option is for any command). */
function takes(command: string | undefined, value: keyof ParsedArgs['values'] | undefined): boolean {
  const only = value && COMMAND_FLAGS[value];
  return !only || (command !== undefined && only.commands.has(command));
}
/** The read-only commands whose output is kept for a run on the same state of the project (outputMemo.ts). */
const KEPT_OUTPUT = new Set(['heads', 'history', 'branches', 'show']);
/** `FAILED:` exits 1, as Alembic's commands fail; `check` exits 2, so that CI tells "could not run" from "found errors". */
let failedExitCode = 1;

function main(argv: string[]): number | Promise<number> {
  const { values, severities, positionals } = parseArguments(argv);
  const [command, ...rest] = positionals;
  exitWhenDone = EXIT_WHEN_DONE.has(command);
  failedExitCode = command === 'check' ? 2 : 1;
  if (values.help || !command) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  for (const value of Object.keys(COMMAND_FLAGS) as (keyof typeof values)[]) {
    if (values[value] && !takes(command, value))
      throw new UsageError(`${command}: unrecognized arguments: ${COMMAND_FLAGS[value]!.option}`);
  }
  if (command === 'check' && values.rules) return listRules(severities);
  const checking = command === 'check' ? checkArguments(values, severities) : undefined;
  // What `graph` and `check` read past the graph is read along with it: each file is read once.
  const eager: EagerReads = checking?.eager ?? { grammar: command === 'graph' };
  const cacheDir = values.noCache ? undefined : userCacheDir();
  // The arguments as given, and the folder they are relative to: what the config is not.
  const invocation = KEPT_OUTPUT.has(command) ? JSON.stringify([argv, process.cwd()]) : undefined;
  const opened = openProject(values.config, values.name, cacheDir, eager, invocation);
  if ('kept' in opened) return writeOutput(opened.kept);
  const { project } = opened;
  if (project.cacheRefusal) console.error(`alembic-lens: ${project.cacheRefusal}; reading every file`);

  switch (command) {
    case 'graph':
      if (!values.json) throw new UsageError('graph: only --json output exists; pass --json');
      project.checkGrammar();
      printJson(graphJson(project));
      return 0;
    case 'config':
      printJson(configJson(project));
      return 0;
    case 'status': {
      // A bundle of its own (knex and the drivers), loaded only here.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { statusCommand } = require('./cliStatus') as typeof import('./cliStatus');
      return statusCommand(project, { url: values.url, json: values.json });
    }
    case 'check': {
      project.checkGrammar();
      const { lint, scope, format } = checking!;
      return check(project, lint, values.base, scope, format);
    }
    case 'heads':
      return printLines(opened, (graph) => headsCommand(graph, values));
    case 'history':
      return printLines(opened, (graph) => historyCommand(graph, values.revRange, values));
    case 'branches':
      return printLines(opened, (graph) => branchesCommand(graph, values));
    case 'show':
      if (rest.length !== 1) throw new UsageError('show: give exactly one revision identifier');
      return printLines(opened, (graph) => showCommand(graph, rest[0]));
    case 'test': {
      // A bundle of its own (dist/cliTest.js), as it carries the database drivers: the other commands start faster.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { testCommand } = require(path.join(__dirname, 'cliTest.js')) as { testCommand: typeof TestCommand };
      const helperScript = path.join(__dirname, '..', 'media', 'python', 'alembic_lens_migtest.py');
      const io = { out: (line: string) => console.log(line), err: (line: string) => console.error(line) };
      return testCommand(
        project,
        {
          url: values.url,
          check: values.check,
          range: values.revRange,
          json: values.json,
          python: values.python,
          command: values.command,
          helperScript,
        },
        io,
      );
    }
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

/** A project as opened, and the key to keep a read-only command's output under, when it may be kept. */
interface Opened {
  project: Project;
  outputKey?: string;
}

/**
 * The project, or, for a read-only command invoked as `invocation`, the output kept by an earlier run on
 * this same state of it.
 */
function openProject(
  configOption: string | undefined,
  section: string | undefined,
  cacheDir: string | undefined,
  eager: EagerReads,
  invocation: string | undefined,
): { kept: CommandOutput } | Opened {
  const configPath = configOption ?? process.env.ALEMBIC_CONFIG ?? defaultConfigPath();
  if (!fs.existsSync(configPath)) throw new ConfigError(`No config file '${configPath}' found`);
  // Alembic resolves relative locations against its working directory; when they do not exist
  // there but do next to the config file, use those, as running Alembic from that folder would.
  const location = locateConfig(configPath, { section, baseDir: process.cwd() });
  let listed: ProjectListing;
  try {
    listed = listProject(location, cacheDir);
  } catch {
    // An unexpected failure: the project's load reports it as a problem (Project.reload).
    return { project: new Project(location, cacheDir, eager) };
  }
  const scriptDir = listed.config.scriptLocation;
  if (scriptDir && !fs.existsSync(scriptDir)) {
    const besideConfig = loadProject(configPath, { section, cacheDir, eager });
    if (besideConfig.config.scriptLocation && fs.existsSync(besideConfig.config.scriptLocation)) {
      // As Flask-Migrate runs it; Alembic itself, run from here, would fail.
      console.error(
        `alembic-lens: note: script_location ${scriptDir} does not exist; reading ${besideConfig.config.scriptLocation} beside the config file instead (Alembic run from this folder fails: "Path doesn't exist")`,
      );
      return { project: besideConfig };
    }
  } else if (invocation && listed.cache) {
    // The key of what this load reads, made before it: the load may add to the config's problems.
    const key = outputKey(invocation, listed.config, listed.listing.problems);
    const kept = recallOutput(listed.cache, listed.listing.files, key);
    if (kept) return { kept };
    return { project: new Project(location, cacheDir, eager, listed), outputKey: key };
  }
  return { project: new Project(location, cacheDir, eager, listed) };
}

function defaultConfigPath(): string {
  if (fs.existsSync('alembic.ini')) return 'alembic.ini';
  if (fs.existsSync('pyproject.toml')) return 'pyproject.toml';
  return 'alembic.ini';
}

/** Problems with which Alembic raises while it builds the revision map: every command that reads it fails. */
const REFUSED_HISTORY = new Set(['cycle', 'illegal-revision-id', 'duplicate-branch-label']);

/** Prints a read-only command's output, and keeps it when openProject allowed. */
function printLines(opened: Opened, produce: (graph: RevisionMap) => string[]): number {
  const output = linesOutput(opened.project, produce);
  if (opened.outputKey) opened.project.keepOutput(opened.outputKey, output);
  return writeOutput(output);
}

function writeOutput({ stdout, stderr, code }: CommandOutput): number {
  if (stdout) process.stdout.write(stdout);
  if (stderr) process.stderr.write(stderr);
  return code;
}

/**
 * A read-only command's output. Without a readable config or its version locations, or with a history
 * Alembic refuses to load (REFUSED_HISTORY), it fails as Alembic does; other problems go to stderr after
 * the output.
 */
function linesOutput(project: Project, produce: (graph: RevisionMap) => string[]): CommandOutput {
  // Alembic's ScriptDirectory.from_config raises on these before any revision is read.
  const fatal =
    project.config.problems.find(
      (p) =>
        p.severity === 'error' &&
        (!project.config.scriptLocation || p.code === 'bad-separator' || p.code === 'missing-script-location'),
    ) ?? project.problems.find((p) => REFUSED_HISTORY.has(p.code));
  if (fatal) {
    // Alembic's own words: without alembic-lens's explanation after them, and the revision map's without a period.
    const words = REFUSED_HISTORY.has(fatal.code)
      ? fatal.message.replace(/(: Alembic refuses .*|\.)$/, '')
      : fatal.message.replace(/ \(script_location is .*$/, '');
    return { stdout: '', stderr: `FAILED: ${words}\n`, code: 1 };
  }
  let stdout = '';
  try {
    const lines = produce(project.graph);
    // A revision message may quote a URL: masked, as every text alembic-lens shows.
    if (lines.length) stdout = `${maskSecrets(lines.join('\n'))}\n`;
  } catch (err) {
    if (err instanceof RevisionError) return { stdout: '', stderr: `FAILED: ${maskSecrets(err.message)}\n`, code: 1 };
    throw err;
  }
  // Errors, and the warnings that say the output itself may differ from Alembic's.
  const shown = project.problems.filter((p) => p.severity === 'error' || p.code === 'conditional-value');
  return { stdout, stderr: shown.map((p) => `${formatProblem(p)}\n`).join(''), code: 0 };
}

function graphJson(project: Project): unknown {
  const graph = project.graph;
  return {
    heads: graph.heads,
    realHeads: graph.realHeads,
    bases: graph.bases,
    revisions: [...graph.revisions.values()].map((rev) => ({
      revision: rev.id,
      downRevisions: rev.down,
      dependsOn: rev.dependencies,
      branchLabels: [...rev.branchLabels],
      message: rev.source.message,
      path: rev.source.path,
      line: rev.source.revisionLine,
      isHead: rev.isHead,
      isBase: rev.isBase,
      isMergePoint: rev.isMergePoint,
      isBranchPoint: rev.isBranchPoint,
    })),
    problems: project.problems.map(problemJson),
  };
}

function configJson(project: Project): unknown {
  const c = project.config;
  return {
    configFile: path.resolve(c.configFile),
    section: c.section,
    scriptLocation: c.scriptLocation ?? null,
    versionLocations: c.versionLocations,
    recursiveVersionLocations: c.recursiveVersionLocations,
    sourceless: c.sourceless,
    problems: c.problems.map(problemJson),
  };
}

function problemJson(p: Problem): unknown {
  return { severity: p.severity, code: p.code, message: p.message, path: p.path, line: p.line };
}

function formatProblem(p: Problem): string {
  return formatReport([p], 'text', { cwd: process.cwd() }).trimEnd();
}

function printJson(value: unknown): void {
  process.stdout.write(`${maskSecrets(JSON.stringify(value, null, 2))}\n`);
}

function fail(err: unknown): void {
  if (err instanceof UsageError) {
    console.error(`alembic-lens: ${maskSecrets(err.message)}\n\n${USAGE}`);
    process.exitCode = 2;
  } else if (err instanceof ConfigError) {
    console.error(`FAILED: ${maskSecrets(err.message)}`);
    process.exitCode = failedExitCode;
  } else {
    console.error(`alembic-lens: internal error: ${maskSecrets(String((err as Error).stack ?? err))}`);
    process.exitCode = 3;
  }
}

/** Sets the exit code; for EXIT_WHEN_DONE, exits once what was written to stdout and stderr is out. */
function finish(code: number): void {
  process.exitCode = code;
  if (!exitWhenDone) return;
  let writing = 2;
  const flushed = () => {
    if (--writing === 0) process.exit(code);
  };
  process.stdout.write('', flushed);
  process.stderr.write('', flushed);
}

try {
  void Promise.resolve(main(process.argv.slice(2))).then(finish, fail);
} catch (err) {
  fail(err);
}
