// The work tree against the branch it merges into (the base): which revision files are new or
// changed (the rest is history: deployed, reviewed), and the merge preview, the revision graph a
// merge would give. A merge combines the version folders file by file, as git's three-way merge does
// (versionFileMerge.ts), and the lines of a file both sides changed with git's own merge-file.
// When the merged history has an accidental fork that neither side has, `alembic upgrade head`
// fails after the merge although nothing conflicted in git: that is the `merge-heads` problem.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GitRepository } from '../git/gitRepository';
import { type RefHistory, RefHistoryReader } from '../git/refHistory';
import { atMostWarning, type Problem, problem } from '../problems';
import { type Project, readRevisionBytes, sortLoadOrder } from '../project';
import type { RevisionSource } from '../revisionFile';
import { type Revision, RevisionMap } from '../revisionMap';
import { accidentalForkHeads, failingUpgrade, mergeCommand } from './forkHeads';
import { mergeVersionFiles, type VersionFileMerge } from './versionFileMerge';

export interface BaseComparison {
  ref: string;
  base: RefHistory;
  /** The work tree's revision files that are new or changed against the base (by content). */
  newFiles: ReadonlySet<string>;
  /** The history after merging this work tree into the base. */
  merged: RevisionMap;
  /** merge-heads, and the problems of the merged history that neither side has. */
  problems: Problem[];
  /** What the comparison could not know exactly, for the user (a shallow clone). */
  notes: string[];
  /** With merge-heads: the base's head this branch's first new revisions can be rebased onto, when it has one. */
  rebaseTarget?: string;
}

