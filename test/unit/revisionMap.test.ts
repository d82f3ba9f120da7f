// Expectations were produced by Alembic 1.8.1's own RevisionMap on the same graphs (see the
// differential tier for the randomized comparison); each case here pins one rule.
import * as assert from 'node:assert';
import { RevisionError } from '../../src/core/revisionMap';
import { buildGraph, type Spec } from '../support/revisionGraph';

const build = buildGraph;
const ids = (revs: Array<{ id: string } | null>) => revs.map((r) => (r ? r.id : null));

// a1aa <- b2bb <- c3cc <- {d4dd (feature), e5ee} <- f6ff (merge); g7gg (other) <- h8hh, which depends on b2bb
const BRANCHY: Spec[] = [
  ['a1aa', null],
  ['b2bb', 'a1aa'],
  ['c3cc', 'b2bb'],
  ['d4dd', 'c3cc', null, 'feature'],
  ['e5ee', 'c3cc'],
  ['f6ff', ['d4dd', 'e5ee']],
  ['g7gg', null, null, 'other'],
  ['h8hh', 'g7gg', 'b2bb'],
];

describe('RevisionMap', () => {
  it('finds heads, bases, branch points and merge points', () => {
    const map = build(BRANCHY);
    assert.deepStrictEqual(map.heads, ['f6ff', 'h8hh']);
    assert.deepStrictEqual(map.realHeads, ['f6ff', 'h8hh']);
    assert.deepStrictEqual(map.bases, ['a1aa', 'g7gg']);
    assert.strictEqual(map.get('c3cc')!.isBranchPoint, true);
    assert.deepStrictEqual([...map.get('c3cc')!.nextrev].sort(), ['d4dd', 'e5ee']);
    assert.strictEqual(map.get('f6ff')!.isMergePoint, true);
    assert.strictEqual(map.get('b2bb')!.isHead, false);
  });

  it('separates effective heads from real heads when depends_on points at a tip', () => {
    const map = build([
      ['a1aa', null],
      ['b2bb', null, 'a1aa'],
    ]);
    assert.deepStrictEqual(map.heads, ['a1aa', 'b2bb']);
    assert.deepStrictEqual(map.realHeads, ['b2bb']);
    assert.deepStrictEqual(map.realBases, ['a1aa']);
  });

  it('propagates branch labels to descendants, and to ancestors only along an unbranched line', () => {
    const map = build(BRANCHY);
    const labels = (id: string) => [...map.get(id)!.branchLabels].sort();
    assert.deepStrictEqual(labels('d4dd'), ['feature']);
    assert.deepStrictEqual(labels('f6ff'), ['feature']);
    assert.deepStrictEqual(labels('c3cc'), []);
    assert.deepStrictEqual(labels('h8hh'), ['other']);
    const linear = build([
      ['x1xx', null],
      ['y2yy', 'x1xx'],
      ['z3zz', 'y2yy', null, 'lbl'],
      ['w4ww', 'z3zz'],
    ]);
    for (const id of ['x1xx', 'y2yy', 'z3zz', 'w4ww'])
      assert.deepStrictEqual([...linear.get(id)!.branchLabels], ['lbl'], id);
  });

  it('orders history like Alembic: newest first, heads in load order', () => {
    assert.deepStrictEqual(ids(build(BRANCHY).walkRevisions()), [
      'f6ff',
      'd4dd',
      'e5ee',
      'h8hh',
      'g7gg',
      'c3cc',
      'b2bb',
      'a1aa',
    ]);
  });

  it('resolves identifiers as Alembic does', () => {
    const map = build(BRANCHY);
    const cases: Array<[string, Array<string | null>]> = [
      ['a1a', ['a1aa']],
      ['a1aa', ['a1aa']],
      ['heads', ['f6ff', 'h8hh']],
      ['other@head', ['h8hh']],
      ['feature@head', ['f6ff']],
      ['other@-1', ['g7gg']],
      ['feature@a1aa', ['a1aa']],
      ['base', []],
    ];
    for (const [ident, expected] of cases) assert.deepStrictEqual(ids(map.getRevisions(ident)), expected, ident);
  });

  it('raises Alembic errors for bad identifiers', () => {
    const map = build(BRANCHY);
    const fails = (ident: string, kind: string, message: RegExp) => {
      assert.throws(
        () => map.getRevisions(ident),
        (err: unknown) => err instanceof RevisionError && err.kind === kind && message.test(err.message),
        ident,
      );
    };
    fails('head', 'multiple-heads', /Multiple heads are present for given argument 'head'; f6ff, h8hh/);
    fails('zzzz', 'resolution', /No such revision or branch 'zzzz'/);
    fails('b2bb+1', 'resolution', /No such revision or branch 'b2bb\+1'/);
    fails('other@a1aa', 'resolution', /Revision a1aa is not a member of branch 'other'/);
    const twins = build([
      ['abcd1', null],
      ['abcd2', 'abcd1'],
    ]);
    assert.throws(() => twins.getRevision('abcd'), /Multiple revisions start with 'abcd': 'abcd1', 'abcd2'\.\.\./);
    assert.throws(() => twins.getRevision('ab'), /Multiple revisions start with 'ab'/);
    assert.throws(
      () => twins.getRevision('zz'),
      /No such revision or branch 'zz'; please ensure at least four characters/,
    );
  });

  it('walks relative steps for upgrade targets', () => {
    const map = build(BRANCHY);
    assert.deepStrictEqual(ids(map.iterateRevisions('b2bb+1', 'a1aa')), ['c3cc', 'b2bb']);
    assert.throws(() => map.iterateRevisions('c3cc+1', 'a1aa'), /Ambiguous walk/);
  });

  it('records problems and keeps going: missing parents, duplicates, label clashes, cycles', () => {
    const map = build([
      ['a1aa', null],
      ['b2bb', 'nope'],
      ['c3cc', 'a1aa', 'gone', 'x'],
      ['d4dd', 'a1aa', null, 'x'],
      ['e5ee', 'f6ff'],
      ['f6ff', 'e5ee'],
    ]);
    const codes = map.problems.map((p) => `${p.code}@${p.path}`);
    assert.ok(codes.includes('missing-revision@/v/b2bb.py'));
    assert.ok(codes.includes('missing-revision@/v/c3cc.py'));
    assert.ok(codes.includes('duplicate-branch-label@/v/d4dd.py'));
    assert.ok(codes.includes('cycle@/v/e5ee.py') && codes.includes('cycle@/v/f6ff.py'));
    assert.deepStrictEqual([...map.inCycle].sort(), ['e5ee', 'f6ff']);
    assert.strictEqual(map.get('b2bb')!.isBase, false);
    const dupes = build([
      ['a1aa', null],
      ['a1aa', null],
    ]);
    assert.strictEqual(dupes.problems.filter((p) => p.code === 'duplicate-revision').length, 2);
    assert.strictEqual(dupes.size, 1);
  });
});
