// The rows of the graph's text column: one row's element (tags, message, kind, id and date, its state as
// classes), the rows a search finds, the row a navigation key moves to.
import { shortDate } from '../../core/createDate';
import type { RevisionState } from '../../core/databaseState';
import type { GraphNode } from '../../core/graphLayout';
import { shortRevisionId } from '../geometry';
import { nodeTags } from '../graphSvg';

export interface RowLook {
  state?: RevisionState;
  selected: boolean;
  focused: boolean;
  match: boolean;
  currentMatch: boolean;
}

export function rowElement(node: GraphNode, look: RowLook): HTMLDivElement {
  const row = document.createElement('div');
  const { state } = look;
  row.className = [
    'row',
    node.kind,
    state ? `state-${state}` : '',
    look.selected ? 'selected' : '',
    look.focused ? 'focused' : '',
    look.match ? 'match' : '',
    look.currentMatch ? 'current-match' : '',
  ]
    .filter(Boolean)
    .join(' ');
  row.dataset.id = node.id;
  row.setAttribute('role', 'option');
  row.setAttribute('aria-selected', String(look.selected));
  for (const tag of nodeTags(node, state)) row.append(span(`tag ${tag.kind}`, tag.text));
  if (node.kind === 'run') {
    row.append(span('msg', `${node.message} (click to expand)`));
    const newest = node.members?.[0];
    const oldest = node.members?.[node.members.length - 1];
    row.append(
      span(
        'date',
        newest && oldest
          ? `${shortDate(oldest.createDate).slice(0, 10)} … ${shortDate(newest.createDate).slice(0, 10)}`
          : '',
      ),
    );
    row.setAttribute('aria-label', `${node.message}, collapsed`);
    return row;
  }
  row.append(span('msg', node.message || '(no message)'));
  if (node.merge) row.append(span('kind', 'merge'));
  else if (node.branchPoint) row.append(span('kind', 'branch point'));
  row.append(span('id', shortRevisionId(node.id)), span('date', shortDate(node.createDate)));
  row.setAttribute('aria-label', `${node.message} ${node.id}${state ? `, ${state}` : ''}`);
  return row;
}

function span(className: string, text: string): HTMLSpanElement {
  const el = document.createElement('span');
  el.className = className;
  el.textContent = text;
  return el;
}

/** The revisions a search finds (a revision inside a collapsed run by its own id): id, message, labels. */
export function searchMatches(nodes: GraphNode[], query: string): string[] {
  const matches: string[] = [];
  for (const node of nodes) {
    if (node.kind === 'run') {
      for (const m of node.members ?? []) if (`${m.id} ${m.message}`.toLowerCase().includes(query)) matches.push(m.id);
      continue;
    }
    const text = [
      node.id,
      node.message,
      ...node.labels,
      ...node.branch.map((l) => `@${l}`),
      ...node.labels.map((l) => `@${l}`),
    ]
      .join(' ')
      .toLowerCase();
    if (text.includes(query)) matches.push(node.id);
  }
  return matches;
}

/** The row ArrowDown, ArrowUp, Home and End move the focus to (from `current`, -1 for none); undefined for other keys. */
export function rowForKey(key: string, current: number, count: number): number | undefined {
  switch (key) {
    case 'ArrowDown':
      return current + 1;
    case 'ArrowUp':
      return current - 1;
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return undefined;
  }
}
