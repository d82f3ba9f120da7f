// The revision graph webview: draws only the rows in view (plus a margin), so that a history of 10,000
// revisions scrolls as smoothly as one of ten. Lanes are SVG (markup shared with the export), the text
// of each row is HTML. Everything it does to the project goes to the extension as a message.

import type { RevisionState } from '../../core/databaseState';
import type { GraphEdge, GraphNode } from '../../core/graphLayout';
import { edgeRows, type Geometry, geometryFor } from '../geometry';
import { laneMarkup } from '../graphSvg';
import type { FromWebview, GraphView, ToWebview } from '../protocol';
import { hideMenu as hideMenuIn, menuItems, showMenu as showMenuIn } from './contextMenu';
import { rowElement, rowForKey, searchMatches } from './rows';
import { placeTooltip, tooltipLines } from './tooltip';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): Saved | undefined;
  setState(state: Saved): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** What survives the webview being hidden and shown again. */
interface Saved {
  anchor?: string;
  offset?: number;
  selected?: string[];
  query?: string;
}

const vscode = acquireVsCodeApi();
const CHUNK = 16;

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const scroller = $<HTMLDivElement>('scroller');
const spacer = $<HTMLDivElement>('spacer');
const rowsEl = $<HTMLDivElement>('rows');
const svg = document.getElementById('lanes') as unknown as SVGSVGElement;
const search = $<HTMLInputElement>('search');
const matchCount = $<HTMLSpanElement>('match-count');
const mergeButton = $<HTMLButtonElement>('merge');
const runsButton = $<HTMLButtonElement>('toggle-runs');
const jumpCurrentButton = $<HTMLButtonElement>('jump-current');
const statusEl = $<HTMLSpanElement>('status');
const legendEl = $<HTMLSpanElement>('legend');
const noticeEl = $<HTMLDivElement>('notice');
const menu = $<HTMLDivElement>('menu');
const tooltip = $<HTMLDivElement>('tooltip');

let view: GraphView | undefined;
let g: Geometry = geometryFor(1);
let nodes: GraphNode[] = [];
const byId = new Map<string, GraphNode>();
/** Revision id -> the collapsed run node that holds it. */
const memberOf = new Map<string, GraphNode>();
const outgoing = new Map<string, GraphEdge[]>();
let edgeTop = new Int32Array(0);
let edgeBottom = new Int32Array(0);
let windowStart = -1;
let windowEnd = -1;
let selected = new Set<string>();
let focused: string | undefined;
let matches: string[] = [];
let matchIndex = -1;
let pendingReveal: string | undefined;
const cycle = { current: -1, heads: -1 };
const saved: Saved = vscode.getState() ?? {};
let restored = false;

// ------------------------------------------------------------------ messages from the extension

window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
  const message = event.data;
  if (message.type === 'view') applyView(message.view, message.reveal);
  else if (message.type === 'reveal') reveal(message.id);
});

function post(message: FromWebview): void {
  vscode.postMessage(message);
}

function applyView(next: GraphView, revealId?: string): void {
  const anchor = view
    ? topAnchor()
    : restored
      ? undefined
      : saved.anchor !== undefined
        ? { id: saved.anchor, offset: saved.offset ?? 0 }
        : undefined;
  if (!view && !restored) {
    selected = new Set(saved.selected ?? []);
    search.value = saved.query ?? '';
    restored = true;
  }
  view = next;
  index(next);
  noticeEl.textContent = next.notice ?? '';
  noticeEl.hidden = !next.notice;
  g = geometryFor(next.layout.lanes);
  document.documentElement.style.setProperty('--graph-width', `${g.width}px`);
  document.documentElement.style.setProperty('--row-height', `${g.rowHeight}px`);
  spacer.style.height = `${next.layout.rows * g.rowHeight}px`;
  svg.setAttribute('width', String(g.width));
  selected = new Set([...selected].filter((id) => byId.has(id) || memberOf.has(id)));
  if (focused && !byId.has(focused)) focused = undefined;
  if (anchor) {
    const row = rowOf(anchor.id);
    if (row !== undefined) scroller.scrollTop = row * g.rowHeight + anchor.offset;
  }
  updateToolbar();
  computeMatches(false);
  render(true);
  const target = revealId ?? pendingReveal;
  pendingReveal = undefined;
  if (target) reveal(target);
  else report();
}

