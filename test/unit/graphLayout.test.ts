// The revision graph's layout: lanes, rows, edge routes and collapsed runs. The geometric checks run on
// random histories (fixed seeds) with branches, merges, depends_on, missing targets and cycles.
import * as assert from 'node:assert';
import { type GraphLayout, layoutGraph } from '../../src/core/graphLayout';
import { problem } from '../../src/core/problems';
import type { RevisionSource } from '../../src/core/revisionFile';
import { RevisionMap } from '../../src/core/revisionMap';
import { edgePath, geometryFor, laneX, NODE_RADIUS, rowY } from '../../src/graph/geometry';
import { exportSvg } from '../../src/graph/graphSvg';
import { prng } from '../support/prng';

interface Spec {
  id: string;
  down?: string[];
  depends?: string[];
  labels?: string[];
  /** Minutes after an arbitrary start; the layout puts newer revisions higher. */
  at?: number;
}

function source(s: Spec, index: number): RevisionSource {
  const minutes = s.at ?? index;
  const date = new Date(Date.UTC(2024, 0, 1) + minutes * 60000).toISOString().replace('T', ' ').replace('Z', '');
  return {
    revision: s.id,
    downRevisions: s.down ?? [],
    dependsOn: s.depends ?? [],
    branchLabels: s.labels ?? [],
    message: `msg ${s.id}`,
    longdoc: `msg ${s.id}`,
    createDate: date,
    path: `/v/${s.id}.py`,
    revisionLine: 10,
    downRevisionLine: 11,
  };
}
const build = (specs: Spec[]) => new RevisionMap(specs.map(source));

function linear(n: number, prefix = 'r'): Spec[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, down: i ? [`${prefix}${i - 1}`] : [] }));
}

const node = (layout: GraphLayout, id: string) => {
  const found = layout.nodes.find((n) => n.id === id);
  assert.ok(found, `node ${id} is in the layout`);
  return found;
};
const edge = (layout: GraphLayout, from: string, to: string) => {
  const found = layout.edges.find((e) => e.from === from && e.to === to);
  assert.ok(found, `edge ${from} -> ${to} is in the layout`);
  return found;
};

/** A random history: mostly linear lines of work that fork, merge, depend on each other, and sometimes break. */
function randomHistory(seed: number, n: number, broken: boolean): Spec[] {
  const rand = prng(seed);
  const pick = (below: number, recent = 6): number =>
    Math.max(0, below - 1 - Math.floor(rand() * Math.min(below, rand() < 0.8 ? recent : below)));
  const specs: Spec[] = [];
  for (let i = 0; i < n; i++) {
    const id = `n${String(i).padStart(3, '0')}`;
    const r = rand();
    const down: string[] = [];
    if (i > 0 && r > 0.04) {
      down.push(specs[pick(i)].id);
      if (i > 2 && rand() < 0.15) {
        const other = specs[pick(i, 20)].id;
        if (!down.includes(other)) down.push(other);
      }
    }
    const spec: Spec = { id, down, at: rand() < 0.1 ? Math.floor(rand() * n) : i };
    if (i > 3 && rand() < 0.08) spec.depends = [specs[pick(i, n)].id];
    if (rand() < 0.03) spec.labels = [`label_${i}`];
    if (broken && rand() < 0.03) spec.down = [...down, `missing_${i}`];
    if (broken && rand() < 0.02) spec.depends = [...(spec.depends ?? []), `gone_${i}`];
    // A parent from the future: a cycle, or a revision hanging off one.
    if (broken && i > 5 && rand() < 0.015)
      spec.down = [`n${String(Math.min(n - 1, i + 1 + Math.floor(rand() * 5))).padStart(3, '0')}`];
    specs.push(spec);
  }
  return specs;
}

/**
 * The picture's invariants: one node per row, rows 0..n-1; each route starts at its child and ends at its
 * target; vertical runs stay in the edge's lane; no route passes through a node other than its own ends;
 * two vertical runs in one lane never overlap (they may only meet at a node of that lane).
 */
