// One migration test run: which revisions and checks, the skip comments, the scratch database made
// and always dropped, and media/python/alembic_lens_migtest.py run once by the Python Alembic runs with
// (`alembic.command`: `uv run python`, `poetry run python`, the interpreter of `<python> -m alembic`, or
// a Compose service's `python`, see container.ts), its events streamed to the caller (the CLI, the Test
// Explorer) as they come.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { configArgument } from '../alembicCommand';
import { containerPathsToHost, toContainerPath, toHostPath } from '../compose';
import { type DatabaseUrl, maskSecrets, parseDatabaseUrl } from '../databaseUrl';
import type { Project } from '../project';
import type { Revision } from '../revisionMap';
import { isContainerCommand, pythonCommandFor, pythonScriptLaunch, unknownPythonMessage } from '../runMode';
import { urlSourceForConfig } from '../urlSource';
import { type ContainerTarget, helperStdin, STDIN_BOOTSTRAP } from './container';
import {
  type FatalError,
  type HelperEvent,
  LineSplitter,
  MIGRATION_CHECKS,
  type MigrationCheck,
  type MigrationTestResult,
  parseHelperLine,
} from './results';
import { createScratchDatabase, type ScratchDatabase, withDatabase } from './scratchDatabase';
import { readTestSkips, type TestSkip } from './skips';

/** How long a cancelled helper gets to stop before it is killed outright. */
const KILL_GRACE_MS = 2000;
/** Variables env.py commonly reads its URL from, besides the one alembic-lens found in env.py. */
const COMMON_URL_VARIABLES = ['DATABASE_URL'];

export interface MigrationTestOptions {
  project: Project;
  /** The argv prefix that runs Alembic for the project (`alembic.command`, or `<python> -m alembic`). */
  alembicCommand: readonly string[];
  /** media/python/alembic_lens_migtest.py */
  helperScript: string;
  /** Required when alembicCommand runs in a Compose service (see testTarget in container.ts). */
  container?: ContainerTarget;
  /** Where the scratch database goes (see chooseScratchServer). */
  server: DatabaseUrl;
  /** Default: every check. */
  checks?: readonly MigrationCheck[];
  /** Stairway revisions: an Alembic range `start:end` (as `alembic history -r`)... */
  range?: string;
  /** ...or these ids (default: every revision). */
  revisions?: readonly string[];
  /** The environment Alembic runs with (the process's and the project's `.env`). */
  env: Readonly<Record<string, string | undefined>>;
  signal?: AbortSignal;
  onEvent?(event: HelperEvent): void;
  /** The helper's stderr (Alembic's log, env.py's prints), secrets masked. */
  onOutput?(text: string): void;
  /** Called once the scratch database exists, with its description. */
  onDatabase?(description: string): void;
}

export interface MigrationTestRun {
  results: MigrationTestResult[];
  /** Set when the run could not go on (refused, no Alembic, server unreachable, cancelled). */
  fatal?: FatalError;
  /** The scratch database, described without secrets (or the server, when none was made). */
  database: string;
  /** Skip comments that name no check: said, not ignored. */
  warnings: Array<{ path: string; line: number; message: string }>;
}

/** The revisions whose stairway a run tests, in upgrade order (base first). */
export function stairwayRevisions(project: Project, range?: string, ids?: readonly string[]): Revision[] {
  const graph = project.graph;
  let chosen: Revision[];
  if (range !== undefined) {
    const [start, end, ...more] = range.split(':');
    if (end === undefined || more.length)
      throw new Error(`bad range '${range}': give [start]:[end], e.g. base:head or ae10:`);
    chosen = graph.walkRevisions(start || 'base', end || 'heads');
  } else chosen = graph.walkRevisions('base', 'heads');
  const wanted = ids ? new Set(ids) : undefined;
  return chosen.filter((rev) => !wanted || wanted.has(rev.id)).reverse();
}

