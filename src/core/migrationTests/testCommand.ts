// `alembic-lens test`: the migration tests from the command line, for CI. One line per failure as a
// compiler writes it, a last summary line, exit 1 on a failure and 2 when the tests could not run.
import * as path from 'node:path';
import { readComposeProject } from '../compose';
import { readDotenvFile } from '../dotenv';
import type { Project } from '../project';
import { findOnPath, findVenvPython } from '../pythonLookup';
import { interpreterCommand, isContainerCommand } from '../runMode';
import { resolveDatabaseUrl } from '../urlSource';
import { testTarget } from './container';
import {
  countResults,
  formatFailure,
  formatSkip,
  isMigrationCheck,
  MIGRATION_CHECKS,
  type MigrationCheck,
  shownPath,
  summaryLine,
} from './results';
import { runMigrationTests } from './runMigrationTests';
import { chooseScratchServer } from './scratchDatabase';

export interface TestCommandOptions {
  /** `--url`: the server for the scratch database (any server, as it is named explicitly). */
  url?: string;
  /** `--check a,b`: default every check. */
  check?: string;
  /** `-r start:end`: the revisions whose stairway runs. */
  range?: string;
  json?: boolean;
  /** `--python`: the interpreter with Alembic (default: the project's .venv, else python3 on PATH). */
  python?: string;
  /** `--command`: how Alembic runs, as the setting alembic.command (`uv run alembic`); wins over --python. */
  command?: string;
  /** media/python/alembic_lens_migtest.py */
  helperScript: string;
}

export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export async function testCommand(project: Project, options: TestCommandOptions, io: Output): Promise<number> {
  const cannotRun = (message: string): number => {
    if (options.json) io.out(JSON.stringify({ results: [], database: 'none', error: { code: 'error', message } }));
    io.err(`alembic-lens test: cannot run: ${message}`);
    return 2;
  };
  const checks = parseChecks(options.check);
  if (typeof checks === 'string') return cannotRun(checks);
  const folder = path.dirname(path.resolve(project.config.configFile));
  const dotenv = readDotenvFile(path.join(folder, '.env'));
  const resolved = resolveDatabaseUrl({ config: project.config, processEnv: process.env, dotenv });
  const alembicCommand = parseCommand(options.command);
  if (typeof alembicCommand === 'string') return cannotRun(alembicCommand);
  let compose: ReturnType<typeof readComposeProject>;
  // Like `docker compose`, the Compose file is looked for in the folder and its parents.
  if (alembicCommand && isContainerCommand(alembicCommand))
    compose = readComposeProject(folder, path.parse(folder).root, { ...dotenv, ...process.env });
  if (compose && !compose.ok) return cannotRun(compose.error);
  const target = testTarget({
    alembicCommand:
      alembicCommand ??
      interpreterCommand(options.python ?? findVenvPython([folder]) ?? findOnPath(['python3', 'python']) ?? 'python3'),
    folder,
    compose: compose?.project,
    explicitUrl: options.url,
    projectUrl: resolved.url,
  });
  if (typeof target === 'string') return cannotRun(target);
  const server = chooseScratchServer({
    explicitUrl: target.explicitUrl,
    explicitName: '--url',
    projectUrl: target.projectUrl,
    projectUnresolved: resolved.unresolved,
    cwd: folder,
  });
  if (!server.ok) return cannotRun(server.message);

  const abort = new AbortController();
  const interrupted = (): void => abort.abort();
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  let run: Awaited<ReturnType<typeof runMigrationTests>>;
  try {
    run = await runMigrationTests({
      project,
      alembicCommand: target.alembicCommand,
      container: target.container,
      helperScript: options.helperScript,
      server: server.base,
      checks,
      range: options.range,
      env: { ...dotenv, ...process.env },
      signal: abort.signal,
      onEvent: (event) => {
        if (options.json || event.kind !== 'result') return;
        if (event.result.status === 'failed') io.out(formatFailure(event.result, process.cwd()));
        else if (event.result.status === 'skipped') io.out(formatSkip(event.result, process.cwd()));
      },
    });
  } catch (err) {
    return cannotRun((err as Error).message);
  } finally {
    process.removeListener('SIGINT', interrupted);
    process.removeListener('SIGTERM', interrupted);
  }
  for (const w of run.warnings) io.err(`${shownPath(w.path, process.cwd())}:${w.line}: warning: ${w.message}`);
  const counts = countResults(run.results);
  if (options.json) {
    const results = run.results.map((r) => ({
      revision: r.revision,
      check: r.check,
      status: r.status,
      message: r.message,
      path: r.path ?? null,
      line: r.line ?? null,
    }));
    io.out(
      JSON.stringify(
        {
          results,
          database: run.database,
          ...(run.fatal ? { error: { code: run.fatal.code, message: run.fatal.message } } : {}),
        },
        null,
        2,
      ),
    );
  } else if (!run.fatal) {
    // A run that stopped has no summary: the skip comments' results, or single-head (which needs no
    // database) passing before env.py failed, would read as a test run. The reason below is the verdict.
    io.out(summaryLine(counts));
  }
  if (run.fatal) {
    const where = run.fatal.path ? ` (${run.fatal.path}:${run.fatal.line ?? 1})` : '';
    const hint =
      /Alembic is not installed/.test(run.fatal.message) && !options.python && !alembicCommand
        ? '; name a Python that has it with --python PATH'
        : '';
    io.err(`alembic-lens test: cannot run: ${run.fatal.message}${where}${hint}`);
    return 2;
  }
  return counts.failed ? 1 : 0;
}

/** `--command 'uv run alembic'` (words) or `--command '["uv", "run", "alembic"]'` (JSON) as an argv. */
export function parseCommand(text: string | undefined): string[] | undefined | string {
  if (text === undefined) return undefined;
  let words: unknown = text.trim().split(/\s+/).filter(Boolean);
  if (text.trim().startsWith('[')) {
    try {
      words = JSON.parse(text);
    } catch {
      words = undefined;
    }
  }
  if (!Array.isArray(words) || !words.length || !words.every((w) => typeof w === 'string' && w))
    return `--command expects the command that runs Alembic, e.g. 'uv run alembic' or '["uv", "run", "alembic"]'`;
  return words as string[];
}

/** `--check stairway,models-match` as checks, or what is wrong with it. */
export function parseChecks(text: string | undefined): MigrationCheck[] | string {
  if (text === undefined) return [...MIGRATION_CHECKS];
  const names = text
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !isMigrationCheck(n));
  if (unknown.length || !names.length)
    return `unknown check '${unknown.join(', ') || text}' (known: ${MIGRATION_CHECKS.join(', ')})`;
  return names as MigrationCheck[];
}
