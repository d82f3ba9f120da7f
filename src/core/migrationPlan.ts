// What `alembic downgrade TARGET` and `alembic upgrade TARGET` run from a given version table, computed
// the way Alembic computes it (ScriptDirectory._downgrade_revs / _upgrade_revs over
// RevisionMap.iterate_revisions), so that a confirmation lists exactly the revisions whose downgrade()
// or upgrade() Alembic will call, and refuses, with Alembic's words, what Alembic refuses.
// Versions: revision.py's _parse_downgrade_target / _walk / _collect_downgrade_revisions and
// _collect_upgrade_revisions, _stamp_revs and the HeadMaintainer are the same in Alembic 1.8.1 (what
// the differential tier runs) and current Alembic (1.19): only typing changed. Current Alembic no
// longer drops the version table at the end of an offline (`--sql`) downgrade to base, which no
// plan here covers; plain `-1` from several current revisions still only warns, in both.
import { type Revision, RevisionError, type RevisionMap } from './revisionMap';

/** Alembic's `_collect_downgrade_revisions`: what a downgrade from `upper` (the version table) drops. */
function collectDowngradeRevisions(
  map: RevisionMap,
  upper: readonly string[],
  target: string,
): { revisions: Set<Revision>; heads: Revision[] } {
  const { branch, rev } = map.parseDowngradeTarget(upper, target, true);
  const targetRevision = rev === 'base' ? null : rev;
  let roots = targetRevision ? [...targetRevision.children] : [...map.revisions.values()].filter((r) => r.isBase);
  if (branch && roots.length > 1) {
    // A branch (label or revision id) keeps only the roots on its own line.
    const onBranch = new Set(map.ancestors([map.resolveBranch(branch)], false));
    roots = roots.filter((r) => onBranch.has(r));
    if (!roots.length) throw new RevisionError('Not a valid downgrade target from current heads');
  }
  const heads = map.getRevisions(upper).filter((r): r is Revision => r !== null);
  const active = new Set(map.ancestors(heads));
  // Dropping a root drops everything above it, by down_revision and by depends_on, that is applied.
  const revisions = new Set(map.descendants(roots).filter((r) => active.has(r)));
  if (targetRevision !== null && !revisions.size && !heads.includes(targetRevision)) {
    throw new RevisionError('Nothing to drop', 'range-not-ancestor');
  }
  return { revisions, heads };
}

/** Alembic's `_catch_revision_errors`: the message its command line prints after `FAILED:`. */
function commandError(err: unknown, direction: 'upgrade' | 'downgrade', destination: string): Error {
  if (!(err instanceof RevisionError)) return err as Error;
  if (err.kind === 'range-not-ancestor') {
    const message = `Destination ${destination} is not a valid ${direction} target from current head(s)`;
    return new RevisionError(message, err.kind);
  }
  if (err.kind === 'multiple-heads') {
    const message =
      `Multiple head revisions are present for given argument '${destination}'; ` +
      `please specify a specific target revision, '<branchname>@${destination}' to narrow to a specific head, ` +
      `or 'heads' for all heads`;
    return new RevisionError(message, err.kind, err.argument, err.heads);
  }
  if (err.kind === 'resolution') {
    return new RevisionError(`Can't locate revision identified by '${err.argument}'`, err.kind, err.argument);
  }
  return err;
}

/** What a command runs, in Alembic's order, and the version table it leaves. */
export interface MigrationPlan {
  revisions: Revision[];
  /** The version table's rows afterwards (in no particular order). */
  after: string[];
}

/** Alembic's HeadMaintainer: the version table's rows, changed the way Alembic changes them (and fails). */
class VersionTable {
  readonly heads: Set<string>;

  constructor(rows: readonly string[]) {
    this.heads = new Set(rows);
  }

  remove(id: string | undefined): void {
    if (id === undefined || !this.heads.delete(id)) throw new Error(`KeyError: '${id}'`);
  }

  insert(id: string): void {
    if (this.heads.has(id)) throw new Error(`AssertionError: ${id} is already in the version table`);
    this.heads.add(id);
  }