/** Compares `project` (as in the work tree) with `ref`; throws a GitError when git cannot tell. */
export async function compareWithBase(
  project: Project,
  ref: string,
  reader?: RefHistoryReader,
): Promise<BaseComparison> {
  reader ??= new RefHistoryReader(
    await GitRepository.open(path.dirname(path.resolve(project.config.configFile))),
    project.config,
  );
  const repo = reader.repo;
  // The files as they are on disk now: one the project still lists but a checkout removed is not ours.
  const ours = await repo.hashFiles(project.revisionFiles);
  const files = [...ours.keys()];
  // Most files are the same on both sides: what the work tree's reading found stands for the base's too.
  for (const [file, blob] of ours) {
    const result = project.fileResult(file);
    if (result) reader.remember(blob, file, result);
  }
  const base = await reader.read(ref);

  const notes: string[] = [];
  const head = await repo.tryResolveCommit('HEAD');
  const branch = await repo.currentBranch();
  if (head && !branch) {
    notes.push(`HEAD is detached at ${head.slice(0, 7)}: comparing the checked-out files with ${ref}.`);
  }
  const mergeBaseCommit = head ? await repo.mergeBase(head, base.commit) : undefined;
  if (head && !mergeBaseCommit) {
    notes.push(
      repo.shallow
        ? `this shallow clone does not reach the commit where HEAD and ${ref} forked: revision files deleted on either side since then count as present (clone with fetch-depth: 0 for an exact preview).`
        : `HEAD and ${ref} have no common commit: the merge preview keeps the revision files of both sides.`,
    );
  }
  const mergeBase = mergeBaseCommit ? await reader.readCommit(mergeBaseCommit) : undefined;
  // New or changed here: content that neither the fork point nor the base has (a file only the base
  // changed since the fork is not this branch's work, nor one the base already has).
  const knownBlobs = new Set([...base.blobs.values(), ...(mergeBase?.blobs.values() ?? [])]);
  const newFiles = new Set(files.filter((file) => !knownBlobs.has(ours.get(file)!)));

  const atRef = (history: { blobs: ReadonlyMap<string, string>; sources: ReadonlyMap<string, RevisionSource> }) => ({
    blobs: history.blobs,
    revisionOf: (file: string) => history.sources.get(file)?.revision,
  });
  const merge = mergeVersionFiles(
    { blobs: ours, revisionOf: (file) => project.fileResult(file)?.source?.revision },
    atRef(base),
    mergeBase && atRef(mergeBase),
  );
  const lineMerged = await mergeLines(repo, merge.bothChanged, base, mergeBase);
  const conflicts = [
    ...merge.conflicts,
    ...merge.bothChanged.filter((f) => !lineMerged.has(f.path)).map((f) => f.path),
  ];
  // Without the fork point, a file whose content differs between the sides may be either side's work.
  const differing = mergeBase
    ? []
    : files.filter((file) => base.blobs.has(file) && base.blobs.get(file) !== ours.get(file));
  if (differing.length) {
    const shown = differing.slice(0, 3).map((f) => path.relative(repo.root, f));
    notes.push(
      `without the fork point, which side changed ${count(differing.length, 'revision file')} cannot be told (${shown.join(', ')}${differing.length > 3 ? ', ...' : ''}): the preview uses this branch's version.`,
    );
  }
  const unsure = conflicts.length
    ? `git leaves ${count(conflicts.length, 'revision file')} in conflict: this is with this side's version`
    : differing.length
      ? `${count(differing.length, 'revision file')} ${differing.length === 1 ? 'differs' : 'differ'} between the sides, and their fork point is not fetched: this is with this side's version`
      : undefined;
  for (const file of conflicts) {
    notes.push(
      `${path.relative(repo.root, file)} changed on both sides (or changed on one, deleted on the other): git stops there for you to resolve it; the preview uses ${merge.files.get(file)?.side === 'ours' ? 'this side' : ref}'s version.`,
    );
  }
  // The folders the reader found inside the repository when made (the project's config may have changed since).
  const locations = reader.folders.map((folder) => repo.absolute(folder));
  const sources = sortLoadOrder([...merge.files.keys()], locations)
    .map((mergedPath) => {
      const { side, file } = merge.files.get(mergedPath)!;
      if (lineMerged.has(mergedPath)) return lineMerged.get(mergedPath);
      return side === 'ours' ? project.fileResult(file)?.source : base.sources.get(file);
    })
    .filter((source): source is RevisionSource => source !== undefined);
  const merged = new RevisionMap(sources);
  const thisSide = branch || !head ? 'this branch' : 'this checkout';
  const problems = [
    ...mergeHeadsProblems(merged, project.graph, base.graph, { ref, newFiles, thisSide }),
    ...mergeOnlyProblems(merged, [project.graph, base.graph], ref),
  ].map((p) => (unsure ? uncertain(p, unsure) : p));
  const baseForkHeads = problems.some((p) => p.code === 'merge-heads')
    ? accidentalForkHeads(merged).filter((head) => !newFiles.has(head.source.path))
    : [];
  const rebaseTarget = baseForkHeads.length === 1 ? baseForkHeads[0].id : undefined;
  return { ref, base, newFiles, merged, problems, notes, rebaseTarget };
}

/**
 * The files both sides changed, merged line by line as git merges them; a file git leaves in conflict
 * is not in the map (the preview keeps this side's version, and says so).
 */
async function mergeLines(
  repo: GitRepository,
  bothChanged: VersionFileMerge['bothChanged'],
  base: { blobs: ReadonlyMap<string, string> },
  mergeBase: { blobs: ReadonlyMap<string, string> } | undefined,
): Promise<Map<string, RevisionSource | undefined>> {
  const merged = new Map<string, RevisionSource | undefined>();
  if (!bothChanged.length || !mergeBase) return merged;
  const ids = bothChanged.flatMap((f) => [base.blobs.get(f.theirs)!, mergeBase.blobs.get(f.base)!]);
  const blobs = await repo.readBlobs([...new Set(ids)]);
  for (const file of bothChanged) {
    const theirs = blobs.get(base.blobs.get(file.theirs)!);
    const forkPoint = blobs.get(mergeBase.blobs.get(file.base)!);
    const ours = readOrUndefined(file.ours);
    if (!theirs || !forkPoint || !ours) continue;
    const line = await repo.mergeFile(ours, forkPoint, theirs);
    if (line.clean) merged.set(file.path, readRevisionBytes(file.path, line.merged).source);
  }
  return merged;
}

