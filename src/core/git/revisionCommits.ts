// Which commit added each revision file: for the tooltips, from one `git log` over the version folders
// (never one call per revision), newest first, so that a file deleted and added again names its last
// addition. A file no commit added is "not committed yet".
import type { GitRepository } from './gitRepository';

export interface CommitFacts {
  commit: string;
  author: string;
  /** The author date, YYYY-MM-DD. */
  date: string;
}

/** A file a commit added or deleted (root-relative path), with the commit's author and author date. */
export interface FileChange extends CommitFacts {
  path: string;
}

/** The files of `folders` that HEAD's history added (`A`) or deleted (`D`), newest commit first, in one `git log`. */
export async function logFileChanges(
  repo: GitRepository,
  kind: 'A' | 'D',
  folders: readonly string[],
): Promise<FileChange[]> {
  if (!folders.length || !(await repo.tryResolveCommit('HEAD'))) return [];
  const log = (
    await repo.run([
      'log',
      '--no-renames',
      `--diff-filter=${kind}`,
      '--name-only',
      '-z',
      '--date=short',
      '--format=%x01%H%x1f%an%x1f%ad',
      'HEAD',
      '--',
      ...folders.map((f) => f || '.'),
    ])
  ).toString('utf8');
  const out: FileChange[] = [];
  for (const record of log.split('\x01')) {
    if (!record) continue;
    const [header, ...names] = record.split('\0');
    const [commit, author, date] = header.replace(/\n+$/, '').split('\x1f');
    for (const name of names) {
      const file = name.replace(/^\n+/, '');
      if (file) out.push({ commit, author, date, path: file });
    }
  }
  return out;
}

/** Root-relative path -> the newest commit that added it, for the files of `folders` in HEAD's history. */
export async function commitsAddingFiles(
  repo: GitRepository,
  folders: readonly string[],
): Promise<Map<string, CommitFacts>> {
  const added = new Map<string, CommitFacts>();
  for (const { path, ...facts } of await logFileChanges(repo, 'A', folders)) {
    if (!added.has(path)) added.set(path, facts);
  }
  return added;
}

/** "added in abc1234 by Ada on 2024-03-01", or "not committed yet". */
export function describeAddition(facts: CommitFacts | undefined): string {
  return facts ? `added in ${facts.commit.slice(0, 7)} by ${facts.author} on ${facts.date}` : 'not committed yet';
}
