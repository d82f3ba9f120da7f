// After a branch switch the database can stand on a revision this checkout does not have (see
// git/revisionOrigin.ts): Alembic cannot downgrade from there, since it has no file for that revision.
// The fix: take the other branch's missing revision files from git into a temporary folder, give Alembic
// a temporary copy of the ini whose version_locations adds that folder, and downgrade to the newest
// revision both histories share; then `upgrade head` works on this branch. What that downgrade runs is
// computed with the same planner as every other downgrade (migrationPlan.ts) on the combined history.
import type { RevisionOrigin } from '../git/revisionOrigin';
import { downgradePlan } from '../migrationPlan';
import type { Project } from '../project';
import type { RevisionSource } from '../revisionFile';
import { type Revision, RevisionMap } from '../revisionMap';
import { type HistoryFile, missingFiles } from './temporaryConfig';

export interface ForeignDowngrade {
  origin: RevisionOrigin;
  /** The newest revision both histories share, or `base`. */
  target: string;
  /** What `alembic downgrade <target>` runs, newest first. */
  reverted: Revision[];
  /** The origin's revision files whose revisions this checkout lacks. */
  files: HistoryFile[];
}

/** Plans the downgrade from `versionTable` (the database's rows) to what this checkout shares with `origin`. */
export function planForeignDowngrade(
  project: Project,
  origin: RevisionOrigin,
  versionTable: readonly string[],
): ForeignDowngrade {
  const ours = project.graph.revisions;
  const files = missingFiles(project, origin.history);
  const sources: RevisionSource[] = [...[...ours.values()].map((rev) => rev.source), ...files.map((f) => f.source)];
  const combined = new RevisionMap(sources);
  const standing = versionTable.map((id) => combined.get(id)).filter((rev): rev is Revision => rev !== undefined);
  const shared = combined.ancestors(standing).filter((rev) => ours.has(rev.id));
  const below = new Set(combined.ancestors(shared.flatMap((rev) => rev.allParents)));
  const newest = shared.filter((rev) => !below.has(rev));
  if (newest.length > 1) {
    throw new Error(
      `the database's revisions build on several revisions of this checkout (${newest.map((r) => r.id).join(', ')}): ` +
        'downgrade each line by hand',
    );
  }
  const target = newest[0]?.id ?? 'base';
  const reverted = downgradePlan(combined, versionTable, target).revisions;
  return { origin, target, reverted, files };
}
