// Where each revision sits in the picture of the history: one row per node, newest on top, and lanes
// in the style of `git log --graph` (a linear history is one lane, a branch has its own lane until it
// joins, a merge joins the lanes it merges). Every edge is routed so that it never passes through a
// node: it bends only at the rows of its two ends and runs vertically in a lane that no node uses in
// between. Long linear runs can be collapsed into one "N revisions" node. Pure and deterministic: the
// graph webview and the SVG export draw exactly what this returns.
import { Heap } from './heap';
import type { Problem, Severity } from './problems';
import type { Revision, RevisionMap } from './revisionMap';
import { newestFirst } from './tree';

/** A point of an edge's route, in lane and row units (fractional only at the end of a dangling edge). */
export type LanePoint = [lane: number, row: number];

export interface GraphProblem {
  severity: Severity;
  code: string;
  message: string;
  line: number;
}

export interface RunMember {
  id: string;
  message: string;
  createDate?: string;
}

export interface GraphNode {
  /** The revision id, or `run:<oldest member id>` for a collapsed run. */
  id: string;
  kind: 'revision' | 'run';
  row: number;
  lane: number;
  /** The revision's message; for a run, "N revisions". */
  message: string;
  createDate?: string;
  /** Branch labels this revision declares. */
  labels: string[];
  /** For heads: the branch labels the head carries (declared here or inherited along its branch). */
  branch: string[];
  head: boolean;
  base: boolean;
  merge: boolean;
  branchPoint: boolean;
  /** In or behind a cycle: Alembic refuses to load the history. */
  cycle: boolean;
  problems: GraphProblem[];
  /** A revision inside a run that is shown expanded: the run's id (to collapse it again). */
  run?: string;
  /** A collapsed run's revisions, newest first. */
  members?: RunMember[];
}

export interface GraphEdge {
  /** Node ids: the child (the revision naming the other in down_revision or depends_on) and its target. */
  from: string;
  to: string;
  kind: 'down' | 'depends';
  /** The lane of the edge's vertical segment. */
  lane: number;
  /** [child, (bend at the child's row), (bend at the target's row), target], repeated points left out. */
  route: LanePoint[];
  /** The target is not in the history (`to` is the id as written): a short stub from the child. */
  dangling?: boolean;
  /**
   * A depends_on (or cycle) edge longer than `longEdgeRows`, drawn as two short stubs rather than a lane
   * across hundreds of rows: this edge is the stub at the child ('out') or at the target ('in').
   */
  jump?: 'out' | 'in';
  /** The problem the edge shows (a missing target), when there is one. */
  problem?: string;
}

export interface GraphRun {
  id: string;
  count: number;
  expanded: boolean;
}

export interface GraphLayout {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Lanes in all: the main lanes, then the lanes of edges that cannot run in them (depends_on, cycles). */
  lanes: number;
  mainLanes: number;
  rows: number;
  /** Every run long enough to collapse, expanded or not. */
  runs: GraphRun[];
}

export interface GraphLayoutOptions {
  /** The project's problems: they are attached to the revision of the file they are about. */
  problems?: readonly Problem[];
  /** Runs longer than this collapse into one node (default 8); Infinity collapses nothing. */
  collapseAbove?: number;
  /** Run ids shown expanded. */
  expanded?: ReadonlySet<string>;
  /** Show every run expanded except those in `collapsed`. */
  expandAll?: boolean;
  /** With expandAll: run ids still collapsed. */
  collapsed?: ReadonlySet<string>;
  /** Revision ids never hidden in a run (the database's current revisions, a revealed revision). */
  pinned?: Iterable<string>;
  /** Edges outside the main lanes that span more rows than this are drawn as two stubs (default 100). */
  longEdgeRows?: number;
}

export const DEFAULT_COLLAPSE_ABOVE = 8;
export const DEFAULT_LONG_EDGE_ROWS = 100;

interface DisplayNode {
  node: GraphNode;
  /** Targets by down_revision and by depends_on: display ids, or the id as written when it is missing. */
  parents: Array<{ id: string; missing: boolean }>;
  depends: Array<{ id: string; missing: boolean }>;
}

