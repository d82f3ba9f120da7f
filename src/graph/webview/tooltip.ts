// The graph's hover card: what a revision (or a collapsed run) is, its links and its problems.
import { shortDate } from '../../core/createDate';
import type { RevisionState } from '../../core/databaseState';
import type { GraphEdge, GraphNode } from '../../core/graphLayout';
import { shortRevisionId } from '../geometry';

/** Each line: its class (title, mono, muted, error, warning, or '') and its text. */
export function tooltipLines(
  node: GraphNode,
  state: RevisionState | undefined,
  outgoing: GraphEdge[],
): Array<[string, string]> {
  const lines: Array<[string, string]> = [];
  if (node.kind === 'run') {
    const members = node.members ?? [];
    lines.push(['title', `${members.length} revisions in a line`]);
    lines.push([
      '',
      `from ${shortRevisionId(members[members.length - 1]?.id ?? '')} ${members[members.length - 1]?.message ?? ''}`,
    ]);
    lines.push(['', `to ${shortRevisionId(members[0]?.id ?? '')} ${members[0]?.message ?? ''}`]);
    lines.push(['muted', 'Click to expand.']);
    return lines;
  }
  lines.push(['title', node.message || '(no message)']);
  lines.push(['mono', node.id]);
  const facts = [
    state,
    node.head && 'head',
    node.merge && 'merge point',
    node.branchPoint && 'branch point',
    node.base && 'base',
  ].filter(Boolean);
  if (facts.length) lines.push(['', facts.join(' · ')]);
  const down = outgoing.filter((e) => e.kind === 'down').map((e) => shortRevisionId(e.to));
  const deps = outgoing.filter((e) => e.kind === 'depends' && e.jump !== 'in').map((e) => shortRevisionId(e.to));
  lines.push(['', `Revises: ${down.length ? down.join(', ') : 'base'}`]);
  if (deps.length) lines.push(['', `Depends on: ${deps.join(', ')}`]);
  const labels = [...new Set([...node.labels, ...node.branch])];
  if (labels.length) lines.push(['', `Branch labels: ${labels.join(', ')}`]);
  if (node.createDate) lines.push(['muted', `Created ${shortDate(node.createDate)}`]);
  for (const p of node.problems)
    lines.push([p.severity === 'error' ? 'error' : 'warning', `${p.severity}: ${p.message}`]);
  if (node.cycle && !node.problems.some((p) => p.code === 'cycle'))
    lines.push(['error', 'In a cycle: Alembic refuses to load the history.']);
  for (const e of outgoing)
    if (e.dangling && e.problem && !node.problems.some((p) => p.message === e.problem))
      lines.push(['error', e.problem]);
  return lines;
}

/** Fills the card and places it below the pointer (above it near the window's bottom). */
export function placeTooltip(tooltip: HTMLElement, lines: Array<[string, string]>, x: number, y: number): void {
  tooltip.replaceChildren(
    ...lines.map(([cls, text]) => Object.assign(document.createElement('div'), { className: cls, textContent: text })),
  );
  tooltip.hidden = false;
  const rect = tooltip.getBoundingClientRect();
  tooltip.style.left = `${Math.max(4, Math.min(x + 12, window.innerWidth - rect.width - 8))}px`;
  tooltip.style.top = `${y + 18 + rect.height > window.innerHeight ? Math.max(4, y - rect.height - 8) : y + 18}px`;
}
