// The SVG of the revision graph's lanes (edges and nodes), shared by the webview, which draws the visible
// rows and colours the classes with the theme's variables, and the export, which draws every row and
// colours them with a fixed palette. No DOM, no vscode.

import { shortDate } from '../core/createDate';
import type { RevisionState } from '../core/databaseState';
import type { GraphEdge, GraphLayout, GraphNode } from '../core/graphLayout';
import { edgePath, type Geometry, geometryFor, laneX, NODE_RADIUS, rowY, shortRevisionId } from './geometry';

/** Lane colours cycle through this many classes (`lane-c0`...). */
export const LANE_COLORS = 6;

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function laneClass(lane: number, mainLanes: number): string {
  return lane >= mainLanes ? 'lane-dep' : `lane-c${lane % LANE_COLORS}`;
}

export function edgeMarkup(g: Geometry, edge: GraphEdge, mainLanes: number): string {
  const classes = [
    'edge',
    edge.dangling ? 'dangling' : edge.kind === 'depends' ? 'lane-dep' : laneClass(edge.lane, mainLanes),
  ];
  if (edge.kind === 'depends') classes.push('depends');
  let markup = `<path class="${classes.join(' ')}" d="${edgePath(g, edge)}"/>`;
  const [l, r] = edge.route[edge.route.length - 1];
  const x = laneX(g, l);
  const y = rowY(g, r);
  if (edge.dangling)
    markup += `<path class="dangling-end" d="M${x - 3} ${y - 3}L${x + 3} ${y + 3}M${x - 3} ${y + 3}L${x + 3} ${y - 3}"/>`;
  else if (edge.jump) markup += `<circle class="jump-end" cx="${x}" cy="${y}" r="2.5"/>`;
  return markup;
}

/** Classes that say what a node is; the stylesheet (theme or export palette) decides the look. */
export function nodeClasses(node: GraphNode, state: RevisionState | undefined, mainLanes: number): string[] {
  const classes = ['node', laneClass(node.lane, mainLanes), node.kind];
  if (state) classes.push(`state-${state}`);
  if (node.head) classes.push('head');
  if (node.merge) classes.push('merge');
  if (node.problems.some((p) => p.severity === 'error') || node.cycle) classes.push('problem');
  else if (node.problems.length) classes.push('warning');
  return classes;
}

export function nodeMarkup(
  g: Geometry,
  node: GraphNode,
  state: RevisionState | undefined,
  mainLanes: number,
  selected = false,
): string {
  const x = laneX(g, node.lane);
  const y = rowY(g, node.row);
  const classes = nodeClasses(node, state, mainLanes);
  if (selected) classes.push('selected');
  let shape: string;
  if (node.kind === 'run') {
    const h = g.rowHeight - 8;
    shape = `<rect class="shape" x="${x - 4}" y="${y - h / 2}" width="8" height="${h}" rx="4"/>`;
  } else if (node.merge) {
    const r = NODE_RADIUS + 1.5;
    shape = `<path class="shape" d="M${x} ${y - r}L${x + r} ${y}L${x} ${y + r}L${x - r} ${y}Z"/>`;
  } else {
    shape = `<circle class="shape" cx="${x}" cy="${y}" r="${NODE_RADIUS}"/>`;
  }
  if (state === 'current') shape = `<circle class="ring" cx="${x}" cy="${y}" r="${NODE_RADIUS + 4}"/>${shape}`;
  if (selected) shape = `<circle class="halo" cx="${x}" cy="${y}" r="${NODE_RADIUS + 7}"/>${shape}`;
  return `<g class="${classes.join(' ')}" data-id="${escapeXml(node.id)}">${shape}</g>`;
}

/** The lane markup of some rows: edges first, so that nodes sit on top of them. */
export function laneMarkup(
  g: Geometry,
  layout: GraphLayout,
  edges: readonly GraphEdge[],
  nodes: readonly GraphNode[],
  states: Record<string, RevisionState> | undefined,
  selected?: ReadonlySet<string>,
): string {
  let out = '';
  for (const edge of edges) out += edgeMarkup(g, edge, layout.mainLanes);
  for (const node of nodes) out += nodeMarkup(g, node, states?.[node.id], layout.mainLanes, selected?.has(node.id));
  return out;
}

export type ExportTheme = 'light' | 'dark';

const PALETTES: Record<ExportTheme, Record<string, string>> = {
  light: {
    background: '#ffffff',
    foreground: '#1f1f1f',
    muted: '#6b6b6b',
    tag: '#e4e4e4',
    error: '#c72e2e',
    warning: '#b8860b',
    current: '#1a73e8',
    applied: '#388a34',
    pending: '#bf8803',
    dependency: '#8a8a8a',
    lanes: '#3b7dd8,#a557c5,#d2731f,#1f9e89,#c2477d,#6f7d1c',
  },
  dark: {
    background: '#1e1e1e',
    foreground: '#cccccc',
    muted: '#9d9d9d',
    tag: '#3a3d41',
    error: '#f14c4c',
    warning: '#cca700',
    current: '#4daafc',
    applied: '#89d185',
    pending: '#e2c08d',
    dependency: '#8a8a8a',
    lanes: '#4daafc,#c586c0,#e8a25c,#4ec9b0,#f48771,#b5cea8',
  },
};

