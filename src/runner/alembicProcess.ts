// Runs an Alembic command in the background and captures its output (for `current` and `--sql`),
// with the same interpreter and .env as the terminal, no shell, and a time limit.
import { execFile } from 'child_process';
import { alembicArgv, AlembicCommand, configArgument } from '../core/alembicCommand';
import { AlembicUnavailableError, RunnerProject } from './alembicTerminal';
import { InterpreterService } from './interpreter';
import { loadProjectEnv } from './projectEnv';

export interface CapturedRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function runAlembicCaptured(
  interpreters: InterpreterService,
  project: RunnerProject,
  command: AlembicCommand,
  timeoutMs = 60000,
): Promise<CapturedRun> {
  const { interpreter, check } = await interpreters.resolveAndCheck(project.folder);
  if (!check.ok) throw new AlembicUnavailableError(check);
  const [python, ...args] = alembicArgv({ python: interpreter.path, configFile: configArgument(project.configFile, project.folder), section: project.section }, command);
  const { env } = await loadProjectEnv(project.folder);
  return new Promise((resolve) => {
    execFile(
      python,
      args,
      { cwd: project.folder, env: { ...process.env, ...env, PYTHONIOENCODING: 'utf-8' }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ exitCode: code, stdout: String(stdout), stderr: error && !stderr ? error.message : String(stderr) });
      },
    );
  });
}
