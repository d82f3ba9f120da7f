// Display order for revision lists: newest first, every revision before its parents, heads on top.
import { Heap } from './heap';
import type { Revision, RevisionMap } from './revisionMap';

/**
 * Orders revisions children-before-parents (a reverse topological order), picking among the
 * revisions whose children are all placed the newest one (create date, then load order). Heads come
 * first because nothing is above them. O(n log n), so it stays fast on 10,000 revisions.
 */
export function newestFirst(map: RevisionMap): Revision[] {
  const revisions = [...map.revisions.values()];
  const loadIndex = new Map(revisions.map((rev, i) => [rev, i]));
  const time = new Map(revisions.map((rev) => [rev, createTime(rev)]));
  const waiting = new Map<Revision, number>();
  for (const rev of revisions) waiting.set(rev, rev.nextrev.length);

  const newer = (a: Revision, b: Revision): boolean => {
    const ta = time.get(a)!;
    const tb = time.get(b)!;
    if (ta !== tb) return ta > tb;
    return loadIndex.get(a)! > loadIndex.get(b)!;
  };
  const heap = new Heap<Revision>(newer);
  for (const rev of revisions) if (rev.nextrev.length === 0) heap.push(rev);

  const out: Revision[] = [];
  const placed = new Set<Revision>();
  while (heap.size) {
    const rev = heap.pop()!;
    out.push(rev);
    placed.add(rev);
    for (const id of rev.down) {
      const parent = map.get(id);
      if (!parent) continue;
      const left = waiting.get(parent)! - 1;
      waiting.set(parent, left);
      if (left === 0) heap.push(parent);
    }
  }
  // Revisions in a cycle never become ready; list them last so that nothing disappears.
  for (const rev of revisions) if (!placed.has(rev)) out.push(rev);
  return out;
}

/** Milliseconds from the `Create Date:` docstring line, or 0 when there is none. */
function createTime(rev: Revision): number {
  const text = rev.source.createDate;
  if (!text) return 0;
  const t = Date.parse(text.replace(' ', 'T'));
  return Number.isNaN(t) ? 0 : t;
}
