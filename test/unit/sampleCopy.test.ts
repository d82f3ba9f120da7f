// The tests' copy of migrations-sample holds the tracked files only: what `npm start` and an upgrade
// leave in the repo's copy (app.db, __pycache__, .venv) must not reach a test. Real git, real files.
import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { copySample, SAMPLE, trackedFiles } from '../support/sampleCopy';
import { tempDir } from '../support/tempProject';

function git(cwd: string, ...args: string[]): void {
  const identity = ['-c', 'user.name=lens', '-c', 'user.email=lens@example.invalid'];
  const ran = spawnSync('git', [...identity, ...args], { cwd, encoding: 'utf8' });
  assert.strictEqual(ran.status, 0, `git ${args.join(' ')}: ${ran.stderr}`);
}

function write(file: string, text = 'x'): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

/** Every file under `dir`, relative, sorted. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (sub: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = path.join(sub, entry.name);
      if (entry.isDirectory()) walk(rel);
      else out.push(rel);
    }
  };
  walk('');
  return out.sort();
}

/** A project as a run leaves it: tracked files plus a database, bytecode, a virtualenv and a stray file. */
function usedProject(dir: string): void {
  write(path.join(dir, '.gitignore'), 'app.db\n__pycache__/\n.venv/\n');
  write(path.join(dir, 'alembic.ini'), '[alembic]\nscript_location = alembic\n');
  write(path.join(dir, 'alembic', 'env.py'), 'import app\n');
  write(path.join(dir, 'app', 'models.py'), 'Base = None\n');
  write(path.join(dir, 'app.db'), 'SQLite format 3');
  write(path.join(dir, 'app', '__pycache__', 'models.cpython-311.pyc'));
  write(path.join(dir, '.venv', 'bin', 'python'));
}

const TRACKED = ['.gitignore', 'alembic.ini', path.join('alembic', 'env.py'), path.join('app', 'models.py')].sort();

describe('copySample: the tracked files only', () => {
  it('in a git checkout: what git ls-files lists, without app.db, __pycache__, .venv or an untracked file', () => {
    const repo = tempDir('alembic-lens-copy-');
    usedProject(repo);
    git(repo, 'init', '-q');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'sample');
    write(path.join(repo, 'alembic', 'versions', 'abc_by_hand.py'), 'revision = "abc"\n');
    const to = copySample(path.join(tempDir('alembic-lens-copy-'), 'sample'), repo);
    assert.deepStrictEqual(listFiles(to), TRACKED);
  });

  it('outside git: the same, by the names .gitignore leaves out', () => {
    const dir = tempDir('alembic-lens-copy-');
    usedProject(dir);
    assert.strictEqual(trackedFiles(dir), undefined, 'the temporary folder is not in a git checkout');
    const to = copySample(path.join(tempDir('alembic-lens-copy-'), 'sample'), dir);
    assert.deepStrictEqual(listFiles(to), TRACKED);
  });

  it("the repo's migrations-sample: exactly its tracked files", () => {
    const tracked = trackedFiles(SAMPLE);
    assert.ok(tracked?.length, `${SAMPLE} is in a git checkout with tracked files`);
    const to = copySample(path.join(tempDir('alembic-lens-copy-'), 'migrations-sample'));
    assert.deepStrictEqual(listFiles(to), tracked.map((f) => path.normalize(f)).sort());
  });
});