/**
 * A merged history that depends on what the preview cannot know (how conflicts are resolved, which side
 * changed a file when the fork point is not fetched): said, and a warning rather than an error.
 */
function uncertain(p: Problem, why: string): Problem {
  return {
    ...p,
    severity: atMostWarning(p.severity),
    message: `${p.message} (${why})`,
    tentative: true,
  };
}

/** The work tree's file now; undefined when it went since it was listed (a checkout in progress). */
function readOrUndefined(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

function count(n: number, what: string): string {
  return n === 1 ? `a ${what}` : `${n} ${what}s`;
}

interface Sides {
  ref: string;
  newFiles: ReadonlySet<string>;
  thisSide: string;
}

/** The accidental fork a merge creates, at the down_revision line of each branch's first new revision. */
function mergeHeadsProblems(merged: RevisionMap, ours: RevisionMap, base: RevisionMap, sides: Sides): Problem[] {
  const forkHeads = accidentalForkHeads(merged);
  if (forkHeads.length <= Math.max(accidentalForkHeads(ours).length, accidentalForkHeads(base).length)) return [];
  const isNew = (rev: Revision): boolean => sides.newFiles.has(rev.source.path);
  forkHeads.sort((a, b) => Number(isNew(b)) - Number(isNew(a)));
  const described = forkHeads.map(
    (h) => `${h.id} (${h.source.message || 'no message'}, ${isNew(h) ? sides.thisSide : sides.ref})`,
  );
  const list =
    described.length > 1 ? `${described.slice(0, -1).join(', ')} and ${described[described.length - 1]}` : described[0];
  const baseHeads = forkHeads.filter((h) => !isNew(h)).map((h) => h.id);
  const merge = `add a merge revision (\`${mergeCommand(merged, forkHeads)}\`, after the git merge)`;
  const fix =
    baseHeads.length === 1
      ? ` Rebase this branch's revision onto ${baseHeads[0]} (its down_revision and Revises:, once ${sides.ref} is merged or rebased into this branch in git), or ${merge}.`
      : ` ${merge[0].toUpperCase()}${merge.slice(1)}, or rebase this branch's revision onto the head of the base.`;
  const message = `merging into ${sides.ref} gives ${forkHeads.length} heads: ${list}: \`${failingUpgrade(merged, forkHeads)}\` fails after the merge.${fix}`;
  const firstNew = new Set(forkHeads.filter(isNew).map((h) => firstNewRevision(h, isNew)));
  if (!firstNew.size) {
    return [problem('error', 'merge-heads', message, forkHeads[0].source.path, forkHeads[0].source.revisionLine)];
  }
  return [...firstNew].map((rev) =>
    problem('error', 'merge-heads', message, rev.source.path, rev.source.downRevisionLine),
  );
}

/** Walks down from a new head while the parent is new too: the revision that branched off the base. */
function firstNewRevision(head: Revision, isNew: (rev: Revision) => boolean): Revision {
  const seen = new Set([head]);
  let rev = head;
  for (let parent = rev.parents.find(isNew); parent && !seen.has(parent); parent = rev.parents.find(isNew)) {
    seen.add(parent);
    rev = parent;
  }
  return rev;
}

/** Broken references and duplicates that only the merge creates (a file of the base is where the merge puts it). */
function mergeOnlyProblems(merged: RevisionMap, sides: RevisionMap[], ref: string): Problem[] {
  const key = (p: Problem): string => `${p.code}\0${p.path}\0${p.line}\0${p.message}`;
  const known = new Set(sides.flatMap((graph) => graph.problems.map(key)));
  return merged.problems
    .filter((p) => !known.has(key(p)))
    .map((p) => ({ ...p, message: `after merging into ${ref}: ${p.message}` }));
}
