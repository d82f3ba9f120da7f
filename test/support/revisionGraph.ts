// Small revision graphs for unit tests, written as tuples instead of revision files.
import type { RevisionSource } from '../../src/core/revisionFile';
import { RevisionMap } from '../../src/core/revisionMap';

export type Spec = [id: string, down: string | string[] | null, dependsOn?: string | null, labels?: string | null];

function source([id, down, dependsOn, labels]: Spec): RevisionSource {
  return {
    revision: id,
    downRevisions: down === null ? [] : typeof down === 'string' ? [down] : down,
    dependsOn: dependsOn ? [dependsOn] : [],
    branchLabels: labels ? [labels] : [],
    message: `msg ${id}`,
    longdoc: `msg ${id}`,
    path: `/v/${id}.py`,
    revisionLine: 10,
    downRevisionLine: 11,
  };
}

/** The revision map of the graph, in the order given (Alembic's load order). */
export function buildGraph(specs: Spec[]): RevisionMap {
  return new RevisionMap(specs.map(source));
}
