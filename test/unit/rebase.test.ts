// The "rebase onto the base's head" fix: the line edits, and on a real git repository that the fixed
// branch merges into main with one head.
import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadProject } from '../../src/core/project';
import { readRevisionFile } from '../../src/core/revisionFile';
import { compareWithBase } from '../../src/core/teams/baseComparison';
import { type LineEdit, rebaseEdits } from '../../src/core/teams/rebase';
import { commitAll, git } from '../support/gitRepo';
import { revisionText, tempDir, writeProject } from '../support/tempProject';

const ROOT = process.env.ALEMBIC_LENS_ROOT ?? path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

function applied(text: string, edits: LineEdit[]): string {
  const lines = text.split('\n');
  for (const edit of edits) lines[edit.line - 1] = edit.text;
  return lines.join('\n');
}

function edited(text: string, target: string): string | undefined {
  const source = readRevisionFile('/p/versions/f1.py', text).source!;
  const edits = rebaseEdits(text, source, target);
  return edits && applied(text, edits);
}

describe('rebase onto the base head', () => {
  it('rewrites down_revision and the Revises: header, keeping quotes, annotations and comments', () => {
    const text = revisionText({ id: 'f1', down: 'a1', message: 'add sku' });
    const out = edited(text, 'm1')!;
    assert.deepStrictEqual(
      out.split('\n').filter((l, i) => l !== text.split('\n')[i]),
      ['Revises: m1', 'down_revision = "m1"'],
    );
    const annotated = "revision: str = 'f1'\ndown_revision: Union[str, None] = 'a1'  # parent\n";
    assert.strictEqual(
      edited(annotated, 'm1'),
      "revision: str = 'f1'\ndown_revision: Union[str, None] = 'm1'  # parent\n",
    );
  });

  it('offers no edit for a merge revision or a value it cannot rewrite in place', () => {
    assert.strictEqual(edited(revisionText({ id: 'f1', down: ['a1', 'b1'] }), 'm1'), undefined);
    assert.strictEqual(edited("revision = 'f1'\ndown_revision = (\n    'a1'\n)\n", 'm1'), undefined);
    assert.strictEqual(edited("revision = 'f1'\ndown_revision = None\n", 'm1'), undefined);
  });

  it('on a real repository: the fixed branch merges into main with one head', async () => {
    const dir = tempDir('alembic-lens-rebase-');
    const ini = writeProject(dir, [{ id: 'a0' }, { id: 'a1', down: 'a0' }]);
    const versions = path.join(dir, 'alembic', 'versions');
    git(dir, 'init', '-q');
    commitAll(dir, 'history');
    git(dir, 'checkout', '-q', '-b', 'feature');
    fs.writeFileSync(path.join(versions, 'f1_rev.py'), revisionText({ id: 'f1', down: 'a1', message: 'add sku' }));
    commitAll(dir, 'add sku');
    git(dir, 'checkout', '-q', 'main');
    fs.writeFileSync(path.join(versions, 'm1_rev.py'), revisionText({ id: 'm1', down: 'a1', message: 'add price' }));
    commitAll(dir, 'add price');
    git(dir, 'checkout', '-q', 'feature');

    const project = loadProject(ini);
    const comparison = await compareWithBase(project, 'main');
    assert.strictEqual(comparison.rebaseTarget, 'm1');
    const [problem] = comparison.problems;
    assert.strictEqual(problem.code, 'merge-heads');
    const source = project.graph.get('f1')!.source;
    assert.strictEqual(problem.line, source.downRevisionLine);
    const file = path.join(versions, 'f1_rev.py');
    fs.writeFileSync(
      file,
      applied(fs.readFileSync(file, 'utf8'), rebaseEdits(fs.readFileSync(file, 'utf8'), source, 'm1')!),
    );
    commitAll(dir, 'rebase onto main');
    assert.deepStrictEqual((await compareWithBase(loadProject(ini), 'main')).problems, []);
    git(dir, 'merge', '-q', '--no-edit', 'main');
    const run = spawnSync(process.execPath, [CLI, 'heads'], { cwd: dir, encoding: 'utf8' });
    assert.strictEqual(run.stdout, 'f1 (head)\n');
    const check = spawnSync(process.execPath, [CLI, 'check', '--base', 'main'], { cwd: dir, encoding: 'utf8' });
    assert.strictEqual(check.status, 0, check.stdout + check.stderr);
  });
});
