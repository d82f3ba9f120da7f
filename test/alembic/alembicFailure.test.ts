// When `alembic current` fails, what really failed, read from the real Alembic's output: a module the
// project's Python lacks, an invalid URL, env.py raising, or the database not answering. Only the
// last one may be called "unreachable" (and "refused" when the server said no to the login); no message
// shows the password.
import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { classifyAlembicFailure } from '../../src/core/alembicOutput';
import { freePort, startPostgres } from '../support/postgres';
import { tempDir } from '../support/tempProject';

const PYTHON = process.env.ALEMBIC_LENS_PYTHON ?? '/usr/bin/python3';

/** A project from Alembic's generic template, its URL and env.py adjusted; `alembic current` run in it. */
function alembicCurrent(url: string, envPyPrefix = ''): { output: string; exitCode: number } {
  const dir = tempDir('alembic-lens-failure-');
  const env = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
  const init = spawnSync(PYTHON, ['-m', 'alembic', 'init', '-t', 'generic', 'migrations'], {
    cwd: dir,
    env,
    encoding: 'utf8' as const,
  });
  assert.strictEqual(init.status, 0, init.stderr);
  const ini = path.join(dir, 'alembic.ini');
  const iniText = fs.readFileSync(ini, 'utf8');
  fs.writeFileSync(ini, iniText.replace(/^sqlalchemy\.url = .*$/m, `sqlalchemy.url = ${url.replace(/%/g, '%%')}`));
  const envPy = path.join(dir, 'migrations', 'env.py');
  fs.writeFileSync(envPy, envPyPrefix + fs.readFileSync(envPy, 'utf8'));
  const run = spawnSync(PYTHON, ['-m', 'alembic', 'current'], { cwd: dir, env, encoding: 'utf8', timeout: 60000 });
  assert.notStrictEqual(run.status, 0, `alembic current was expected to fail:\n${run.stdout}${run.stderr}`);
  return { output: `${run.stdout}${run.stderr}`, exitCode: run.status ?? -1 };
}

describe('alembic current failures, classified from the real output', function () {
  this.timeout(60000);

  it('env.py imports a module the Python lacks: "no module sqlmodel", with the fix; not "unreachable"', () => {
    const run = alembicCurrent('sqlite:///app.db', 'import sqlmodel\n');
    const failure = classifyAlembicFailure(run.output, run.exitCode);
    assert.strictEqual(failure.kind, 'unreadable', JSON.stringify(failure));
    assert.strictEqual(failure.message, "the project's Python has no module sqlmodel");
    assert.match(failure.fix ?? '', /interpreter/);
    assert.match(failure.fix ?? '', /pip install sqlmodel/);
  });

  it('a dotted module: names the package to install', () => {
    const run = alembicCurrent('sqlite:///app.db', 'from pydantic_settings_missing.sources import x\n');
    const failure = classifyAlembicFailure(run.output, run.exitCode);
    assert.strictEqual(failure.kind, 'unreadable');
    assert.strictEqual(failure.message, "the project's Python has no module pydantic_settings_missing");
  });

  it('env.py raising (a KeyError for an unset variable): says env.py failed, at which line', () => {
    const run = alembicCurrent('sqlite:///app.db', 'import os\nos.environ["LENS_UNSET_VARIABLE"]\n');
    const failure = classifyAlembicFailure(run.output, run.exitCode);
    assert.strictEqual(failure.kind, 'unreadable');
    assert.strictEqual(failure.message, "env.py failed (line 2): KeyError: 'LENS_UNSET_VARIABLE'");
  });

  it('an invalid URL (bad port, a password with a space): the URL is named invalid, the password never shown', () => {
    const run = alembicCurrent('postgresql://u:my secret@127.0.0.1:5432x/db');
    const failure = classifyAlembicFailure(run.output, run.exitCode);
    assert.strictEqual(failure.kind, 'unreadable', JSON.stringify(failure));
    assert.match(failure.message, /database URL is not valid/);
    assert.ok(!JSON.stringify(failure).includes('secret'), JSON.stringify(failure));
  });

  it('the server refusing connections: "unreachable", with the driver\'s reason, no password', async () => {
    const port = await freePort();
    const run = alembicCurrent(`postgresql://lens:Pa55w0rd@127.0.0.1:${port}/app`);
    const failure = classifyAlembicFailure(run.output, run.exitCode);
    assert.strictEqual(failure.kind, 'unreachable', JSON.stringify(failure));
    assert.match(failure.message, /Connection refused/);
    assert.strictEqual(failure.refused, undefined, 'nobody answered: no login was refused');
    assert.ok(!JSON.stringify(failure).includes('Pa55w0rd'));
  });

  it('the server refusing the login (a wrong password): "unreachable" and refused, no password', async () => {
    const pg = await startPostgres({ password: 'r1ght' });
    try {
      const run = alembicCurrent(pg.url('postgres', { password: 'Wr0ngPa55', driver: 'psycopg2' }));
      const failure = classifyAlembicFailure(run.output, run.exitCode);
      assert.deepStrictEqual([failure.kind, failure.refused], ['unreachable', true], JSON.stringify(failure));
      assert.match(failure.message, /password authentication failed/);
      assert.ok(!JSON.stringify(failure).includes('Wr0ngPa55'));
    } finally {
      pg.stop();
    }
  });
});