function index(next: GraphView): void {
  nodes = next.layout.nodes;
  byId.clear();
  memberOf.clear();
  outgoing.clear();
  for (const node of nodes) {
    byId.set(node.id, node);
    for (const m of node.members ?? []) memberOf.set(m.id, node);
  }
  const edges = next.layout.edges;
  edgeTop = new Int32Array(edges.length);
  edgeBottom = new Int32Array(edges.length);
  edges.forEach((edge, i) => {
    [edgeTop[i], edgeBottom[i]] = edgeRows(edge);
    const list = outgoing.get(edge.from);
    if (list) list.push(edge);
    else outgoing.set(edge.from, [edge]);
  });
}

/** The row of a node id, a revision hidden in a collapsed run, or an expanded run (its newest member). */
function rowOf(id: string): number | undefined {
  const node = byId.get(id) ?? memberOf.get(id);
  if (node) return node.row;
  if (id.startsWith('run:')) return nodes.find((n) => n.run === id)?.row;
  return undefined;
}

function topAnchor(): { id: string; offset: number } | undefined {
  const row = Math.floor(scroller.scrollTop / g.rowHeight);
  const node = nodes[row];
  return node ? { id: node.id, offset: scroller.scrollTop - row * g.rowHeight } : undefined;
}

// ------------------------------------------------------------------ drawing

function stateOf(id: string): RevisionState | undefined {
  return view?.states?.[id];
}

/** Draws the chunks of rows in view; nothing when they are already drawn (unless forced). */
function render(force = false): void {
  if (!view) return;
  const rows = view.layout.rows;
  const first = Math.floor(scroller.scrollTop / g.rowHeight);
  const last = Math.ceil((scroller.scrollTop + scroller.clientHeight) / g.rowHeight);
  const start = Math.max(0, Math.floor(first / CHUNK) * CHUNK - CHUNK);
  const end = Math.min(rows, Math.ceil(last / CHUNK) * CHUNK + CHUNK);
  if (!force && start === windowStart && end === windowEnd) return;
  windowStart = start;
  windowEnd = end;

  const edges: GraphEdge[] = [];
  const all = view.layout.edges;
  for (let i = 0; i < all.length; i++) if (edgeTop[i] <= end && edgeBottom[i] >= start) edges.push(all[i]);
  const height = Math.max(1, end - start) * g.rowHeight;
  svg.setAttribute('height', String(height));
  svg.setAttribute('viewBox', `0 ${start * g.rowHeight} ${g.width} ${height}`);
  svg.style.top = `${start * g.rowHeight}px`;
  svg.innerHTML = laneMarkup(g, view.layout, edges, nodes.slice(start, end), view.states, selected);

  rowsEl.style.top = `${start * g.rowHeight}px`;
  const matchSet = new Set(matches.map((id) => memberOf.get(id)?.id ?? id));
  const currentMatch = matchIndex >= 0 ? matches[matchIndex] : undefined;
  const currentMatchRow = currentMatch ? rowOf(currentMatch) : undefined;
  rowsEl.replaceChildren(
    ...nodes.slice(start, end).map((node) =>
      rowElement(node, {
        state: stateOf(node.id),
        selected: selected.has(node.id),
        focused: node.id === focused,
        match: matchSet.has(node.id),
        currentMatch: node.row === currentMatchRow,
      }),
    ),
  );
}

function updateToolbar(): void {
  if (!view) return;
  const runs = view.layout.runs;
  const collapsed = runs.filter((r) => !r.expanded).length;
  runsButton.hidden = runs.length === 0;
  runsButton.textContent = collapsed ? `Expand runs (${collapsed})` : 'Collapse runs';
  const revisions = nodes.reduce((n, node) => n + (node.kind === 'run' ? (node.members?.length ?? 0) : 1), 0);
  const heads = nodes.filter((n) => n.head).length;
  legendEl.classList.toggle('no-states', !view.states);
  statusEl.textContent = `${view.project}: ${revisions} revision${revisions === 1 ? '' : 's'}${heads > 1 ? `, ${heads} heads` : ''} · Database: ${view.database}`;
  updateMergeButton();
  updateJumpCurrentButton();
}

/** "Jump to current" only when the database stands on a revision; the tooltip says why not. */
function updateJumpCurrentButton(): void {
  const hasCurrent = !!view?.states && Object.values(view.states).includes('current');
  jumpCurrentButton.disabled = !hasCurrent;
  jumpCurrentButton.title = hasCurrent
    ? 'Scroll to the revision the database is at (again: the next one)'
    : `No revision is current: the database is ${view?.states ? 'at base' : `not read (${view?.database})`}.`;
}

function selectedHeads(): string[] {
  return [...selected].filter((id) => byId.get(id)?.head);
}

