// Timing helpers of the bench: a command's wall clock measured by a small process of its own, and
// the summary statistics of samples.
import { spawnSync } from 'node:child_process';

export interface Stats {
  median: number;
  min: number;
  max: number;
  first: number;
  runs: number;
}

export function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], first: samples[0], runs: samples.length };
}

// The wall clock of a command is taken by a small Node process of its own: forking this bench
// process, which by now holds whole 10,000-revision projects in memory, costs time that belongs to
// neither alembic-lens nor Alembic.
const TIMER = `
const { spawnSync } = require('child_process');
const [cmd, ...args] = JSON.parse(process.argv[1]);
const start = process.hrtime.bigint();
const run = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
const ms = Number(process.hrtime.bigint() - start) / 1e6;
process.stdout.write(JSON.stringify({ ms, stdout: run.stdout, stderr: run.stderr, status: run.status, error: run.error && run.error.message }));
`;

export interface ProcessRun {
  ms: number;
  stdout: string;
  stderr: string;
  status: number | null;
  error?: Error;
}

/**
 * Commands are timed without NODE_EXTRA_CA_CERTS, which some machines set (this one does, to a 220 KB
 * bundle): every Node process then parses those certificates before running any code, ~50 ms here, a
 * cost of the machine's setup that no command's work includes. `asConfigured` keeps it, for the rows
 * that show what it costs (info).
 */
export const EXTRA_CERTS = 'NODE_EXTRA_CA_CERTS';

export function timeProcess(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
  asConfigured = false,
): ProcessRun {
  const { [EXTRA_CERTS]: _, ...withoutExtraCerts } = env;
  const options = {
    cwd,
    env: asConfigured ? env : withoutExtraCerts,
    encoding: 'utf8' as const,
    maxBuffer: 128 * 1024 * 1024,
  };
  const timer = spawnSync(process.execPath, ['-e', TIMER, JSON.stringify([cmd, ...args])], options);
  if (timer.error || timer.status !== 0)
    return {
      ms: NaN,
      stdout: '',
      stderr: timer.stderr ?? '',
      status: timer.status,
      error: timer.error ?? new Error(`timer exited ${timer.status}`),
    };
  const run = JSON.parse(timer.stdout) as {
    ms: number;
    stdout: string;
    stderr: string;
    status: number | null;
    error?: string;
  };
  return {
    ms: run.ms,
    stdout: run.stdout ?? '',
    stderr: run.stderr ?? '',
    status: run.status,
    error: run.error ? new Error(run.error) : undefined,
  };
}

/** The peak resident memory of one run of a command, in MB (GNU time's %M); undefined without /usr/bin/time. */
export function peakMemoryMB(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): number | undefined {
  const run = spawnSync('/usr/bin/time', ['-f', 'peak-kb %M', cmd, ...args], {
    cwd,
    env,
    encoding: 'utf8',
    maxBuffer: 128 * 1024 * 1024,
  });
  const kb = /peak-kb (\d+)\s*$/.exec(run.stderr ?? '')?.[1];
  return kb === undefined ? undefined : Number(kb) / 1024;
}

export { waitPastRacyWindow } from '../support/tempProject';