interface PendingEdge {
  edge: GraphEdge;
  fromRow: number;
  fromLane: number;
  toId: string;
}

export function layoutGraph(map: RevisionMap, options: GraphLayoutOptions = {}): GraphLayout {
  const order = newestFirst(map);
  const problemsByPath = groupProblems(options.problems ?? []);
  const pinned = new Set(options.pinned ?? []);
  const lookup = (id: string): Revision | undefined => map.get(id) ?? map.labels.get(id);

  // ---- runs: maximal chains of plain revisions (one parent, one child, nothing else attached)
  const plain = (rev: Revision): boolean =>
    rev.down.length === 1 &&
    rev.nextrev.length === 1 &&
    rev.allNextrev.length === 1 &&
    rev.dependencies.length === 0 &&
    rev.source.branchLabels.length === 0 &&
    !pinned.has(rev.id) &&
    !map.inCycle.has(rev.id) &&
    !problemsByPath.has(rev.source.path) &&
    rev.parents.length === 1;
  const threshold = options.collapseAbove ?? DEFAULT_COLLAPSE_ABOVE;
  const runs: GraphRun[] = [];
  const runOf = new Map<Revision, { id: string; members: Revision[]; collapsed: boolean }>();
  const chained = new Set<Revision>();
  for (const rev of order) {
    if (chained.has(rev) || !plain(rev)) continue;
    const members: Revision[] = [];
    for (let r: Revision | undefined = rev; r && plain(r) && !chained.has(r); r = r.parents[0]) {
      chained.add(r);
      members.push(r);
    }
    if (members.length <= threshold) continue;
    const id = `run:${members[members.length - 1].id}`;
    const expanded = options.expandAll ? !options.collapsed?.has(id) : !!options.expanded?.has(id);
    runs.push({ id, count: members.length, expanded });
    const run = { id, members, collapsed: !expanded };
    for (const m of members) runOf.set(m, run);
  }
  const displayId = (rev: Revision): string => {
    const run = runOf.get(rev);
    return run?.collapsed ? run.id : rev.id;
  };

  // ---- display nodes in row order
  const display: DisplayNode[] = [];
  const rowOf = new Map<string, number>();
  const target = (written: string) => {
    const rev = lookup(written);
    return rev ? { id: displayId(rev), missing: false } : { id: written, missing: true };
  };
  for (const rev of order) {
    const run = runOf.get(rev);
    if (run?.collapsed) {
      if (run.members[0] !== rev) continue;
      const bottom = run.members[run.members.length - 1];
      const node: GraphNode = {
        id: run.id,
        kind: 'run',
        row: display.length,
        lane: 0,
        message: `${run.members.length} revisions`,
        labels: [],
        branch: [],
        head: false,
        base: false,
        merge: false,
        branchPoint: false,
        cycle: false,
        problems: [],
        members: run.members.map((m) => ({ id: m.id, message: m.source.message, createDate: m.source.createDate })),
      };
      rowOf.set(node.id, node.row);
      display.push({ node, parents: [{ id: displayId(bottom.parents[0]), missing: false }], depends: [] });
      continue;
    }
    const node: GraphNode = {
      id: rev.id,
      kind: 'revision',
      row: display.length,
      lane: 0,
      message: rev.source.message,
      createDate: rev.source.createDate,
      labels: [...rev.source.branchLabels],
      branch: rev.isHead ? [...rev.branchLabels] : [],
      head: rev.isHead,
      base: rev.isBase,
      merge: rev.isMergePoint,
      branchPoint: rev.isBranchPoint,
      cycle: map.inCycle.has(rev.id),
      problems: problemsByPath.get(rev.source.path) ?? [],
    };
    if (run) node.run = run.id;
    const parents = dedupeTargets(rev.down.map(target));
    const depends = rev.dependencies.length
      ? dedupeTargets(rev.dependencies.map(target)).filter((d) => d.missing || !parents.some((p) => p.id === d.id))
      : [];
    rowOf.set(node.id, node.row);
    display.push({ node, parents, depends });
  }

  // ---- main lanes: walk the rows top-down, each lane expecting the node its edge runs to
  const slots: Array<string | null> = [];
  const expecting = new Map<string, number[]>();
  const open = new Map<number, PendingEdge>(); // lane -> the edge running in it
  const free = new Heap<number>((a, b) => a < b);
  const allocate = (): number => {
    while (free.size) {
      const lane = free.pop()!;
      if (slots[lane] === null) return lane;
    }
    slots.push(null);
    return slots.length - 1;
  };
  const reserve = (lane: number, pending: PendingEdge): void => {
    slots[lane] = pending.toId;
    open.set(lane, pending);
    const list = expecting.get(pending.toId);
    if (list) list.push(lane);
    else expecting.set(pending.toId, [lane]);
  };
  const edges: GraphEdge[] = [];
  // Stubs (dangling edges, the ends of long jumps) end half a row away and between two lanes, where
  // they cannot be taken for any other edge; several at one node fan out right, left, further right...
  const stubs = new Map<string, number>();
  const stub = (edge: GraphEdge, at: GraphNode, direction: 1 | -1): GraphEdge => {
    const index = stubs.get(at.id) ?? 0;
    stubs.set(at.id, index + 1);
    const offset = (index % 2 ? -1 : 1) * (0.5 + Math.floor(index / 2));
    edge.lane = at.lane;
    edge.route = [
      [at.lane, at.row],
      [at.lane + offset, at.row + 0.5 * direction],
    ];
    return edge;
  };
  const finished: PendingEdge[] = [];
  const outside: PendingEdge[] = []; // edges that go up or sideways in the order: routed in extra lanes

  for (const { node, parents, depends } of display) {
    const row = node.row;
    const arriving = expecting.get(node.id) ?? [];
    expecting.delete(node.id);
    // The leftmost lane that leads here continues; the others end here (a branch point).
    const lane = arriving.length ? Math.min(...arriving) : allocate();
    node.lane = lane;
    const released: number[] = [];
    for (const l of arriving) {
      finished.push(open.get(l)!);
      open.delete(l);
      slots[l] = null;
      if (l !== lane) released.push(l);
    }
    let continued = false;
    for (const parent of parents) {
      const edge: GraphEdge = { from: node.id, to: parent.id, kind: 'down', lane, route: [] };
      if (parent.missing) {
        edge.dangling = true;
        edges.push(stub(edge, node, 1));
        continue;
      }
      const pending: PendingEdge = { edge, fromRow: row, fromLane: lane, toId: parent.id };
      edges.push(edge);
      if ((rowOf.get(parent.id) ?? -1) <= row) {
        outside.push(pending);
        continue;
      }
      if (!continued) {
        continued = true;
        reserve(lane, pending);
      } else {
        edge.lane = allocate();
        reserve(edge.lane, pending);
      }
    }
    if (!continued) released.push(lane);
    for (const dep of depends) {
      const edge: GraphEdge = { from: node.id, to: dep.id, kind: 'depends', lane, route: [] };
      edges.push(edge);
      if (dep.missing) {
        edge.dangling = true;
        stub(edge, node, 1);
      } else outside.push({ edge, fromRow: row, fromLane: lane, toId: dep.id });
    }
    // Lanes that ended here are free from the next row on: reusing one on this row would draw an edge
    // that seems to run through this node.
    for (const l of released) free.push(l);
  }
  const mainLanes = slots.length;
  const nodeById = new Map(display.map((d) => [d.node.id, d.node]));
  for (const p of finished) {
    const to = nodeById.get(p.toId)!;
    p.edge.route = routeOf(p.fromLane, p.fromRow, p.edge.lane, to.lane, to.row);
  }

  // ---- extra lanes, right of the main ones: interval partitioning, so that two never overlap
  const longEdge = options.longEdgeRows ?? DEFAULT_LONG_EDGE_ROWS;
  const intervals = outside
    .map((p, index) => {
      const to = nodeById.get(p.toId)!;
      return { p, to, top: Math.min(p.fromRow, to.row), bottom: Math.max(p.fromRow, to.row), index };
    })
    .filter(({ p, to, top, bottom }) => {
      if (bottom - top <= longEdge) return true;
      const direction = to.row > p.fromRow ? 1 : -1;
      p.edge.jump = 'out';
      stub(p.edge, nodeById.get(p.edge.from)!, direction);
      const back: GraphEdge = { ...p.edge, jump: 'in', route: [] };
      edges.push(stub(back, to, direction === 1 ? -1 : 1));
      return false;
    })
    .sort((a, b) => a.top - b.top || a.bottom - b.bottom || a.index - b.index);
  const busyUntil = new Heap<number>((a, b) => a < b);
  const laneEnds: number[] = [];
  const freeExtra = new Heap<number>((a, b) => a < b);
  for (const iv of intervals) {
    // Lanes whose last edge ended above this one's top are free again.
    while (busyUntil.size && decodeEnd(busyUntil.peek()!) < iv.top) freeExtra.push(busyUntil.pop()! % LANE_BITS);
    const extra = freeExtra.size ? freeExtra.pop()! : laneEnds.length;
    laneEnds[extra] = iv.bottom;
    busyUntil.push(encodeEnd(iv.bottom, extra));
    iv.p.edge.lane = mainLanes + extra;
    iv.p.edge.route = routeOf(iv.p.fromLane, iv.p.fromRow, iv.p.edge.lane, iv.to.lane, iv.to.row);
  }

  attachEdgeProblems(edges, nodeById);
  const nodes = display.map((d) => d.node);
  return { nodes, edges, lanes: mainLanes + laneEnds.length, mainLanes, rows: nodes.length, runs };
}