function updateMergeButton(): void {
  const heads = selectedHeads();
  mergeButton.hidden = !(view?.trusted && heads.length >= 2);
  mergeButton.textContent = `Merge ${heads.length} heads`;
}

/** Tells the extension what is drawn: the tests read it, and it proves the view arrived. */
function report(): void {
  if (!view) return;
  post({
    type: 'rendered',
    version: view.version,
    rows: view.layout.rows,
    visible: nodes.slice(Math.max(0, windowStart), Math.max(0, windowEnd)).map((n) => n.id),
    selected: [...selected],
    disabled: Array.from(document.querySelectorAll<HTMLButtonElement>('#toolbar button:disabled')).map((b) => b.id),
    legend: Array.from(legendEl.children)
      .filter((entry) => getComputedStyle(entry).display !== 'none')
      .map((entry) => entry.textContent ?? ''),
  });
}

function persist(): void {
  const anchor = topAnchor();
  vscode.setState({ anchor: anchor?.id, offset: anchor?.offset, selected: [...selected], query: search.value });
}

let scrollFrame = 0;
let persistTimer: ReturnType<typeof setTimeout> | undefined;
scroller.addEventListener('scroll', () => {
  hideMenu();
  hideTooltip();
  if (!scrollFrame) {
    scrollFrame = requestAnimationFrame(() => {
      scrollFrame = 0;
      const before = windowStart;
      render();
      if (windowStart !== before) report();
    });
  }
  clearTimeout(persistTimer);
  persistTimer = setTimeout(persist, 200);
});
new ResizeObserver(() => render()).observe(scroller);

// ------------------------------------------------------------------ selection, reveal, search

function select(ids: Iterable<string>, focus?: string): void {
  selected = new Set(ids);
  if (focus) focused = focus;
  updateMergeButton();
  render(true);
  report();
  persist();
}

/** Scrolls a node (or a revision hidden in a run, which is expanded first) into view and selects it. */
function reveal(id: string): void {
  const run = memberOf.get(id);
  if (run) {
    pendingReveal = id;
    post({ type: 'expand', runs: [run.id] });
    return;
  }
  const row = rowOf(id);
  if (row === undefined) return;
  scrollToRow(row);
  const node = nodes[row];
  select([node.id], node.id);
}

function scrollToRow(row: number): void {
  const top = row * g.rowHeight;
  const visible = top >= scroller.scrollTop && top + g.rowHeight <= scroller.scrollTop + scroller.clientHeight;
  if (!visible) scroller.scrollTop = Math.max(0, top - scroller.clientHeight / 2 + g.rowHeight / 2);
  render();
}

function computeMatches(jump: boolean): void {
  const query = search.value.trim().toLowerCase();
  const previous = matchIndex >= 0 ? matches[matchIndex] : undefined;
  matches = query ? searchMatches(nodes, query) : [];
  matchIndex = previous ? matches.indexOf(previous) : -1;
  matchCount.textContent = query
    ? matches.length
      ? `${matchIndex >= 0 ? matchIndex + 1 : 0} of ${matches.length}`
      : 'no match'
    : '';
  if (jump && matches.length) step(1);
}

function step(direction: 1 | -1): void {
  if (!matches.length) return;
  matchIndex =
    matchIndex < 0
      ? direction > 0
        ? 0
        : matches.length - 1
      : (matchIndex + direction + matches.length) % matches.length;
  matchCount.textContent = `${matchIndex + 1} of ${matches.length}`;
  reveal(matches[matchIndex]);
}

search.addEventListener('input', () => {
  computeMatches(false);
  render(true);
  persist();
});
search.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') {
    e.preventDefault();
    if (matchIndex < 0 && !matches.length) computeMatches(false);
    step(e.shiftKey ? -1 : 1);
  } else if (e.key === 'Escape') {
    search.value = '';
    computeMatches(false);
    render(true);
    scroller.focus();
  }
});

function jumpThrough(kind: 'current' | 'heads'): void {
  if (!view) return;
  const ids =
    kind === 'current'
      ? nodes.filter((n) => stateOf(n.id) === 'current').map((n) => n.id)
      : nodes.filter((n) => n.head).map((n) => n.id);
  if (!ids.length) {
    flashStatus(
      kind === 'current'
        ? view.states
          ? 'The database is at base: no revision is current.'
          : 'The database state is not known.'
        : 'No head.',
    );
    return;
  }
  cycle[kind] = (cycle[kind] + 1) % ids.length;
  reveal(ids[cycle[kind]]);
}

let statusTimer: ReturnType<typeof setTimeout> | undefined;
function flashStatus(text: string): void {
  const before = statusEl.textContent;
  statusEl.textContent = text;
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => (statusEl.textContent = before), 3000);
}