  update(from: string | undefined, to: string): void {
    if (this.heads.has(to)) throw new Error(`AssertionError: ${to} is already in the version table`);
    this.remove(from);
    this.heads.add(to);
  }
}

/**
 * Alembic's HeadMaintainer.update_to_step for revision steps: how the version table follows each
 * step. Alembic's own bookkeeping can fail part-way (a KeyError or an AssertionError on histories
 * with depends_on), after some migrations already ran: that is reported as a refusal, naming what
 * would have run.
 */
function versionTableAfter(map: RevisionMap, rows: readonly string[], steps: Revision[], upgrade: boolean): string[] {
  const table = new VersionTable(rows);
  const heads = table.heads;
  const ancestorsOf = (ids: Iterable<string>): Set<string> => {
    return new Set(map.ancestors(map.getRevisions([...ids]) as Revision[]).map((r) => r.id));
  };
  /** The parents that no other current revision stands on: what an unmerge (or a delete) leaves. */
  const unmergeTo = (rev: Revision): string[] => {
    const others = [...heads].filter((id) => id !== rev.id);
    const below = others.length ? ancestorsOf(others) : new Set<string>();
    return rev.normalizedDown.filter((id) => !below.has(id));
  };
  for (const [index, rev] of steps.entries()) {
    try {
      const down = rev.normalizedDown;
      if (!upgrade && heads.has(rev.id) && (!down.length || !unmergeTo(rev).length)) {
        table.remove(rev.id);
      } else if (upgrade && (!down.length || !down.some((id) => heads.has(id)))) {
        table.insert(rev.id);
      } else if (upgrade && down.length > 1 && down.filter((id) => heads.has(id)).length > 1) {
        const others = [...heads].filter((id) => !down.includes(id));
        const below = others.length ? ancestorsOf(others) : new Set<string>();
        const merged = down.filter((id) => !below.has(id));
        for (const id of merged.slice(0, -1)) table.remove(id);
        table.update(merged[merged.length - 1], rev.id);
      } else if (!upgrade && heads.has(rev.id) && down.length > 1) {
        const to = unmergeTo(rev);
        for (const id of to.slice(0, -1)) table.insert(id);
        table.update(rev.id, to[to.length - 1]);
      } else {
        const present = down.length === 1 ? down : down.filter((id) => heads.has(id));
        const ambiguous = "AssertionError: Can't do an UPDATE because downrevision is ambiguous";
        if (present.length !== 1) throw new Error(ambiguous);
        if (upgrade) table.update(present[0], rev.id);
        else table.update(rev.id, present[0]);
      }
    } catch (err) {
      const done = steps
        .slice(0, index + 1)
        .map((r) => r.id)
        .join(', ');
      const message =
        `Alembic would fail part-way, after running ${done}: ` +
        `its version table bookkeeping stops at ${rev.id} (${(err as Error).message})`;
      throw new RevisionError(message, 'bookkeeping');
    }
  }
  return [...heads];
}

/**
 * What `alembic downgrade <target>` runs from `versionTable` (its rows, in the order the database
 * returns them): the revisions whose downgrade() it calls, newest first. Throws a RevisionError with
 * Alembic's message when Alembic refuses the target.
 */
export function downgradePlan(map: RevisionMap, versionTable: readonly string[], target: string): MigrationPlan {
  if (target.includes(':')) throw new RevisionError('Range revision not allowed');
  let revisions: Revision[];
  try {
    const collected = collectDowngradeRevisions(map, versionTable, target);
    revisions = map.topologicalSort(collected.revisions, collected.heads).map((id) => map.get(id)!);
  } catch (err) {
    throw commandError(err, 'downgrade', target);
  }
  return { revisions, after: versionTableAfter(map, versionTable, revisions, false) };
}

/** What `alembic upgrade <target>` runs from `versionTable`: the revisions whose upgrade() it calls, oldest first. */
export function upgradePlan(map: RevisionMap, versionTable: readonly string[], target: string): MigrationPlan {
  let revisions: Revision[];
  try {
    revisions = map.iterateRevisions(target, versionTable, { implicitBase: true }).reverse();
  } catch (err) {
    throw commandError(err, 'upgrade', target);
  }
  return { revisions, after: versionTableAfter(map, versionTable, revisions, true) };
}

