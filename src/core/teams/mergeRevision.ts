// The second fix for merge-heads: a merge revision of this branch's head and the base's, written by
// the real `alembic merge`. The base's head is not in this checkout, so Alembic runs with the base's
// missing revision files in a temporary version folder (temporaryConfig.ts). The preview is what Alembic
// writes when it runs on copies of the version folders; the real run then uses the same id and message
// (Alembic writes the file next to the first head named: this branch's, in the project's folder).

import { randomHex } from '../lazyCrypto';
import type { Project } from '../project';
import type { BaseComparison } from './baseComparison';
import { accidentalForkHeads } from './forkHeads';
import { type HistoryFile, missingFiles } from './temporaryConfig';

export interface MergeRevisionPlan {
  /** This branch's heads first, then the base's. */
  heads: string[];
  message: string;
  /** Given to `alembic merge --rev-id`, so that the preview and the real file carry the same id and name. */
  revId: string;
  /** The base's revision files this checkout lacks. */
  files: HistoryFile[];
}

/** The merge revision that repairs the comparison's merge-heads problem, or undefined when there is none. */
export function planMergeRevision(project: Project, comparison: BaseComparison): MergeRevisionPlan | undefined {
  if (!comparison.problems.some((p) => p.code === 'merge-heads')) return undefined;
  const heads = accidentalForkHeads(comparison.merged);
  const ours = heads.filter((head) => comparison.newFiles.has(head.source.path));
  const theirs = heads.filter((head) => !comparison.newFiles.has(head.source.path));
  if (!ours.length || !theirs.length) return undefined;
  const ordered = [...ours, ...theirs].map((head) => head.id);
  return {
    heads: ordered,
    message: `merge ${comparison.ref} (${ordered.map((id) => id.slice(0, 7)).join(' and ')})`,
    // Alembic's own ids are the last 12 hex digits of a uuid4.
    revId: randomHex(6),
    files: missingFiles(project, comparison.base),
  };
}
