// Runs an Alembic command, or a Python helper script in Alembic's environment, in the background and
// captures its output (for `current`, `--sql`, the drift check), with the same command (alembic.command
// or the interpreter) and .env as the terminal, no shell, and a time limit. Under Compose, container
// paths in what it printed are shown as the host's, and a helper script is piped on stdin.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { type AlembicCommand, alembicArgv } from '../core/alembicCommand';
import { toContainerPath } from '../core/compose';
import { type PythonLaunch, pythonScriptLaunch, unknownPythonMessage } from '../core/runMode';
import { type AlembicLaunch, alembicTarget, hostText, resolveAlembicLaunch } from './alembicLauncher';
import { AlembicUnavailableError, type RunnerProject } from './alembicTerminal';
import type { InterpreterService } from './interpreter';
import { readProjectEnv } from './projectEnv';

export interface CapturedRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Set when the process was killed for taking longer than the time limit. */
  timedOut?: boolean;
}

export async function runAlembicCaptured(
  interpreters: InterpreterService,
  project: RunnerProject,
  command: AlembicCommand,
  timeoutMs = 60000,
): Promise<CapturedRun> {
  const launch = await resolveAlembicLaunch(interpreters, project.folder);
  const argv = alembicArgv(alembicTarget(launch, project), command);
  return runInProject(launch, project.folder, { argv }, timeoutMs);
}

/**
 * `alembic current` through `currentScript` (media/python/alembic_lens_current.py): the user's command,
 * except that a SQLite file env.py names but that does not exist is not created by asking. A command
 * whose Python is unknown runs as it is.
 */
export async function runAlembicCurrent(
  interpreters: InterpreterService,
  project: RunnerProject,
  currentScript: string,
  timeoutMs: number,
): Promise<CapturedRun> {
  const launch = await resolveAlembicLaunch(interpreters, project.folder);
  const argv = alembicArgv(alembicTarget(launch, project), { command: 'current' });
  const script = pythonScriptLaunch(launch.command, currentScript, argv.slice(launch.command.length), launch.mapping);
  return runInProject(launch, project.folder, script ?? { argv }, timeoutMs);
}

/**
 * A helper script run by the Python Alembic runs with (`uv run python`, `docker compose exec ... python`).
 * `args` gets the function that turns a host path into the path Alembic sees (mapped into a container).
 */
export async function runPythonHelper(
  interpreters: InterpreterService,
  folder: string,
  script: string,
  args: (alembicPath: (hostPath: string) => string) => string[],
  timeoutMs = 60000,
): Promise<CapturedRun> {
  const launch = await resolveAlembicLaunch(interpreters, folder);
  const { mapping } = launch;
  const alembicPath = (hostPath: string): string => (mapping ? toContainerPath(mapping, hostPath) : hostPath);
  const python = pythonScriptLaunch(launch.command, script, args(alembicPath), launch.mapping);
  if (!python) {
    throw new AlembicUnavailableError({
      ok: false,
      reason: 'error',
      message: unknownPythonMessage(launch.command),
    });
  }
  return runInProject(launch, folder, python, timeoutMs);
}

async function runInProject(
  launch: AlembicLaunch,
  folder: string,
  run: PythonLaunch,
  timeoutMs: number,
): Promise<CapturedRun> {
  const [program, ...args] = run.argv;
  const { env } = readProjectEnv(folder);
  const input = run.stdinFile ? await fs.promises.readFile(run.stdinFile, 'utf8') : undefined;
  return new Promise((resolve) => {
    const child = execFile(
      program,
      args,
      {
        cwd: folder,
        // PWD as a shell in the folder would set it: Compose reads `${PWD}` from the environment.
        env: { ...process.env, ...env, PWD: folder, PYTHONIOENCODING: 'utf-8' },
        timeout: timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
        windowsHide: true,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        const stderrText = error && !stderr ? error.message : String(stderr);
        const timedOut = error?.killed ? { timedOut: true } : {};
        resolve({ exitCode: code, stdout: String(stdout), stderr: hostText(launch, stderrText), ...timedOut });
      },
    );
    // Without a script to pipe, stdin is closed at once: nothing waits for input that never comes.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });
}
