// The few git operations that change the work tree, each run only after the user confirmed it: a
// branch switch (refused on uncommitted changes, which a checkout would carry along or refuse), and
// a file written back from a commit (never over an existing file).
import * as fs from 'node:fs';
import { GitError, type GitRepository } from './gitRepository';

/** Tracked files with uncommitted changes, staged or not (untracked files stay where they are on a switch). */
export async function trackedChanges(repo: GitRepository): Promise<string[]> {
  return (await repo.run(['status', '--porcelain', '-z', '--untracked-files=no']))
    .toString('utf8')
    .split('\0')
    .filter(Boolean)
    .map((entry) => entry.slice(3));
}

/** Why the work tree cannot switch to `branch` now (uncommitted changes), or undefined when it can. */
export async function switchRefusal(repo: GitRepository, branch: string): Promise<string | undefined> {
  const changed = await trackedChanges(repo);
  if (!changed.length) return undefined;
  const shown = changed.slice(0, 5).join(', ') + (changed.length > 5 ? `, ... (${changed.length} files)` : '');
  return `the work tree has uncommitted changes (${shown}): commit or stash them, then switch to ${branch}`;
}

/** `git checkout <branch>`; a GitError saying why when the work tree has uncommitted changes. */
export async function switchToBranch(repo: GitRepository, branch: string): Promise<void> {
  const refusal = await switchRefusal(repo, branch);
  if (refusal) throw new GitError(refusal, 'failed');
  await repo.run(['checkout', '--quiet', branch, '--']);
}

/** Writes `<commit>:<relative path>` to `file`; a GitError when git has no such file, an error when `file` exists. */
export async function restoreFromCommit(
  repo: GitRepository,
  commit: string,
  relative: string,
  file: string,
): Promise<void> {
  const [bytes] = await repo.readNamedBlobs([`${commit}:${relative}`]);
  if (!bytes) throw new GitError(`commit ${commit.slice(0, 7)} has no file ${relative}`, 'failed');
  // `wx`: never over a file written since the problem was reported.
  fs.writeFileSync(file, bytes, { flag: 'wx' });
}
