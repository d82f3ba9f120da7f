// Where a revision this checkout does not have comes from: after a branch switch the database can stand
// on a revision of the branch left behind. The local branches are read first (most recently committed
// first), then the commits HEAD was at lately (its reflog: a branch since deleted), each with the same
// reader as the base branch's history, so that versions folders shared by several refs are read once.
import * as path from 'node:path';
import type { Project } from '../project';
import type { Revision } from '../revisionMap';
import { GitError, GitRepository } from './gitRepository';
import { type RefHistory, RefHistoryReader } from './refHistory';
import { relativeDate } from './relativeDate';

/** How many reflog entries are looked through after the branches. */
const RECENT_HEADS = 50;

export interface RevisionOrigin {
  /** The revision id looked for. */
  revision: string;
  /** A branch name, or `HEAD@{n}` for a commit HEAD was at. */
  ref: string;
  /** True when `ref` is a local branch (one can switch back to it). */
  isBranch: boolean;
  commit: string;
  /** The commit's committer date, Unix seconds. */
  committed: number;
  /** The history at that commit. */
  history: Omit<RefHistory, 'ref' | 'commit'>;
  /**
   * The commit is HEAD's: no branch was left behind, the revision's file was deleted in this work tree
   * (at `file`, where HEAD has it; `path` from the repository's root). Restoring the file is the way
   * back, not a downgrade.
   */
  deletedHere?: { file: string; path: string };
}

/**
 * The first local branch (other than the checked-out one), else recent HEAD, whose history has `id`.
 * HEAD itself counts (`HEAD@{0}`): a revision file deleted in the work tree but committed is found there.
 */
export async function findRevisionOrigin(reader: RefHistoryReader, id: string): Promise<RevisionOrigin | undefined> {
  const repo = reader.repo;
  const current = await repo.currentBranch();
  const candidates = [
    ...(await repo.localBranches())
      .filter((branch) => branch.name !== current)
      .map((branch) => ({ ref: branch.name, commit: branch.commit, committed: branch.committed, isBranch: true })),
    ...(await repo.recentHeads(RECENT_HEADS)).map((entry) => ({ ...entry, isBranch: false })),
  ];
  const head = await repo.tryResolveCommit('HEAD');
  const seen = new Set<string>();
  for (const candidate of candidates) {
    if (seen.has(candidate.commit)) continue;
    seen.add(candidate.commit);
    const history = await reader.readCommit(candidate.commit);
    const rev = history.graph.revisions.get(id);
    if (!rev) continue;
    const origin: RevisionOrigin = { revision: id, ...candidate, history };
    if (candidate.commit !== head) return origin;
    const file = rev.source.path;
    return { ...origin, ref: 'HEAD', deletedHere: { file, path: repo.relative(file) ?? file } };
  }
  return undefined;
}

/**
 * "database at 3f2a1c0 (add sku) from branch feature/x (commit abc1234, 2 days ago), not in this checkout",
 * or "database at 3f2a1c0 (add sku), whose file 3f2a1c0_add_sku.py was deleted from this checkout (HEAD has it)":
 * the words the status bar, the tree and the CLI share. How old the commit is tells a branch left this
 * morning from one forgotten for months.
 */
export function describeOrigin(origin: RevisionOrigin, nowSeconds = Date.now() / 1000): string {
  const rev: Revision | undefined = origin.history.graph.revisions.get(origin.revision);
  const message = rev?.source.message ? ` (${rev.source.message})` : '';
  if (origin.deletedHere)
    return `database at ${origin.revision.slice(0, 7)}${message}, whose file ${path.basename(origin.deletedHere.file)} was deleted from this checkout (HEAD has it)`;
  const where = origin.isBranch ? `branch ${origin.ref}` : origin.ref;
  const commit = origin.commit.slice(0, 7);
  const when = Number.isFinite(origin.committed) ? `, ${relativeDate(origin.committed, nowSeconds)}` : '';
  return `database at ${origin.revision.slice(0, 7)}${message} from ${where} (commit ${commit}${when}), not in this checkout`;
}

/** The origin of the first of `ids` git can place, for a project in its work tree; undefined without git. */
export async function originOfUnknownRevision(
  project: Project,
  ids: readonly string[],
  reader?: RefHistoryReader,
): Promise<RevisionOrigin | undefined> {
  if (!ids.length) return undefined;
  try {
    reader ??= new RefHistoryReader(
      await GitRepository.open(path.dirname(path.resolve(project.config.configFile))),
      project.config,
    );
    for (const id of ids) {
      const origin = await findRevisionOrigin(reader, id);
      if (origin) return origin;
    }
    return undefined;
  } catch (err) {
    if (err instanceof GitError) return undefined;
    throw err;
  }
}