/** The run that holds a revision in this layout (collapsed, or shown expanded), if any. */
export function runContaining(layout: GraphLayout, revisionId: string): string | undefined {
  for (const node of layout.nodes) {
    if (node.id === revisionId) return node.run;
    if (node.members?.some((m) => m.id === revisionId)) return node.id;
  }
  return undefined;
}

function routeOf(fromLane: number, fromRow: number, lane: number, toLane: number, toRow: number): LanePoint[] {
  const route: LanePoint[] = [[fromLane, fromRow]];
  if (lane !== fromLane) route.push([lane, fromRow]);
  if (toRow !== fromRow) route.push([lane, toRow]);
  if (toLane !== lane) route.push([toLane, toRow]);
  return route;
}

function dedupeTargets<T extends { id: string }>(targets: T[]): T[] {
  if (targets.length < 2) return targets;
  const seen = new Set<string>();
  return targets.filter((t) => {
    if (seen.has(t.id)) return false;
    seen.add(t.id);
    return true;
  });
}

function groupProblems(problems: readonly Problem[]): Map<string, GraphProblem[]> {
  const out = new Map<string, GraphProblem[]>();
  for (const p of problems) {
    const list = out.get(p.path);
    const entry: GraphProblem = { severity: p.severity, code: p.code, message: p.message, line: p.line };
    if (list) {
      if (!list.some((q) => q.code === p.code && q.message === p.message && q.line === p.line)) list.push(entry);
    } else out.set(p.path, [entry]);
  }
  return out;
}

/** A missing target's edge carries the problem that names it. */
function attachEdgeProblems(edges: GraphEdge[], nodes: Map<string, GraphNode>): void {
  for (const edge of edges) {
    if (!edge.dangling) continue;
    const problem = nodes
      .get(edge.from)
      ?.problems.find((p) => p.code === 'missing-revision' && p.message.includes(`'${edge.to}'`));
    edge.problem =
      problem?.message ??
      `${edge.kind === 'down' ? 'down_revision' : 'depends_on'} names '${edge.to}', which is not in this history.`;
  }
}

// A lane's end row and the lane in one number, so that one heap orders lanes by end row.
const LANE_BITS = 0x10000;
function encodeEnd(row: number, lane: number): number {
  return row * LANE_BITS + lane;
}
function decodeEnd(value: number): number {
  return Math.floor(value / LANE_BITS);
}