export async function runMigrationTests(options: MigrationTestOptions): Promise<MigrationTestRun> {
  const { project } = options;
  const checks = options.checks ?? MIGRATION_CHECKS;
  const results: MigrationTestResult[] = [];
  const report = (event: HelperEvent): void => {
    if (event.kind === 'result') results.push(event.result);
    options.onEvent?.(event);
  };
  const stairway = checks.includes('stairway') ? stairwayRevisions(project, options.range, options.revisions) : [];
  const { skips, warnings } = readSkipComments(project);
  const toRun = planChecks(checks, stairway, skips, report);
  if (!toRun.checks.length) return { results, database: 'none', warnings };
  const { container } = options;
  const argv = helperLaunch(
    options.alembicCommand,
    options.helperScript,
    helperArguments(project, toRun, container),
    !!container,
  );
  if (typeof argv === 'string') return { results, fatal: { code: 'error', message: argv }, database: 'none', warnings };

  let scratch: ScratchDatabase;
  try {
    // In a container, the SQLite file must be where the container sees it: in the mounted project folder.
    scratch = await createScratchDatabase(options.server, container ? projectFolder(project) : undefined);
  } catch (err) {
    return { results, fatal: { code: 'unreachable', message: (err as Error).message }, database: 'none', warnings };
  }
  options.onDatabase?.(scratch.description);
  let fatal: FatalError | undefined;
  try {
    fatal = await runHelper(options, argv, scratch, report);
  } finally {
    try {
      await scratch.drop();
    } catch (err) {
      fatal ??= {
        code: 'error',
        message: `The scratch database ${scratch.description} could not be dropped: ${(err as Error).message}`,
      };
    }
  }
  return { results, fatal, database: scratch.description, warnings };
}

interface PlannedRun {
  checks: MigrationCheck[];
  stairway: string[];
}

/** Reports what the skip comments skip; returns what is left for the helper. */
function planChecks(
  checks: readonly MigrationCheck[],
  stairway: Revision[],
  skips: Map<Revision, TestSkip[]>,
  report: (event: HelperEvent) => void,
): PlannedRun {
  const skipped = (check: MigrationCheck, revision: Revision, skip: TestSkip): void =>
    report({
      kind: 'result',
      result: {
        check,
        revision: check === 'stairway' ? revision.id : null,
        status: 'skipped',
        message: skip.reason,
        path: revision.source.path,
        line: skip.line,
      },
    });
  const runStairway: string[] = [];
  for (const revision of stairway) {
    const skip = skips.get(revision)?.find((s) => s.check === 'stairway');
    if (skip) skipped('stairway', revision, skip);
    else runStairway.push(revision.id);
  }
  const left: MigrationCheck[] = [];
  for (const check of checks) {
    if (check === 'stairway') {
      if (runStairway.length) left.push(check);
      continue;
    }
    const where = [...skips].find(([, list]) => list.some((s) => s.check === check));
    if (where) skipped(check, where[0], where[1].find((s) => s.check === check)!);
    else left.push(check);
  }
  return { checks: left, stairway: runStairway };
}

function readSkipComments(project: Project): {
  skips: Map<Revision, TestSkip[]>;
  warnings: MigrationTestRun['warnings'];
} {
  const out = new Map<Revision, TestSkip[]>();
  const warnings: MigrationTestRun['warnings'] = [];
  for (const revision of project.graph.revisions.values()) {
    let text: string;
    try {
      text = fs.readFileSync(revision.source.path, 'utf8');
    } catch {
      continue;
    }
    const { skips, unknown } = readTestSkips(text);
    if (skips.length) out.set(revision, skips);
    for (const { name, line } of unknown) {
      const message = `test-skip names no check '${name}' (known: ${MIGRATION_CHECKS.join(', ')})`;
      warnings.push({ path: revision.source.path, line, message });
    }
  }
  return { skips: out, warnings };
}

