// What `alembic downgrade` / `upgrade` / `stamp` do from a given version table. Expectations were
// produced by Alembic 1.8.1 on the same graphs (RevisionMap.iterate_revisions, real `alembic stamp`);
// the differential tier (test/alembic/migrationPlan.test.ts) checks the same functions against real
// runs on SQLite.
import * as assert from 'node:assert';
import { databaseState, revisionState } from '../../src/core/databaseState';
import { downgradeOneTarget, downgradePlan, stampResult, upgradePlan } from '../../src/core/migrationPlan';
import { buildGraph, type Spec } from '../support/revisionGraph';

const build = buildGraph;
const ids = (revs: Array<{ id: string }>) => revs.map((r) => r.id);

// aa <- {b1, c1} <- mm (merge); aa <- xx (another branch)
const MERGE_AND_BRANCH: Spec[] = [
  ['aa', null],
  ['b1', 'aa'],
  ['c1', 'aa'],
  ['mm', ['b1', 'c1']],
  ['xx', 'aa'],
];

describe('migration plans (what Alembic runs)', () => {
  it('issue 9: Downgrade One from a merge point with several current revisions picks a target Alembic accepts', () => {
    const map = build(MERGE_AND_BRANCH);
    // What the command used to send: Alembic's walk down from a merge point is ambiguous.
    assert.throws(() => downgradePlan(map, ['mm', 'xx'], 'mm-1'), /Ambiguous walk/);
    const one = downgradeOneTarget(map, ['mm', 'xx'], map.get('mm')!);
    assert.ok(!(one instanceof Error), `a target: ${String(one)}`);
    assert.strictEqual(one.argument, 'mm@b1');
    assert.deepStrictEqual(ids(one.reverted), ['mm']);
    assert.deepStrictEqual(ids(downgradePlan(map, ['mm', 'xx'], one.argument).revisions), ['mm']);
  });

  it('issue 9: Downgrade One of the other current revision reverts it alone (`xx-1` would revert four)', () => {
    const map = build(MERGE_AND_BRANCH);
    assert.deepStrictEqual(ids(downgradePlan(map, ['mm', 'xx'], 'xx-1').revisions), ['mm', 'b1', 'xx', 'c1']);
    const one = downgradeOneTarget(map, ['mm', 'xx'], map.get('xx')!);
    assert.ok(!(one instanceof Error));
    assert.strictEqual(one.argument, 'xx@aa');
    assert.deepStrictEqual(ids(one.reverted), ['xx']);
  });

  it('Downgrade One with one current revision sends `-1`, or a parent from a merge point', () => {
    const map = build(MERGE_AND_BRANCH);
    const linear = downgradeOneTarget(map, ['xx'], map.get('xx')!);
    assert.ok(!(linear instanceof Error));
    assert.deepStrictEqual([linear.argument, ids(linear.reverted)], ['-1', ['xx']]);
    const merge = downgradeOneTarget(map, ['mm'], map.get('mm')!);
    assert.ok(!(merge instanceof Error));
    assert.deepStrictEqual([merge.argument, ids(merge.reverted)], ['mm@b1', ['mm']]);
    const single = build([['aa', null]]);
    const base = downgradeOneTarget(single, ['aa'], single.get('aa')!);
    assert.ok(!(base instanceof Error));
    assert.deepStrictEqual(ids(base.reverted), ['aa']);
  });

  it('issue 10: a downgrade to aa reverts only what stands on aa by down_revision, not what depends on it', () => {
    const map = build([
      ['aa', null],
      ['mm', 'aa'],
      ['tt', null, 'aa'],
    ]);
    assert.deepStrictEqual(ids(downgradePlan(map, ['mm', 'tt'], 'aa').revisions), ['mm']);
  });

  it('refuses what Alembic refuses, with its words', () => {
    const map = build(MERGE_AND_BRANCH);
    assert.throws(
      () => downgradePlan(map, ['xx'], 'b1'),
      /Destination b1 is not a valid downgrade target from current head\(s\)/,
    );
    assert.throws(() => downgradePlan(map, ['xx'], 'zzzz'), /Can't locate revision identified by 'zzzz'/);
    assert.throws(() => downgradePlan(map, ['xx'], '+1'), /Relative revision \+1 didn't produce 1 migrations/);
    assert.throws(() => downgradePlan(map, ['xx'], 'aa:xx'), /Range revision not allowed/);
    assert.deepStrictEqual(ids(downgradePlan(map, [], 'base').revisions), []);
  });

  it('upgrades from several current revisions apply what the target needs, oldest first', () => {
    const map = build(MERGE_AND_BRANCH);
    assert.deepStrictEqual(ids(upgradePlan(map, ['b1', 'xx'], 'mm').revisions), ['c1', 'mm']);
    assert.deepStrictEqual(ids(upgradePlan(map, [], 'heads').revisions).sort(), ['aa', 'b1', 'c1', 'mm', 'xx']);
    assert.throws(() => upgradePlan(map, ['b1', 'xx'], '+1'), /Ambiguous upgrade from multiple current revisions/);
  });

  it('a stamp keeps the current revisions of other lines, and drops what shares a line through depends_on', () => {
    const map = build(MERGE_AND_BRANCH);
    const stamp = (rows: string[], dest: string) => stampResult(map, rows, [dest]).sort();
    assert.deepStrictEqual(stamp(['b1', 'xx'], 'mm'), ['mm', 'xx']);
    assert.deepStrictEqual(stamp(['b1', 'xx'], 'base'), []);
    assert.deepStrictEqual(stamp(['b1', 'xx'], 'c1'), ['b1', 'c1', 'xx']);
    const dependent = build([
      ['aa', null],
      ['mm', 'aa'],
      ['tt', null, 'aa'],
    ]);
    assert.deepStrictEqual(stampResult(dependent, ['mm', 'tt'], ['aa']), ['aa']);
  });
});

describe('database state: applied, pending, undetermined', () => {
  it('behind the heads: the rest is pending', () => {
    const map = build(MERGE_AND_BRANCH);
    const state = databaseState(map, ['b1']);
    assert.deepStrictEqual(ids([...state.applied]).sort(), ['aa', 'b1']);
    assert.deepStrictEqual(ids(state.pending).sort(), ['c1', 'mm', 'xx']);
    assert.deepStrictEqual(state.undetermined, []);
    assert.strictEqual(revisionState(state, map.get('xx')!), 'pending');
  });

  it('at a revision this history lacks (a branch switch): nothing is called pending, the rest is undetermined', () => {
    const map = build(MERGE_AND_BRANCH);
    // The database is at zz, another branch's revision on aa: aa is applied, but nothing here says so.
    const state = databaseState(map, ['zz']);
    assert.deepStrictEqual(state.pending, []);
    assert.deepStrictEqual(ids(state.undetermined).sort(), ['aa', 'b1', 'c1', 'mm', 'xx']);
    assert.strictEqual(revisionState(state, map.get('aa')!), 'undetermined');
    // A known row still tells what is under it.
    const mixed = databaseState(map, ['b1', 'zz']);
    assert.deepStrictEqual(
      [revisionState(mixed, map.get('b1')!), revisionState(mixed, map.get('aa')!)],
      ['current', 'applied'],
    );
    assert.deepStrictEqual(ids(mixed.undetermined).sort(), ['c1', 'mm', 'xx']);
    assert.deepStrictEqual(mixed.pending, []);
  });
});