/**
 * The argument that makes Alembic revert `current` (one of the version table's revisions) and as
 * little else as it can: what depends on `current` goes with it. Plain `-1` is what users type, but
 * Alembic's walk down from a merge point is ambiguous, and `<rev>-1` drops every applied child of
 * the parent; `<rev>@<parent>` keeps the drop on `current`'s own line. An Error when Alembic accepts
 * none of them.
 */
export function downgradeOneTarget(
  map: RevisionMap,
  versionTable: readonly string[],
  current: Revision,
): { argument: string; reverted: Revision[]; after: string[] } | Error {
  const candidates = versionTable.length === 1 && !current.isMergePoint ? ['-1'] : [];
  for (const parent of current.down) candidates.push(`${current.id}@${parent}`);
  if (current.isBase) candidates.push(`${current.id}@base`);
  let best: { argument: string; reverted: Revision[]; after: string[] } | undefined;
  let refusal: Error | undefined;
  for (const argument of candidates) {
    try {
      const { revisions: reverted, after } = downgradePlan(map, versionTable, argument);
      const smaller = !best || reverted.length < best.reverted.length;
      if (reverted.includes(current) && smaller) best = { argument, reverted, after };
    } catch (err) {
      refusal ??= err as Error;
    }
  }
  return best ?? refusal ?? new RevisionError(`Alembic has no downgrade that reverts ${current.id}`);
}

/**
 * The version table `alembic stamp <destinations>` leaves (Alembic's ScriptDirectory._stamp_revs and
 * its StampSteps): current revisions on another line of history stay. No migration runs.
 */
export function stampResult(
  map: RevisionMap,
  versionTable: readonly string[],
  destinations: readonly string[],
): string[] {
  const wanted = destinations.length ? destinations : ['base'];
  let lineage: Revision[];
  let targets: (Revision | null)[];
  try {
    const current = map.getRevisions(versionTable).filter((r): r is Revision => r !== null);
    lineage = [...new Set(wanted.flatMap((dest) => map.filterForLineage(current, dest, true)))];
    targets = map.getRevisions(wanted);
  } catch (err) {
    if (err instanceof RevisionError && err.kind === 'multiple-heads') {
      const message = 'Multiple heads are present; please specify a single target revision';
      throw new RevisionError(message, err.kind, err.argument, err.heads);
    }
    throw commandError(err, 'downgrade', wanted.join(' '));
  }
  const table = new VersionTable(versionTable);
  const lineageIds = lineage.map((r) => r.id);
  /** HeadMaintainer.update_to_step for one StampStep. */
  const step = (from: string[], to: string | undefined, upgrade: boolean, branchMove: boolean): void => {
    if (!upgrade && branchMove) {
      if (from.length !== 1) throw new Error('AssertionError');
      table.remove(from[0]);
    } else if (upgrade && (branchMove || from.some((id) => !table.heads.has(id))) && to && !table.heads.has(to)) {
      table.insert(to);
    } else if (from.length > 1 && to !== undefined) {
      for (const id of from.slice(0, -1)) table.remove(id);
      table.update(from[from.length - 1], to);
    } else {
      if (from.length !== 1 || to === undefined) throw new Error('AssertionError');
      table.update(from[0], to);
    }
  };
  try {
    for (const dest of targets.length ? targets : [null]) {
      if (dest === null) {
        for (const id of lineageIds) step([id], undefined, false, true);
        continue;
      }
      if (lineage.includes(dest)) continue;
      const above = map.descendants([dest]).some((r) => lineage.includes(r));
      const below = map.ancestors([dest]).some((r) => lineage.includes(r));
      if (above && below) throw new Error('AssertionError: current revisions both above and below the destination');
      if (above || below) step(lineageIds, dest.id, below, false);
      else step([], dest.id, true, true);
    }
  } catch (err) {
    throw new RevisionError(`Alembic would fail while stamping: ${(err as Error).message}`, 'bookkeeping');
  }
  return [...table.heads];
}
