// Which heads make an accidental fork. Alembic's `upgrade head` fails as soon as there are several
// heads; a project with independent branches by design (expand/contract, one branch per component)
// runs `upgrade heads` or `upgrade <label>@head` instead. `<label>@head` names one head only when no
// other head carries that label (labels spread from the revision declaring them to its
// descendants), so a head is on its own labelled branch when one of its labels is on no other head.
// The others, when there are two or more of them, are a fork nobody designed: two revisions written
// on the same parent, which only a merge revision (or a rebase of one of them) repairs.
import type { Revision, RevisionMap } from '../revisionMap';

/** The heads not on their own labelled branch, when there are at least two of them; else none. */
export function accidentalForkHeads(graph: RevisionMap): Revision[] {
  if (graph.heads.length < 2) return [];
  const heads = graph.heads.map((id) => graph.get(id)).filter((rev): rev is Revision => rev !== undefined);
  const headsPerLabel = new Map<string, number>();
  for (const head of heads) {
    for (const label of head.branchLabels) headsPerLabel.set(label, (headsPerLabel.get(label) ?? 0) + 1);
  }
  // A branch_labels alembic-lens cannot read (an imported constant it could not follow) labels every
  // head below it, whatever its value: it may single out a head only when no other head is below it.
  // Two heads under the same one (neutron's `(cli.EXPAND_BRANCH,)`) share it, and are still a fork.
  const someUnreadable = [...graph.revisions.values()].some((rev) => rev.source.unreadableBranchLabels);
  const unreadableAbove = new Map(
    heads.map((head) => [
      head,
      new Set(someUnreadable ? graph.ancestors([head], false).filter((rev) => rev.source.unreadableBranchLabels) : []),
    ]),
  );
  const mayBeLabelled = (head: Revision): boolean =>
    [...unreadableAbove.get(head)!].some((rev) =>
      heads.every((other) => other === head || !unreadableAbove.get(other)!.has(rev)),
    );
  const unlabelled = heads.filter(
    (head) => ![...head.branchLabels].some((label) => headsPerLabel.get(label) === 1) && !mayBeLabelled(head),
  );
  return unlabelled.length >= 2 ? unlabelled : [];
}

/**
 * The `alembic merge` command that joins an accidental fork. `alembic merge heads` would also fold in
 * the heads that are labelled branches by design: then the fork's heads are named.
 */
export function mergeCommand(graph: RevisionMap, forkHeads: readonly Revision[]): string {
  const which = forkHeads.length === graph.heads.length ? 'heads' : forkHeads.map((head) => head.id).join(' ');
  return `alembic merge -m "merge heads" ${which}`;
}

/** What fails on a fork: `upgrade head`, or `<label>@head` when the fork is inside a labelled branch. */
export function failingUpgrade(graph: RevisionMap, forkHeads: readonly Revision[]): string {
  if (forkHeads.length === graph.heads.length) return 'alembic upgrade head';
  const shared = [...forkHeads[0].branchLabels].find((label) =>
    forkHeads.every((head) => head.branchLabels.has(label)),
  );
  return shared ? `alembic upgrade ${shared}@head` : 'alembic upgrade head';
}