function checkGeometry(layout: GraphLayout): void {
  const byRow = new Map<number, { id: string; lane: number }>();
  const byId = new Map(layout.nodes.map((n) => [n.id, n]));
  for (const n of layout.nodes) {
    assert.ok(!byRow.has(n.row), `row ${n.row} holds one node`);
    byRow.set(n.row, n);
    assert.ok(n.lane >= 0 && n.lane < layout.mainLanes, `node ${n.id} is in a main lane`);
  }
  assert.strictEqual(layout.rows, layout.nodes.length);
  for (let r = 0; r < layout.rows; r++) assert.ok(byRow.has(r), `row ${r} is used`);

  const runs = new Map<number, Array<{ top: number; bottom: number; edge: string }>>();
  for (const e of layout.edges) {
    const name = `${e.kind} ${e.from} -> ${e.to}`;
    const from = byId.get(e.from)!;
    const at = e.jump === 'in' ? byId.get(e.to)! : from;
    assert.deepStrictEqual(
      e.route[0],
      [at.lane, at.row],
      `${name} starts at its ${e.jump === 'in' ? 'target' : 'child'}`,
    );
    assert.ok(e.lane < layout.lanes, `${name} lane is in range`);
    if (e.dangling || e.jump) {
      assert.strictEqual(e.route.length, 2, `${name} is a stub`);
      const [, end] = e.route;
      assert.ok(Math.abs(end[1] - at.row) === 0.5 && !Number.isInteger(end[0]), `${name} ends between rows and lanes`);
      if (e.dangling) assert.ok(e.problem, `${name} says what is missing`);
      continue;
    }
    const to = byId.get(e.to)!;
    assert.ok(to, `${name} target is a node`);
    assert.deepStrictEqual(e.route[e.route.length - 1], [to.lane, to.row], `${name} ends at its target`);
    for (let i = 1; i < e.route.length; i++) {
      const [l1, r1] = e.route[i - 1];
      const [l2, r2] = e.route[i];
      if (r1 === r2) {
        // A bend: only at the rows of the edge's ends, where the only node is that end.
        assert.ok(r1 === from.row || r1 === to.row, `${name} bends only at its ends' rows (row ${r1})`);
        const there = byRow.get(r1)!;
        const lo = Math.min(l1, l2);
        const hi = Math.max(l1, l2);
        if (there.lane >= lo && there.lane <= hi) {
          assert.ok(there.id === e.from || there.id === e.to, `${name} passes through ${there.id} at row ${r1}`);
        }
        continue;
      }
      assert.strictEqual(l1, l2, `${name} segment ${i} is horizontal or vertical`);
      assert.strictEqual(l1, e.lane, `${name} runs vertically in its lane`);
      const top = Math.min(r1, r2);
      const bottom = Math.max(r1, r2);
      for (let r = top; r <= bottom; r++) {
        const there = byRow.get(r)!;
        if (there.lane === l1)
          assert.ok(
            there.id === e.from || there.id === e.to,
            `${name} passes through ${there.id} (lane ${l1}, row ${r})`,
          );
      }
      const list = runs.get(l1) ?? [];
      list.push({ top, bottom, edge: name });
      runs.set(l1, list);
    }
  }
  for (const [lane, list] of runs) {
    list.sort((a, b) => a.top - b.top || a.bottom - b.bottom);
    for (let i = 1; i < list.length; i++) {
      const a = list[i - 1];
      const b = list[i];
      const touch = b.top === a.bottom && byRow.get(b.top)!.lane === lane;
      assert.ok(
        b.top > a.bottom || touch,
        `lane ${lane}: ${a.edge} (rows ${a.top}-${a.bottom}) and ${b.edge} (rows ${b.top}-${b.bottom}) overlap`,
      );
    }
  }
}

