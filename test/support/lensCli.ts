// `node dist/cli.js ...` run as CI runs it, its exit code and output captured.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { FIXTURE_PYTHON } from './migrationFixtures';

const ROOT = process.env.ALEMBIC_LENS_ROOT ?? path.resolve(__dirname, '../../..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment a CI job has: Debian's python3 first on PATH, no DATABASE_URL or PYTHONPATH of ours. */
export function ciEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${path.dirname(FIXTURE_PYTHON)}${path.delimiter}${process.env.PATH ?? ''}`,
  };
  delete env.DATABASE_URL;
  delete env.PYTHONPATH;
  return env;
}

export function runLensCli(cwd: string, args: string[], env = ciEnv()): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
