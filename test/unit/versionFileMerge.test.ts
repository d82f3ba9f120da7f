// Which side's revision file a git merge keeps (the merge preview of `check --base`). The expectations
// are what `git merge` does with the same three trees; test/alembic/teams.test.ts makes the real merges.
import * as assert from 'node:assert';
import { type MergeSide, mergeVersionFiles } from '../../src/core/teams/versionFileMerge';

/** A side from `path: 'blob revision'` pairs. */
function side(files: Record<string, string>): MergeSide {
  const blobs = new Map<string, string>();
  const revisions = new Map<string, string>();
  for (const [file, value] of Object.entries(files)) {
    const [blob, revision] = value.split(' ');
    blobs.set(file, blob);
    if (revision) revisions.set(file, revision);
  }
  return { blobs, revisionOf: (file) => revisions.get(file) };
}

function merged(ours: MergeSide, theirs: MergeSide, base?: MergeSide) {
  const { files, conflicts } = mergeVersionFiles(ours, theirs, base);
  const kept = Object.fromEntries([...files].sort().map(([at, { side, file }]) => [at, `${side}:${file}`]));
  return { kept, conflicts: conflicts.sort() };
}

describe('the files a git merge of two version folders keeps', () => {
  const base = side({ 'a.py': 'A0 a', 'b.py': 'B0 b', 'c.py': 'C0 c' });

  it('a file only one side changed comes from that side; the same change on both is no conflict', () => {
    const ours = side({ 'a.py': 'A1 a', 'b.py': 'B0 b', 'c.py': 'C2 c' });
    const theirs = side({ 'a.py': 'A0 a', 'b.py': 'B1 b', 'c.py': 'C2 c' });
    assert.deepStrictEqual(merged(ours, theirs, base), {
      kept: { 'a.py': 'ours:a.py', 'b.py': 'theirs:b.py', 'c.py': 'ours:c.py' },
      conflicts: [],
    });
  });

  it('a file deleted on one side and unchanged on the other is gone; changed on the other, a conflict', () => {
    const ours = side({ 'b.py': 'B1 b', 'c.py': 'C0 c' });
    const theirs = side({ 'a.py': 'A0 a', 'c.py': 'C0 c' });
    assert.deepStrictEqual(merged(ours, theirs, base), {
      kept: { 'b.py': 'ours:b.py', 'c.py': 'ours:c.py' },
      conflicts: ['b.py'],
    });
    assert.deepStrictEqual(merged(theirs, ours, base), {
      kept: { 'b.py': 'theirs:b.py', 'c.py': 'ours:c.py' },
      conflicts: ['b.py'],
    });
  });

  it('both sides changed a file: left to a line merge (git merge-file), previewed with our version meanwhile', () => {
    const ours = side({ 'a.py': 'A1 a', 'b.py': 'B0 b', 'c.py': 'C0 c' });
    const theirs = side({ 'a.py': 'A2 a', 'b.py': 'B0 b', 'c.py': 'C0 c' });
    const result = merged(ours, theirs, base);
    assert.deepStrictEqual(result.conflicts, []);
    const { bothChanged } = mergeVersionFiles(ours, theirs, base);
    assert.deepStrictEqual(bothChanged, [{ path: 'a.py', ours: 'a.py', theirs: 'a.py', base: 'a.py' }]);
    assert.strictEqual(result.kept['a.py'], 'ours:a.py');
  });

  it('changed here and deleted there, or added on both sides differently: a conflict', () => {
    const ours = side({ 'a.py': 'A1 a', 'b.py': 'B0 b', 'c.py': 'C0 c', 'n.py': 'N1 n' });
    const theirs = side({ 'b.py': 'B0 b', 'c.py': 'C0 c', 'n.py': 'N2 n' });
    assert.deepStrictEqual(merged(ours, theirs, base).conflicts, ['a.py', 'n.py']);
    assert.deepStrictEqual(mergeVersionFiles(ours, theirs, base).bothChanged, []);
  });

  it('files added on either side are kept, each from its side', () => {
    const ours = side({ ...Object.fromEntries(base.blobs), 'x.py': 'X x' });
    const theirs = side({ 'a.py': 'A0 a', 'b.py': 'B0 b', 'c.py': 'C0 c', 'y.py': 'Y y' });
    assert.deepStrictEqual(merged(ours, theirs, base).kept, {
      'a.py': 'ours:a.py',
      'b.py': 'ours:b.py',
      'c.py': 'ours:c.py',
      'x.py': 'ours:x.py',
      'y.py': 'theirs:y.py',
    });
  });

  it("a rename on one side lands the other side's edit under the new name (found by content or revision id)", () => {
    // Pure rename here (same content), edited there.
    const pure = merged(
      side({ 'a2.py': 'A0 a', 'b.py': 'B0 b', 'c.py': 'C0 c' }),
      side({ 'a.py': 'A1 a', 'b.py': 'B0 b', 'c.py': 'C0 c' }),
      base,
    );
    assert.deepStrictEqual(pure, {
      kept: { 'a2.py': 'theirs:a.py', 'b.py': 'ours:b.py', 'c.py': 'ours:c.py' },
      conflicts: [],
    });
    // Renamed and edited there (new content, same revision id), unchanged here.
    const edited = merged(
      side({ 'a.py': 'A0 a', 'b.py': 'B0 b', 'c.py': 'C0 c' }),
      side({ 'a-new.py': 'A3 a', 'b.py': 'B0 b', 'c.py': 'C0 c' }),
      base,
    );
    assert.deepStrictEqual(edited, {
      kept: { 'a-new.py': 'theirs:a-new.py', 'b.py': 'ours:b.py', 'c.py': 'ours:c.py' },
      conflicts: [],
    });
  });

  it('without a merge base (a shallow clone) every file of either side is kept, ours first, and no conflict is claimed', () => {
    const ours = side({ 'a.py': 'A1 a', 'x.py': 'X x' });
    const theirs = side({ 'a.py': 'A2 a', 'y.py': 'Y y' });
    assert.deepStrictEqual(merged(ours, theirs), {
      kept: { 'a.py': 'ours:a.py', 'x.py': 'ours:x.py', 'y.py': 'theirs:y.py' },
      conflicts: [],
    });
  });
});