describe('graphLayout', () => {
  it('draws a linear history in one lane, newest on top', () => {
    const layout = layoutGraph(build(linear(5)), { collapseAbove: Infinity });
    assert.strictEqual(layout.lanes, 1);
    assert.strictEqual(layout.rows, 5);
    assert.deepStrictEqual(
      layout.nodes.map((n) => n.id),
      ['r4', 'r3', 'r2', 'r1', 'r0'],
    );
    assert.ok(layout.nodes.every((n) => n.lane === 0));
    assert.strictEqual(layout.edges.length, 4);
    assert.ok(layout.edges.every((e) => e.kind === 'down' && e.lane === 0 && e.route.length === 2));
    assert.ok(node(layout, 'r4').head && node(layout, 'r0').base);
    checkGeometry(layout);
  });

  it('gives a branch its own lane until it joins, and a merge joins the lanes it merges', () => {
    // a <- b <- {c1 <- c2, d1 <- d2} <- m
    const layout = layoutGraph(
      build([
        { id: 'a' },
        { id: 'b', down: ['a'] },
        { id: 'c1', down: ['b'] },
        { id: 'd1', down: ['b'] },
        { id: 'c2', down: ['c1'] },
        { id: 'd2', down: ['d1'] },
        { id: 'm', down: ['c2', 'd2'] },
      ]),
    );
    assert.strictEqual(layout.lanes, 2);
    const m = node(layout, 'm');
    assert.strictEqual(m.row, 0);
    assert.ok(m.merge);
    const toC = edge(layout, 'm', 'c2');
    const toD = edge(layout, 'm', 'd2');
    assert.strictEqual(toC.lane, m.lane, "the first parent continues the merge's lane");
    assert.notStrictEqual(toD.lane, toC.lane, 'the other parent gets a lane of its own');
    assert.deepStrictEqual(toD.route[0], [m.lane, m.row], 'both lanes leave from the merge');
    assert.strictEqual(node(layout, 'c1').lane, node(layout, 'c2').lane);
    assert.strictEqual(node(layout, 'd1').lane, node(layout, 'd2').lane, 'the branch stays in its lane');
    const b = node(layout, 'b');
    assert.ok(b.branchPoint);
    assert.deepStrictEqual(
      edge(layout, 'd1', 'b').route.at(-1),
      [b.lane, b.row],
      'the branch joins at the branch point',
    );
    checkGeometry(layout);
  });

  it('puts heads side by side and reuses a lane once its branch ended', () => {
    const layout = layoutGraph(
      build([{ id: 'a' }, { id: 'b', down: ['a'] }, { id: 'c', down: ['a'] }, { id: 'x' }, { id: 'y', down: ['x'] }]),
    );
    assert.ok(node(layout, 'b').head && node(layout, 'c').head && node(layout, 'y').head);
    assert.strictEqual(layout.mainLanes, 2, JSON.stringify(layout.nodes.map((n) => [n.id, n.row, n.lane])));
    checkGeometry(layout);
  });

  it('draws depends_on as its own kind of edge, outside the main lanes', () => {
    const layout = layoutGraph(
      build([
        { id: 'a' },
        { id: 'b', down: ['a'] },
        { id: 'x' },
        { id: 'y', down: ['x'], depends: ['b'] },
        { id: 'z', down: ['b'], depends: ['a'] },
      ]),
    );
    const dep = edge(layout, 'y', 'b');
    assert.strictEqual(dep.kind, 'depends');
    assert.ok(dep.lane >= layout.mainLanes, 'in a lane of its own');
    assert.strictEqual(layout.edges.filter((e) => e.kind === 'depends').length, 2);
    checkGeometry(layout);
  });

  it('draws a depends_on across many rows as two stubs, one at each end', () => {
    const specs = linear(12);
    specs.push({ id: 'x', down: ['r11'], depends: ['r1'] });
    const layout = layoutGraph(build(specs), { collapseAbove: Infinity, longEdgeRows: 5 });
    const stubs = layout.edges.filter((e) => e.kind === 'depends');
    assert.deepStrictEqual(
      stubs.map((e) => [e.from, e.to, e.jump]),
      [
        ['x', 'r1', 'out'],
        ['x', 'r1', 'in'],
      ],
    );
    assert.strictEqual(layout.lanes, 1, 'no lane held across the rows between');
    assert.ok(stubs[0].route[1][1] > stubs[0].route[0][1], 'the stub at the child points down, towards the target');
    assert.ok(stubs[1].route[1][1] < stubs[1].route[0][1], 'the stub at the target points up, towards the child');
    checkGeometry(layout);
    assert.strictEqual(layoutGraph(build(specs), { collapseAbove: Infinity }).lanes, 2, 'a shorter one gets a lane');
  });

  it('leaves a dangling edge for a missing target, with the problem that names it', () => {
    const map = build([{ id: 'a' }, { id: 'b', down: ['a', 'gone'] }, { id: 'c', down: ['b'], depends: ['nowhere'] }]);
    const layout = layoutGraph(map, { problems: map.problems });
    const down = edge(layout, 'b', 'gone');
    assert.ok(down.dangling && down.kind === 'down');
    assert.match(down.problem!, /'gone'/);
    const dep = edge(layout, 'c', 'nowhere');
    assert.ok(dep.dangling && dep.kind === 'depends');
    assert.ok(
      node(layout, 'b').problems.some((p) => p.code === 'missing-revision'),
      'the node carries the problem',
    );
    checkGeometry(layout);
  });

  it('flags cycle members and still routes their edges around nodes', () => {
    const map = build([
      { id: 'a' },
      { id: 'b', down: ['a'] },
      { id: 'c', down: ['e'] },
      { id: 'd', down: ['c'] },
      { id: 'e', down: ['d'] },
    ]);
    const layout = layoutGraph(map, { problems: map.problems });
    for (const id of ['c', 'd', 'e']) assert.ok(node(layout, id).cycle, `${id} is flagged`);
    assert.ok(!node(layout, 'b').cycle);
    assert.strictEqual(layout.rows, 5);
    checkGeometry(layout);
  });

  it('never routes an edge through a node (random histories, fixed seeds)', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const specs = randomHistory(seed, 40 + (seed % 7) * 30, seed % 3 === 0);
      const map = build(specs);
      for (const options of [
        { collapseAbove: Infinity },
        { collapseAbove: 3, longEdgeRows: 10 },
        { collapseAbove: 2, expandAll: true },
      ]) {
        const layout = layoutGraph(map, { problems: map.problems, ...options });
        try {
          checkGeometry(layout);
        } catch (e) {
          (e as Error).message = `seed ${seed} ${JSON.stringify(options)}: ${(e as Error).message}`;
          throw e;
        }
      }
    }
  });

  it('has a geometric check that catches an edge through a node', () => {
    const layout = layoutGraph(
      build([{ id: 'a' }, { id: 'b', down: ['a'] }, { id: 'c', down: ['a'] }, { id: 'd', down: ['b'] }]),
      { collapseAbove: Infinity },
    );
    checkGeometry(layout);
    // Reroute c -> a through the lane of a node between its ends.
    const edgeC = edge(layout, 'c', 'a');
    const c = node(layout, 'c');
    const a = node(layout, 'a');
    const between = layout.nodes.find((n) => n.row > c.row && n.row < a.row && n.lane !== edgeC.lane);
    assert.ok(between, 'a node between the ends of the edge in another lane');
    edgeC.lane = between.lane;
    edgeC.route = [
      [c.lane, c.row],
      [between.lane, c.row],
      [between.lane, a.row],
      [a.lane, a.row],
    ].filter((p, i, all) => i === 0 || p[0] !== all[i - 1][0] || p[1] !== all[i - 1][1]) as typeof edgeC.route;
    assert.throws(() => checkGeometry(layout), /passes through/);
  });

  it('is deterministic', () => {
    const specs = randomHistory(42, 200, true);
    const a = layoutGraph(build(specs), { collapseAbove: 4 });
    const b = layoutGraph(build(specs), { collapseAbove: 4 });
    assert.deepStrictEqual(a, b);
    assert.deepStrictEqual(JSON.parse(JSON.stringify(a)), a, 'plain data, as the webview receives it');
  });

  it('collapses long linear runs into one node, and expands them on request', () => {
    const map = build(linear(20));
    const collapsed = layoutGraph(map);
    assert.deepStrictEqual(
      collapsed.nodes.map((n) => n.id),
      ['r19', 'run:r1', 'r0'],
    );
    const run = node(collapsed, 'run:r1');
    assert.strictEqual(run.kind, 'run');
    assert.strictEqual(run.members!.length, 18);
    assert.strictEqual(run.members![0].id, 'r18', 'members newest first');
    assert.strictEqual(run.message, '18 revisions');
    assert.deepStrictEqual(collapsed.runs, [{ id: 'run:r1', count: 18, expanded: false }]);
    assert.deepStrictEqual(
      collapsed.edges.map((e) => `${e.from}>${e.to}`),
      ['r19>run:r1', 'run:r1>r0'],
    );
    checkGeometry(collapsed);

    const expanded = layoutGraph(map, { expanded: new Set(['run:r1']) });
    assert.strictEqual(expanded.rows, 20);
    assert.strictEqual(node(expanded, 'r5').run, 'run:r1', 'members know their run, to collapse it again');
    assert.deepStrictEqual(expanded.runs, [{ id: 'run:r1', count: 18, expanded: true }]);

    const all = layoutGraph(map, { expandAll: true });
    assert.strictEqual(all.rows, 20);
    const allButOne = layoutGraph(map, { expandAll: true, collapsed: new Set(['run:r1']) });
    assert.strictEqual(allButOne.rows, 3);
  });

  it('keeps labelled, pinned and problem revisions out of runs, and short runs expanded', () => {
    const specs = linear(30);
    specs[10].labels = ['feature'];
    const map = build(specs);
    const layout = layoutGraph(map, {
      pinned: ['r20'],
      problems: [problem('warning', 'lint', 'careful', '/v/r25.py', 3)],
    });
    // r1..r9 | r10 labelled | r11..r19 | r20 pinned | r21..r24 (4: too short) | r25 problem | r26..r28 (3)
    assert.deepStrictEqual(
      layout.runs.map((r) => [r.id, r.count]),
      [
        ['run:r11', 9],
        ['run:r1', 9],
      ],
    );
    for (const id of ['r10', 'r20', 'r25', 'r22']) assert.strictEqual(node(layout, id).kind, 'revision');
    assert.deepStrictEqual(node(layout, 'r10').labels, ['feature']);
    assert.deepStrictEqual(
      node(layout, 'r25').problems.map((p) => p.message),
      ['careful'],
    );
    checkGeometry(layout);
  });

  // Speed is the bench's job (npm run bench); this checks that a large history lays out correctly.
  it('lays out 10,000 revisions', () => {
    const specs = randomHistory(7, 10000, false);
    const map = build(specs);
    const layout = layoutGraph(map, { problems: map.problems, collapseAbove: Infinity });
    assert.strictEqual(layout.rows, 10000);
    checkGeometry(layout);
  });
});

