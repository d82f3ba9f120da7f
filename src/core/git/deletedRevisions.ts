// Where a revision that is named but missing went: for a down_revision or depends_on that names no
// revision, the newest commit that deleted a file of the version folders declaring that revision,
// read with the same reader as the work tree's files.
import * as path from 'node:path';
import { type Problem, problem } from '../problems';
import { type Project, readRevisionBytes } from '../project';
import type { Revision, RevisionMap } from '../revisionMap';
import { quoteArgument } from '../shellQuote';
import { GitError, GitRepository } from './gitRepository';
import { isVersionFilePath } from './refHistory';

export interface RevisionDeletion {
  revision: string;
  commit: string;
  author: string;
  /** The author date, YYYY-MM-DD. */
  date: string;
  /** Root-relative path of the deleted file. */
  path: string;
}

interface DeletedFile {
  commit: string;
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
export function findDeletedRevisions(
  repo: GitRepository,
  folders: readonly string[],
  recursive: boolean,
  ids: ReadonlySet<string>,
): Map<string, RevisionDeletion> {
  const found = new Map<string, RevisionDeletion>();
  if (!ids.size || !folders.length) return found;
  const log = repo.run([
    'log',
    '--no-renames',
    '--diff-filter=D',
    '--name-only',
    '-z',
    '--date=short',
    '--format=%x01%H%x1f%an%x1f%ad',
    '--',
    ...folders,
  ]);
  const deleted = parseDeletions(log.toString('utf8')).filter((d) => isVersionFilePath(d.path, folders, recursive));
  // The deleted files' last contents, `<commit>^:<path>`, in one cat-file.
  const names = deleted.map((d) => `${d.commit}^:${d.path}`);
  const contents = repo.readNamedBlobs(names);
  for (const [i, file] of deleted.entries()) {
    const bytes = contents[i];
    if (!bytes) continue;
    const id = readRevisionBytes(repo.absolute(file.path), bytes).source?.revision;
    if (id && ids.has(id) && !found.has(id)) found.set(id, { revision: id, ...file });
  }
  return found;
}

function parseDeletions(text: string): DeletedFile[] {
  const out: DeletedFile[] = [];
  for (const record of text.split('\x01')) {
    if (!record) continue;
    const [header, ...rest] = record.split('\0');
    const [commit, author, date] = header.replace(/\n+$/, '').split('\x1f');
    for (const name of rest) {
      const file = name.replace(/^\n+/, '');
      if (file) out.push({ commit, author, date, path: file });
    }
  }
  return out;
}

/** An info problem next to each missing-revision problem whose revision git knows was deleted. */
export function deletedRevisionProblems(
  graph: RevisionMap,
  repo: GitRepository,
  folders: readonly string[],
  recursive: boolean,
): Problem[] {
  const missing = missingReferences(graph);
  const deletions = findDeletedRevisions(repo, folders, recursive, new Set(missing.map((m) => m.id)));
  return missing.flatMap(({ rev, id, line }) => {
    const deletion = deletions.get(id);
    if (!deletion) return [];
    const short = deletion.commit.slice(0, 7);
    const message =
      `revision ${id} was deleted in ${short} by ${deletion.author} on ${deletion.date} (${deletion.path}); ` +
      `restore it with \`git checkout ${short}^ -- ${quoteArgument(deletion.path, 'sh')}\`, or point ${rev.id} at an existing revision.`;
    return [problem('info', 'deleted-revision', message, rev.source.path, line)];
  });
}

/** deletedRevisionProblems for a project in the work tree; none when git cannot tell (no git, no repository). */
export function explainMissingRevisions(project: Project): Problem[] {
  if (!project.problems.some((p) => p.code === 'missing-revision')) return [];
  try {
    const repo = GitRepository.open(path.dirname(path.resolve(project.config.configFile)));
    const folders = project.config.versionLocations
      .map((location) => repo.relative(location))
      .filter((f): f is string => f !== undefined);
    return deletedRevisionProblems(project.graph, repo, folders, project.config.recursiveVersionLocations);
  } catch (err) {
    if (err instanceof GitError) return [];
    throw err;
  }
}
