// Real git repositories for tests, made with the git CLI: a fixed identity and dates, no user
// configuration (HOME-independent), and no repository above the temporary folder.
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Ada Tester',
  GIT_AUTHOR_EMAIL: 'ada@example.com',
  GIT_COMMITTER_NAME: 'Ada Tester',
  GIT_COMMITTER_EMAIL: 'ada@example.com',
  GIT_AUTHOR_DATE: '2024-03-01T12:00:00Z',
  GIT_COMMITTER_DATE: '2024-03-01T12:00:00Z',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

/** Runs git in `cwd`; throws with git's message when it fails. */
export function git(cwd: string, ...args: string[]): string {
  const ran = spawnSync('git', ['-c', 'init.defaultBranch=main', '-c', 'protocol.file.allow=always', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...GIT_ENV, GIT_CEILING_DIRECTORIES: os.tmpdir() },
  });
  if (ran.error) throw ran.error;
  if (ran.status !== 0) throw new Error(`git ${args.join(' ')} (in ${cwd}) failed: ${ran.stderr}`);
  return ran.stdout.trim();
}

/** `git add -A && git commit -m message` in `cwd`; returns the new commit. */
export function commitAll(cwd: string, message: string): string {
  git(cwd, 'add', '-A');
  git(cwd, 'commit', '-q', '-m', message);
  return git(cwd, 'rev-parse', 'HEAD');
}