/** Points along an SVG path made of M, L and C commands (as edgePath writes them). */
function samplePath(d: string): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  let at: [number, number] = [0, 0];
  for (const [, command, args] of d.matchAll(/([MLC])([^MLC]*)/g)) {
    const n = args.trim().split(/[ ,]+/).map(Number);
    if (command === 'M') at = [n[0], n[1]];
    else if (command === 'L') {
      for (let t = 0; t <= 1; t += 0.05) points.push([at[0] + (n[0] - at[0]) * t, at[1] + (n[1] - at[1]) * t]);
      at = [n[0], n[1]];
    } else {
      const [x1, y1, x2, y2, x, y] = n;
      for (let t = 0; t <= 1; t += 0.05) {
        const u = 1 - t;
        points.push([
          u * u * u * at[0] + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t * t * t * x,
          u * u * u * at[1] + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t * t * t * y,
        ]);
      }
      at = [x, y];
    }
  }
  return points;
}

describe('graph drawing', () => {
  it('draws no edge over a node other than its own ends (random histories, fixed seeds)', () => {
    for (let seed = 100; seed < 130; seed++) {
      const map = build(randomHistory(seed, 80, seed % 2 === 0));
      const layout = layoutGraph(map, { problems: map.problems, collapseAbove: 4, longEdgeRows: 20 });
      const g = geometryFor(layout.lanes);
      const byRow = layout.nodes;
      for (const e of layout.edges) {
        for (const [x, y] of samplePath(edgePath(g, e))) {
          const row = Math.round((y - g.rowHeight / 2) / g.rowHeight);
          const n = byRow[row];
          if (!n || n.id === e.from || n.id === e.to) continue;
          const distance = Math.hypot(x - laneX(g, n.lane), y - rowY(g, n.row));
          assert.ok(
            distance > NODE_RADIUS + 1,
            `seed ${seed}: ${e.kind} ${e.from} -> ${e.to} is drawn over ${n.id} (${distance.toFixed(1)} px)`,
          );
        }
      }
    }
  });

  it('exports every row, with its id, message and the database state', () => {
    const map = build([
      { id: 'aaaa1111', down: [] },
      { id: 'bbbb2222', down: ['aaaa1111'], labels: ['feature'] },
      { id: 'cccc3333', down: ['aaaa1111'] },
    ]);
    const layout = layoutGraph(map);
    const svg = exportSvg(
      {
        project: 'demo <&>',
        database: 'at aaaa111',
        layout,
        states: { aaaa1111: 'current', bbbb2222: 'pending', cccc3333: 'pending' },
      },
      'light',
    );
    assert.match(svg, /^<\?xml [\s\S]*<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*<\/svg>\n$/);
    assert.strictEqual(svg.match(/<g class="node /g)?.length, 3);
    for (const id of ['aaaa111', 'bbbb222', 'cccc333']) assert.ok(svg.includes(`>${id}<`), id);
    assert.ok(svg.includes('state-current') && svg.includes('@feature'));
    assert.ok(svg.includes('demo &lt;&amp;&gt;'), 'text is escaped');
  });
});