jumpCurrentButton.addEventListener('click', () => jumpThrough('current'));
$('jump-heads').addEventListener('click', () => jumpThrough('heads'));
runsButton.addEventListener('click', () =>
  post({ type: 'expandAll', expand: !!view?.layout.runs.some((r) => !r.expanded) }),
);
$('export').addEventListener('click', () => post({ type: 'export' }));
mergeButton.addEventListener('click', () => post({ type: 'merge', ids: selectedHeads() }));

// ------------------------------------------------------------------ mouse and keyboard on rows

function nodeAt(target: EventTarget | null): GraphNode | undefined {
  const row = (target as HTMLElement | null)?.closest?.('.row') as HTMLElement | null;
  return row?.dataset.id ? byId.get(row.dataset.id) : undefined;
}

rowsEl.addEventListener('click', (e) => {
  const node = nodeAt(e.target);
  if (!node) return;
  hideMenu();
  if (node.kind === 'run') {
    post({ type: 'expand', runs: [node.id] });
    return;
  }
  if (e.ctrlKey || e.metaKey) {
    const next = new Set(selected);
    if (next.has(node.id)) next.delete(node.id);
    else next.add(node.id);
    select(next, node.id);
    return;
  }
  select([node.id], node.id);
  post({ type: 'open', id: node.id });
});

rowsEl.addEventListener('contextmenu', (e) => {
  const node = nodeAt(e.target);
  if (!node) return;
  e.preventDefault();
  if (!selected.has(node.id)) select([node.id], node.id);
  showMenu(node, e.clientX, e.clientY);
});

scroller.addEventListener('keydown', (e) => {
  if (!view || !nodes.length) return;
  const current = focused ? (rowOf(focused) ?? 0) : -1;
  const target = rowForKey(e.key, current, nodes.length);
  if (target !== undefined) {
    e.preventDefault();
    const node = nodes[Math.max(0, Math.min(nodes.length - 1, target))];
    scrollToRow(node.row);
    select([node.id], node.id);
    return;
  }
  switch (e.key) {
    case 'Enter':
      if (focused) {
        const node = byId.get(focused);
        if (node?.kind === 'run') post({ type: 'expand', runs: [node.id] });
        else if (node) post({ type: 'open', id: node.id });
      }
      break;
    case 'ContextMenu':
    case 'F10':
      if ((e.key === 'ContextMenu' || e.shiftKey) && focused && byId.has(focused)) {
        e.preventDefault();
        const row = rowsEl.querySelector(`.row[data-id="${CSS.escape(focused)}"]`)?.getBoundingClientRect();
        showMenu(byId.get(focused)!, (row?.left ?? 0) + g.width + 40, row?.bottom ?? 0);
      }
      break;
  }
});

document.addEventListener('keydown', (e) => {
  if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'f') {
    e.preventDefault();
    search.focus();
    search.select();
  } else if (e.key === 'Escape') hideMenu();
});

// ------------------------------------------------------------------ context menu

function showMenu(node: GraphNode, x: number, y: number): void {
  hideTooltip();
  const items = menuItems(node, {
    state: stateOf(node.id),
    trusted: !!view?.trusted,
    selectedHeads: selectedHeads(),
    post,
  });
  showMenuIn(menu, items, x, y, () => scroller.focus());
}

function hideMenu(): void {
  hideMenuIn(menu);
}

document.addEventListener('mousedown', (e) => {
  if (!menu.contains(e.target as Node)) hideMenu();
});
window.addEventListener('blur', hideMenu);

// ------------------------------------------------------------------ tooltip

let tooltipTimer: ReturnType<typeof setTimeout> | undefined;
let tooltipFor: string | undefined;

rowsEl.addEventListener('mousemove', (e) => {
  const node = nodeAt(e.target);
  if (node?.id === tooltipFor) return;
  hideTooltip();
  if (!node || !menu.hidden) return;
  tooltipFor = node.id;
  const { clientX, clientY } = e;
  tooltipTimer = setTimeout(() => showTooltip(node, clientX, clientY), 450);
});
rowsEl.addEventListener('mouseleave', hideTooltip);

function showTooltip(node: GraphNode, x: number, y: number): void {
  placeTooltip(tooltip, tooltipLines(node, stateOf(node.id), outgoing.get(node.id) ?? []), x, y);
}

function hideTooltip(): void {
  clearTimeout(tooltipTimer);
  tooltipFor = undefined;
  if (!tooltip.hidden) tooltip.hidden = true;
}

post({ type: 'ready' });