/** The stylesheet of an exported file (the webview's graph.css does the same with theme variables). */
function exportStyle(theme: ExportTheme): string {
  const p = PALETTES[theme];
  const lanes = p.lanes.split(',');
  const rules = [
    `svg{font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Ubuntu,sans-serif;font-size:13px}`,
    `.edge{fill:none;stroke-width:2}`,
    `.edge.depends{stroke-dasharray:4 3;stroke-width:1.5}`,
    `.lane-dep.edge{stroke:${p.dependency}}`,
    `.edge.dangling,.dangling-end{stroke:${p.error};stroke-dasharray:3 2;fill:none;stroke-width:1.5}`,
    `.jump-end{fill:${p.background};stroke:${p.dependency};stroke-width:1.5}`,
    ...lanes.map((c, i) => `.lane-c${i}.edge{stroke:${c}}.lane-c${i}.node .shape{fill:${c};stroke:${c}}`),
    `.node .shape{stroke-width:2}`,
    `.node.state-applied .shape{fill:${p.applied};stroke:${p.applied}}`,
    `.node.state-pending .shape{fill:${p.background};stroke:${p.pending}}`,
    `.node.state-current .shape{fill:${p.current};stroke:${p.current}}`,
    `.node .ring{fill:none;stroke:${p.current};stroke-width:2}`,
    `.node.run .shape{fill:${p.background};stroke-dasharray:2 2}`,
    `.node.problem .shape{fill:${p.error};stroke:${p.error}}`,
    `.node.warning .shape{stroke:${p.warning}}`,
    `.msg{fill:${p.foreground}}`,
    `.run-msg{fill:${p.muted};font-style:italic}`,
    `.meta{fill:${p.muted};font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}`,
    `.tag rect{fill:${p.tag}}.tag text{fill:${p.foreground};font-size:11px}`,
    `.tag.head rect{fill:${p.muted}}.tag.head text{fill:${p.background}}`,
    `.tag.current rect{fill:${p.current}}.tag.current text{fill:${p.background}}`,
    `.tag.label rect{fill:none;stroke:${lanes[1]}}.tag.label text{fill:${lanes[1]}}`,
    `.tag.problem rect{fill:${p.error}}.tag.problem text{fill:#fff}`,
    `.title{fill:${p.foreground};font-weight:600;font-size:14px}.subtitle{fill:${p.muted}}`,
  ];
  return rules.join('');
}

/** Tags beside a node: labels, head, current, problems; the same words the webview shows. */
export function nodeTags(node: GraphNode, state: RevisionState | undefined): Array<{ text: string; kind: string }> {
  const tags: Array<{ text: string; kind: string }> = [];
  if (state === 'current') tags.push({ text: 'current', kind: 'current' });
  if (node.head) tags.push({ text: 'head', kind: 'head' });
  for (const label of new Set([...node.labels, ...node.branch])) tags.push({ text: `@${label}`, kind: 'label' });
  if (node.cycle) tags.push({ text: 'cycle', kind: 'problem' });
  else if (node.problems.some((p) => p.severity === 'error')) tags.push({ text: 'error', kind: 'problem' });
  return tags;
}

/** A file of the whole graph: every row, with its message, tags, short id and date. */
export function exportSvg(
  view: { project: string; database: string; layout: GraphLayout; states?: Record<string, RevisionState> },
  theme: ExportTheme,
): string {
  const { layout, states } = view;
  const g = geometryFor(layout.lanes);
  const header = 44;
  const textX = g.width + 10;
  const width = textX + 900;
  const height = header + layout.rows * g.rowHeight + 8;
  const text: string[] = [];
  for (const node of layout.nodes) {
    const y = rowY(g, node.row) + 4;
    let x = textX;
    for (const tag of nodeTags(node, states?.[node.id])) {
      const w = tag.text.length * 6.2 + 10;
      text.push(
        `<g class="tag ${tag.kind}"><rect x="${x}" y="${y - 13}" width="${w}" height="17" rx="3"/><text x="${x + 5}" y="${y}">${escapeXml(tag.text)}</text></g>`,
      );
      x += w + 5;
    }
    const room = Math.floor((width - 230 - x) / 7);
    const message = node.message.length > room ? `${node.message.slice(0, Math.max(1, room - 1))}…` : node.message;
    text.push(
      `<text class="${node.kind === 'run' ? 'run-msg' : 'msg'}" x="${x}" y="${y}">${escapeXml(message)}</text>`,
    );
    if (node.kind === 'revision') {
      text.push(`<text class="meta" x="${width - 210}" y="${y}">${escapeXml(shortRevisionId(node.id))}</text>`);
      text.push(`<text class="meta" x="${width - 140}" y="${y}">${escapeXml(shortDate(node.createDate))}</text>`);
    }
  }
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<style>${exportStyle(theme)}</style>`,
    `<rect width="100%" height="100%" fill="${PALETTES[theme].background}"/>`,
    `<text class="title" x="12" y="20">${escapeXml(view.project)}: ${layout.nodes.filter((n) => n.kind === 'revision').length + layout.nodes.reduce((n, node) => n + (node.members?.length ?? 0), 0)} revisions</text>`,
    `<text class="subtitle" x="12" y="36">Database: ${escapeXml(view.database)}</text>`,
    `<g transform="translate(0 ${header})">`,
    laneMarkup(g, layout, layout.edges, layout.nodes, states),
    ...text,
    `</g>`,
    `</svg>`,
    '',
  ].join('\n');
}
