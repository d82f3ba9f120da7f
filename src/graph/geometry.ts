// Pixel geometry of the revision graph, shared by the webview (which draws the visible rows) and the SVG
// export (which draws them all), so that both pictures are the same. No DOM, no vscode.
import type { GraphEdge } from '../core/graphLayout';

export const ROW_HEIGHT = 28;
export const NODE_RADIUS = 5;

export interface Geometry {
  rowHeight: number;
  laneWidth: number;
  /** x of lane 0. */
  left: number;
  /** Width of the lane area, where the text column starts. */
  width: number;
}

/** Lanes narrow down when there are many, so that the text keeps its room. */
export function geometryFor(lanes: number): Geometry {
  const laneWidth = Math.max(8, Math.min(18, Math.floor(300 / Math.max(1, lanes))));
  const left = 14;
  return { rowHeight: ROW_HEIGHT, laneWidth, left, width: left * 2 + Math.max(0, lanes - 1) * laneWidth };
}

export function laneX(g: Geometry, lane: number): number {
  return g.left + lane * g.laneWidth;
}

export function rowY(g: Geometry, row: number): number {
  return row * g.rowHeight + g.rowHeight / 2;
}

const round = (v: number): number => Math.round(v * 10) / 10;

/**
 * The SVG path of an edge: its lane's vertical run, with a smooth bend at either end that stays in the
 * half row next to that end (where no node is), so the drawing keeps the layout's promise that no edge
 * passes through a node.
 */
export function edgePath(g: Geometry, edge: GraphEdge): string {
  const route = edge.route;
  const [sl, sr] = route[0];
  const [el, er] = route[route.length - 1];
  const xs = round(laneX(g, sl));
  const ys = round(rowY(g, sr));
  const xe = round(laneX(g, el));
  const ye = round(rowY(g, er));
  if (edge.dangling || edge.jump || route.length < 2 || sr === er) return `M${xs} ${ys}L${xe} ${ye}`;
  const xl = round(laneX(g, edge.lane));
  const dir = ye > ys ? 1 : -1;
  const span = Math.abs(ye - ys);
  const bendTop = xs !== xl;
  const bendBottom = xe !== xl;
  // Half a row at most: the bend is over before the next row, whose nodes stay half a row away from it.
  const h = Math.min(g.rowHeight / 2, bendTop && bendBottom ? span / 2 : span);
  let d = `M${xs} ${ys}`;
  if (bendTop)
    d += `C${xs} ${round(ys + (dir * h) / 2)} ${xl} ${round(ys + (dir * h) / 2)} ${xl} ${round(ys + dir * h)}`;
  const yEndRun = bendBottom ? round(ye - dir * h) : ye;
  if (yEndRun !== round(ys + (bendTop ? dir * h : 0))) d += `L${xl} ${yEndRun}`;
  if (bendBottom) d += `C${xl} ${round(ye - (dir * h) / 2)} ${xe} ${round(ye - (dir * h) / 2)} ${xe} ${ye}`;
  return d;
}

/** Rows an edge's drawing covers (for drawing only the edges of the visible rows). */
export function edgeRows(edge: GraphEdge): [top: number, bottom: number] {
  let top = Infinity;
  let bottom = -Infinity;
  for (const [, row] of edge.route) {
    if (row < top) top = row;
    if (row > bottom) bottom = row;
  }
  return [Math.floor(top), Math.ceil(bottom)];
}

/** Short ids as Alembic users read them: the first 7 characters. */
export function shortRevisionId(id: string): string {
  return id.length > 7 ? id.slice(0, 7) : id;
}
