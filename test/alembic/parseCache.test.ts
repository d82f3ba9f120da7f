// The CLI's parse cache against the real Alembic: a cached run, an uncached run and `alembic heads`
// agree after edits that keep a file's size and put its mtime back (touch -r, cp -p over the file).
import * as assert from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir, writeProject } from '../support/tempProject';
import { CLI, PYTHON } from './harness';

/** The ids `heads` printed, sorted. */
function headIds(stdout: string): string[] {
  return (stdout.match(/^\w+/gm) ?? []).sort();
}

function run(cmd: string, args: string[], cwd: string, env: Record<string, string>): string {
  const result = spawnSync(cmd, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60000 });
  assert.strictEqual(result.status, 0, `${cmd} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}

describe('differential: the CLI parse cache never disagrees with Alembic', function () {
  this.timeout(60000);

  for (const restore of ['touch -r', 'cp -p'] as const) {
    it(`cached heads, --no-cache heads and alembic heads agree after a same-size edit restored with ${restore}`, () => {
      const dir = tempDir();
      const env = { XDG_CACHE_HOME: path.join(dir, 'xdg-cache') };
      writeProject(dir, [{ id: 'a1' }, { id: 'b1', down: 'a1' }, { id: 'c1', down: 'a1' }]);
      const c1 = path.join(dir, 'alembic', 'versions', 'c1_rev.py');
      const edited = path.join(dir, 'c1_edited.txt');
      fs.writeFileSync(edited, fs.readFileSync(c1, 'utf8').replace('down_revision = "a1"', 'down_revision = "b1"'));
      execFileSync('touch', ['-r', c1, edited]);
      // Files changed in the last 2 s are not cached (racily clean): wait, so that the cache is warm.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2100);
      const lens = (...extra: string[]) => headIds(run(process.execPath, [CLI, 'heads', ...extra], dir, env));
      assert.deepStrictEqual(lens(), ['b1', 'c1']);
      assert.ok(fs.readdirSync(path.join(env.XDG_CACHE_HOME, 'alembic-lens')).length, 'the first run wrote a cache');

      if (restore === 'cp -p') {
        execFileSync('cp', ['-p', edited, c1]);
      } else {
        fs.writeFileSync(c1, fs.readFileSync(edited));
        execFileSync('touch', ['-r', edited, c1]);
      }
      const alembic = headIds(run(PYTHON, ['-m', 'alembic', 'heads'], dir, env));
      assert.deepStrictEqual(alembic, ['c1'], 'Alembic sees the edit');
      assert.deepStrictEqual({ cached: lens(), uncached: lens('--no-cache') }, { cached: alembic, uncached: alembic });
    });
  }

  it('refuses a cache folder writable by others, says so once on stderr, and still prints the right heads', () => {
    const dir = tempDir();
    const xdg = path.join(dir, 'xdg-cache');
    fs.mkdirSync(path.join(xdg, 'alembic-lens'), { recursive: true });
    fs.chmodSync(path.join(xdg, 'alembic-lens'), 0o777);
    writeProject(dir, [{ id: 'a1' }, { id: 'b1', down: 'a1' }, { id: 'c1', down: 'a1' }]);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2100);
    const env = { ...process.env, XDG_CACHE_HOME: xdg };
    const result = spawnSync(process.execPath, [CLI, 'heads'], { cwd: dir, env, encoding: 'utf8' });
    assert.strictEqual(result.status, 0, result.stderr);
    assert.deepStrictEqual(headIds(result.stdout), headIds(run(PYTHON, ['-m', 'alembic', 'heads'], dir, {})));
    const warnings = result.stderr.split('\n').filter((line) => line.includes('cache folder'));
    assert.strictEqual(warnings.length, 1, result.stderr);
    assert.match(warnings[0], /writable by others \(mode 0777\); reading every file/);
    assert.deepStrictEqual(fs.readdirSync(path.join(xdg, 'alembic-lens')), []);
  });
});
