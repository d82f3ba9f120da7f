// The CLI with a script_location folder that is not where the ini says: missing (a template's placeholder
// left in, as in jupyterhub's alembic.ini), or relative to another folder than the one it runs in
// (Flask-Migrate's layout, run from the project's root).
import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir, writeProject } from '../support/tempProject';

const ROOT = process.env.ALEMBIC_LENS_ROOT ?? path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

function cli(args: string[], cwd: string) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env } });
}

describe('CLI: script_location', () => {
  it('fails the read-only commands as Alembic does when the folder does not exist', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'alembic.ini'), '[alembic]\nscript_location = {alembic_dir}\n');
    for (const command of ['heads', 'history', 'branches']) {
      const run = cli(['--no-cache', command], dir);
      const context = `${command}: exit ${run.status}\n${run.stdout}${run.stderr}`;
      assert.strictEqual(run.status, 1, context);
      assert.strictEqual(run.stdout, '', context);
      assert.strictEqual(
        run.stderr.split('\n')[0],
        "FAILED: Path doesn't exist: {alembic_dir}.  Please use the 'init' command to create a new scripts folder.",
        context,
      );
    }
    const check = cli(['--no-cache', 'check'], dir);
    assert.strictEqual(check.status, 1);
    assert.deepStrictEqual(
      check.stdout
        .trim()
        .split('\n')
        .map((line) => line.replace(/^.*\[(.*)\]$/, '$1')),
      ['missing-script-location'],
      check.stdout,
    );
  });

  it("fails without a script_location key with Alembic's line, its period included (CTFd's raw migrations/alembic.ini)", () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'alembic.ini'), '[alembic]\n# template used to generate migration files\n');
    const run = cli(['--no-cache', 'heads'], dir);
    assert.strictEqual(run.status, 1, run.stderr);
    assert.strictEqual(run.stderr.split('\n')[0], "FAILED: No 'script_location' key found in configuration.");
  });

  it('reads a relative folder beside the config when it is not in the working folder, and says so', () => {
    const dir = tempDir();
    const project = path.join(dir, 'backend');
    writeProject(project, [{ id: 'a1' }], '[alembic]\nscript_location = alembic\n');
    const run = cli(['--no-cache', '-c', 'backend/alembic.ini', 'heads'], dir);
    assert.strictEqual(run.status, 0, run.stderr);
    assert.strictEqual(run.stdout, 'a1 (head)\n');
    assert.match(
      run.stderr,
      /^alembic-lens: note: script_location .*alembic does not exist; reading .*backend.alembic beside the config file instead \(Alembic run from this folder fails: "Path doesn't exist"\)$/m,
    );
    // From the project's own folder, nothing to say.
    assert.strictEqual(cli(['--no-cache', 'heads'], project).stderr, '');
  });
});
