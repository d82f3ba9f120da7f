// Which revisions "new" means for `alembic.lint.scope = new`: the files this branch adds against its base
// branch when git could say; else the revisions the database has not applied; else every one.
import type { DatabaseState } from '../databaseState';
import type { RevisionSource } from '../revisionFile';
import type { RevisionMap } from '../revisionMap';

export interface ScopeFacts {
  /** git has been asked (the answer may be that it cannot compare). */
  compared: boolean;
  /** The files this branch adds against its base, when git could compare. */
  newFiles?: ReadonlySet<string>;
  /** The database's state: 'unread' while it is being read, undefined when it cannot be known. */
  database: DatabaseState | 'unread' | undefined;
}

/** The revisions to lint, or undefined for every one. */
export function newRevisions(graph: RevisionMap, facts: ScopeFacts): ((source: RevisionSource) => boolean) | undefined {
  const { newFiles, database } = facts;
  if (newFiles) return (source) => newFiles.has(source.path);
  // Until git and then the database have answered, nothing is called new: linting every revision meanwhile
  // would flash the old revisions' findings in Problems for the seconds git takes on a long history.
  if (!facts.compared || database === 'unread') return () => false;
  if (!database) return undefined;
  return (source) => {
    const rev = graph.get(source.revision);
    return !rev || !database.applied.has(rev);
  };
}
