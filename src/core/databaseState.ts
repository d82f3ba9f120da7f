// What the database's version table means for each revision: applied, current, pending, or undetermined
// (a row this history lacks); what a command would change is migrationPlan.ts. Pure graph logic;
// reading the table is elsewhere.
import type { Revision, RevisionMap } from './revisionMap';

export type RevisionState = 'current' | 'applied' | 'pending' | 'undetermined';

export interface DatabaseState {
  /** The version table's rows as read (what Alembic's commands start from). */
  rows: readonly string[];
  /** The revisions in the version table that this history knows. */
  current: Revision[];
  /** Ids in the version table that no revision file declares (a branch deleted, a different project). */
  unknown: string[];
  /** Everything the current revisions stand on (including themselves), through down_revision and depends_on. */
  applied: Set<Revision>;
  /** Revisions an `upgrade heads` would apply, newest first in Alembic's order; none when `undetermined` has them. */
  pending: Revision[];
  /**
   * With a row this history lacks, the revisions not under the known rows: each may be under that row
   * (after a branch switch, the other branch's revisions stand on this one's) or not, so neither
   * applied nor pending can be said of them.
   */
  undetermined: Revision[];
}

export function databaseState(map: RevisionMap, versionTable: readonly string[]): DatabaseState {
  const current: Revision[] = [];
  const unknown: string[] = [];
  for (const id of versionTable) {
    const rev = map.get(id);
    if (rev) current.push(rev);
    else unknown.push(id);
  }
  const applied = new Set(map.ancestors(current));
  const rest = [...map.revisions.values()].filter((rev) => !applied.has(rev));
  return unknown.length
    ? { rows: [...versionTable], current, unknown, applied, pending: [], undetermined: rest }
    : { rows: [...versionTable], current, unknown, applied, pending: rest, undetermined: [] };
}

export type DatabaseStanding = 'up-to-date' | 'pending' | 'unknown-revision';

/** At a revision the history lacks, behind its heads, or at them. */
export function databaseStanding(state: DatabaseState): DatabaseStanding {
  if (state.unknown.length) return 'unknown-revision';
  return state.pending.length ? 'pending' : 'up-to-date';
}

/**
 * Where the database can move to a revision in this state (undefined: no database read): nothing to
 * upgrade to an applied revision, nothing to revert to a pending one, and from a revision this history
 * lacks (undetermined) nowhere, since Alembic cannot locate it.
 */
export function movesTo(state: RevisionState | undefined): { upgrade: boolean; downgrade: boolean } {
  return {
    upgrade: state === undefined || state === 'pending',
    downgrade: state === undefined || state === 'applied',
  };
}

export function revisionState(state: DatabaseState, rev: Revision): RevisionState {
  if (state.current.includes(rev)) return 'current';
  if (state.applied.has(rev)) return 'applied';
  return state.unknown.length ? 'undetermined' : 'pending';
}