function projectFolder(project: Project): string {
  return path.dirname(path.resolve(project.config.configFile));
}

/** The helper's arguments after the script: the project, the checks, the variables that get the scratch URL. */
function helperArguments(project: Project, plan: PlannedRun, container?: ContainerTarget): string[] {
  const configFile = path.resolve(project.config.configFile);
  return [
    '-c',
    container
      ? toContainerPath(container.mapping, configFile)
      : configArgument(project.config.configFile, projectFolder(project)),
    '-n',
    project.config.section,
    '--check',
    plan.checks.join(','),
    ...(plan.checks.includes('stairway') ? ['--stairway', plan.stairway.join(',')] : []),
    ...urlVariables(project).flatMap((name) => ['--env-var', name]),
  ];
}

function runHelper(
  options: MigrationTestOptions,
  argv: readonly string[],
  scratch: ScratchDatabase,
  report: (event: HelperEvent) => void,
): Promise<FatalError | undefined> {
  const { project, container } = options;
  const folder = projectFolder(project);
  const [program, ...programArgs] = argv;
  const helperUrl = container ? containerUrl(container, options.server, scratch) : scratch.url;
  // In a container, the URL goes on stdin: neither the command line nor `-e` of `docker compose exec`.
  let stdin: string | undefined;
  try {
    stdin = container ? helperStdin(options.helperScript, { ALEMBIC_LENS_TEST_URL: helperUrl }) : undefined;
  } catch (err) {
    return Promise.resolve({
      code: 'error',
      message: `The migration test helper is missing: ${(err as Error).message}`,
    });
  }
  const env = {
    ...options.env,
    ...(container ? {} : { ALEMBIC_LENS_TEST_URL: helperUrl }),
    // As a shell in the folder would set it: Compose reads `${PWD}` from the environment.
    PWD: folder,
    PYTHONIOENCODING: 'utf-8',
    PYTHONDONTWRITEBYTECODE: '1',
  };
  // options.server was parsed, so maskSecrets already knows its secrets (and containerUrl parsed its own).
  const hostText = (text: string): string => (container ? containerPathsToHost(container.mapping, text) : text);
  const mask = (text: string): string => hostText(maskSecrets(text, scratch.url));
  const hostPath = (file: string | undefined): string | undefined =>
    file && container ? toHostPath(container.mapping, file) : file;
  const located = locator(project);
  return new Promise((resolve) => {
    const child = spawn(program, programArgs, {
      cwd: folder,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    // In a container stdin stays open while the helper runs: its end stops the helper (alembic_lens_stdin.py).
    child.stdin.on('error', () => undefined);
    if (stdin === undefined) child.stdin.end();
    else child.stdin.write(stdin);
    const lines = new LineSplitter();
    let fatal: FatalError | undefined;
    let done = false;
    let lastStderr = '';
    const handle = (line: string): void => {
      const event = parseHelperLine(line);
      if (!event) return;
      if (event.kind === 'done') done = true;
      else if (event.kind === 'fatal')
        fatal = { ...event.fatal, message: mask(event.fatal.message), path: hostPath(event.fatal.path) };
      else if (event.kind === 'result') {
        const result = { ...event.result, message: mask(event.result.message), path: hostPath(event.result.path) };
        report({ kind: 'result', result: located(result) });
      } else report(event);
    };
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => lines.push(chunk).forEach(handle));
    child.stderr.on('data', (chunk: string) => {
      const text = mask(chunk);
      lastStderr = text.trim().split(/\r?\n/).pop() || lastStderr;
      options.onOutput?.(text);
    });
    let killTimer: NodeJS.Timeout | undefined;
    const cancel = (): void => {
      fatal = { code: 'cancelled', message: 'The run was cancelled.' };
      child.stdin.destroy();
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    };
    if (options.signal?.aborted) cancel();
    options.signal?.addEventListener('abort', cancel, { once: true });
    let spawnError: string | undefined;
    child.on('error', (err) => {
      spawnError = `Cannot run ${program}: ${err.message}`;
    });
    child.on('close', (code, signal) => {
      clearTimeout(killTimer);
      child.stdin.destroy();
      options.signal?.removeEventListener('abort', cancel);
      lines.end().forEach(handle);
      if (!fatal && !done) {
        const why =
          spawnError ?? `the helper stopped (${signal ?? `exit code ${code}`})${lastStderr ? `: ${lastStderr}` : ''}`;
        fatal = { code: spawnError ? 'no-alembic' : 'error', message: why };
      }
      resolve(fatal);
    });
  });
}

/**
 * The helper's argv, run by the Python Alembic runs with; or why it cannot run. In a container
 * (`inContainer`: its folder mapping is known) the Python reads a bootstrap, the helper's modules and
 * the scratch URL from stdin (see container.ts).
 */
export function helperLaunch(
  alembicCommand: readonly string[],
  helperScript: string,
  args: readonly string[],
  inContainer = false,
): string[] | string {
  if (isContainerCommand(alembicCommand)) {
    const python = pythonCommandFor(alembicCommand);
    if (!python) return unknownPythonMessage(alembicCommand);
    if (!inContainer)
      return `The migration tests run in a container only when the folder it mounts is known (alembic.command is ${JSON.stringify(alembicCommand)}).`;
    return [...python, '-c', STDIN_BOOTSTRAP, ...args];
  }
  const launch = pythonScriptLaunch(alembicCommand, helperScript, args);
  if (!launch) return unknownPythonMessage(alembicCommand);
  return launch.argv;
}

/** The scratch database's URL as the container reaches it: its file mapped, or its server's URL there. */
function containerUrl(container: ContainerTarget, server: DatabaseUrl, scratch: ScratchDatabase): string {
  if (server.kind === 'sqlite')
    return `${server.drivername}:///${toContainerPath(container.mapping, scratch.database)}`;
  if (!container.serverUrl) return scratch.url;
  const parsed = parseDatabaseUrl(container.serverUrl);
  return parsed.ok ? withDatabase(parsed.url, scratch.database) : scratch.url;
}

/** The environment variables env.py may read its URL from: they all get the scratch URL. */
function urlVariables(project: Project): string[] {
  const source = urlSourceForConfig(project.config);
  const found = source.kind === 'env' ? [source.variable] : [];
  return [...new Set([...found, ...COMMON_URL_VARIABLES])];
}

/** Fills in where a result is when the helper could not say: the revision's line, else env.py's. */
function locator(project: Project): (result: MigrationTestResult) => MigrationTestResult {
  const envPy = project.config.scriptLocation
    ? path.join(project.config.scriptLocation, 'env.py')
    : project.config.configFile;
  return (result) => {
    if (result.path) return result.line ? result : { ...result, line: revisionLineOf(project, result) ?? 1 };
    const revision = result.revision ? project.graph.get(result.revision) : undefined;
    if (revision) return { ...result, path: revision.source.path, line: revision.source.revisionLine };
    return { ...result, path: envPy, line: targetMetadataLine(envPy) };
  };
}

function revisionLineOf(project: Project, result: MigrationTestResult): number | undefined {
  const revision = result.revision ? project.graph.get(result.revision) : undefined;
  return revision && path.resolve(revision.source.path) === path.resolve(result.path!)
    ? revision.source.revisionLine
    : undefined;
}

/** The line of `target_metadata = ...` in env.py, where a models-match failure is about. */
function targetMetadataLine(envPy: string): number {
  try {
    const index = fs
      .readFileSync(envPy, 'utf8')
      .split(/\r?\n/)
      .findIndex((l) => /^target_metadata\s*[:=]/.test(l));
    return index >= 0 ? index + 1 : 1;
  } catch {
    return 1;
  }
}
