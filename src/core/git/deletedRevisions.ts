// Where a revision that is named but missing went: for a down_revision or depends_on that names no
// revision, a file of the version folders declaring it that the work tree deleted (still at HEAD), else
// the newest commit that deleted one, read with the same reader as the work tree's files. Either way
// the file can be written back from git (git/workTree.ts restoreFromCommit).
import * as path from 'node:path';
import { type Problem, problem } from '../problems';
import { type Project, readRevisionBytes } from '../project';
import type { Revision, RevisionMap } from '../revisionMap';
import { quoteArgument } from '../shellQuote';
import { GitError, GitRepository } from './gitRepository';
import { isVersionFilePath } from './refHistory';
import { logFileChanges } from './revisionCommits';

export interface RevisionDeletion {
  revision: string;
  /** The commit that deleted the file; HEAD's when only the work tree deleted it. */
  commit: string;
  /** True when the deletion is not committed: the file is still at HEAD. */
  inWorkTree: boolean;
  /** Where the file's last contents are, as git names them: `<commit>^` or `HEAD`. */
  restoreFrom: string;
  author: string;
  /** The author date, YYYY-MM-DD. */
  date: string;
  /** Root-relative path of the deleted file. */
  path: string;
}

interface DeletedFile {
  commit: string;
  inWorkTree: boolean;
  author: string;
  date: string;
  path: string;
}

/** Ids named by down_revision or depends_on that are no revision (nor, for depends_on, a branch label). */
export function missingReferences(graph: RevisionMap): { rev: Revision; id: string; line: number }[] {
  const out: { rev: Revision; id: string; line: number }[] = [];
  for (const rev of graph.revisions.values()) {
    for (const id of rev.down) if (!graph.get(id)) out.push({ rev, id, line: rev.source.downRevisionLine });
    for (const id of rev.dependencies) {
      if (!graph.get(id) && !graph.labels.has(id)) {
        out.push({ rev, id, line: rev.source.dependsOnLine ?? rev.source.revisionLine });
      }
    }
  }
  return out;
}

/** For each wanted id, the newest commit that deleted the file declaring it (ids never deleted are absent). */
export async function findDeletedRevisions(
  repo: GitRepository,
  folders: readonly string[],
  recursive: boolean,
  ids: ReadonlySet<string>,
): Promise<Map<string, RevisionDeletion>> {
  const found = new Map<string, RevisionDeletion>();
  if (!ids.size || !folders.length) return found;
  const committed = (await logFileChanges(repo, 'D', folders)).map((d) => ({ ...d, inWorkTree: false }));
  const deleted = [...(await workTreeDeletions(repo, folders)), ...committed].filter((d) =>
    isVersionFilePath(d.path, folders, recursive),
  );
  // The deleted files' last contents, `<commit>^:<path>` (`HEAD:<path>` for the work tree), in one cat-file.
  const sources = deleted.map((d) => (d.inWorkTree ? 'HEAD' : `${d.commit}^`));
  const contents = await repo.readNamedBlobs(deleted.map((d, i) => `${sources[i]}:${d.path}`));
  for (const [i, file] of deleted.entries()) {
    const bytes = contents[i];
    if (!bytes) continue;
    const id = readRevisionBytes(repo.absolute(file.path), bytes).source?.revision;
    if (id && ids.has(id) && !found.has(id)) found.set(id, { revision: id, ...file, restoreFrom: sources[i] });
  }
  return found;
}

/** Files of `folders` at HEAD that the work tree (or the index) no longer has. */
async function workTreeDeletions(repo: GitRepository, folders: readonly string[]): Promise<DeletedFile[]> {
  const head = await repo.tryResolveCommit('HEAD');
  if (!head) return [];
  const names = await repo.run([
    'diff',
    '--no-renames',
    '--name-only',
    '--diff-filter=D',
    '-z',
    'HEAD',
    '--',
    ...folders,
  ]);
  const { author, date } = await repo.commitFacts(head);
  return names
    .toString('utf8')
    .split('\0')
    .filter(Boolean)
    .map((file) => ({ commit: head, inWorkTree: true, author, date, path: file }));
}

/** A deleted-revision problem and the deletion it reports. */
export interface ExplainedDeletion {
  problem: Problem;
  deletion: RevisionDeletion;
}

/** An info problem next to each missing-revision problem whose revision git knows was deleted. */
export async function deletedRevisionProblems(
  graph: RevisionMap,
  repo: GitRepository,
  folders: readonly string[],
  recursive: boolean,
): Promise<ExplainedDeletion[]> {
  const missing = missingReferences(graph);
  const deletions = await findDeletedRevisions(repo, folders, recursive, new Set(missing.map((m) => m.id)));
  return missing.flatMap(({ rev, id, line }) => {
    const deletion = deletions.get(id);
    if (!deletion) return [];
    const short = deletion.commit.slice(0, 7);
    const restore = `\`git checkout ${deletion.inWorkTree ? 'HEAD' : `${short}^`} -- ${quoteArgument(deletion.path, 'sh')}\``;
    const what = deletion.inWorkTree
      ? `revision ${id} is ${deletion.path}, deleted in the work tree but still at HEAD (${short})`
      : `revision ${id} was deleted in ${short} by ${deletion.author} on ${deletion.date} (${deletion.path})`;
    const message = `${what}; restore it with ${restore}, or point ${rev.id} at an existing revision.`;
    return [{ problem: problem('info', 'deleted-revision', message, rev.source.path, line), deletion }];
  });
}

/** deletedRevisionProblems for a project in the work tree; none when git cannot tell (no git, no repository). */
export async function explainMissingRevisions(project: Project): Promise<ExplainedDeletion[]> {
  if (!project.problems.some((p) => p.code === 'missing-revision')) return [];
  try {
    const repo = await GitRepository.open(path.dirname(path.resolve(project.config.configFile)));
    const folders = project.config.versionLocations
      .map((location) => repo.relative(location))
      .filter((f): f is string => f !== undefined);
    return await deletedRevisionProblems(project.graph, repo, folders, project.config.recursiveVersionLocations);
  } catch (err) {
    if (err instanceof GitError) return [];
    throw err;
  }
}
