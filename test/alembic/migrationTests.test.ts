// Migration tests against the real thing: fixture projects with planted defects, made by the real
// Alembic (1.8.1 from Debian), run by `node dist/cli.js test` and by runMigrationTests on real SQLite
// and on a real PostgreSQL server started here. Expectations come from the fixtures' plants (which
// revision, which line), never from the code under test. Nothing may touch the project's own database.
import * as assert from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type DatabaseUrl, parseDatabaseUrl } from '../../src/core/databaseUrl';
import { runMigrationTests, withDatabase } from '../../src/core/migrationTests';
import { loadProject } from '../../src/core/project';
import { interpreterCommand } from '../../src/core/runMode';
import { type CliRun, ciEnv, runLensCli } from '../support/lensCli';
import {
  FIXTURE_PYTHON,
  FIXTURES,
  type Fixture,
  lineOf,
  makeFixture,
  revisionFile,
} from '../support/migrationFixtures';
import { type PostgresCluster, startPostgres } from '../support/postgres';
import { tempDir } from '../support/tempProject';

const ROOT = process.env.ALEMBIC_LENS_ROOT ?? path.resolve(__dirname, '../../..');
const HELPER = path.join(ROOT, 'media', 'python', 'alembic_lens_migtest.py');

const cli = (cwd: string, args: string[]): Promise<CliRun> => runLensCli(cwd, args);

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}

function scratchFolders(): string[] {
  return fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('alembic-lens-test-'));
}

describe('migration tests on SQLite (alembic-lens test)', function () {
  this.timeout(120000);
  const projects = new Map<string, string>();
  const project = (fixture: Fixture): string => {
    let dir = projects.get(fixture.name);
    if (!dir) {
      dir = path.join(tempDir('alembic-lens-migtest-'), fixture.name);
      makeFixture(fixture, dir, 'sqlite:///%(here)s/app.db');
      projects.set(fixture.name, dir);
    }
    return dir;
  };

  it('passes the clean project, leaves its own SQLite file byte for byte and removes the scratch file', async () => {
    const dir = project(FIXTURES.clean);
    const own = path.join(dir, 'app.db');
    const upgrade = await new Promise<number | null>((resolve) => {
      spawn(FIXTURE_PYTHON, ['-m', 'alembic', 'upgrade', FIXTURES.clean.revisions[0].id], {
        cwd: dir,
        env: ciEnv(),
      }).on('close', resolve);
    });
    assert.strictEqual(upgrade, 0);
    const before = sha256(own);
    const filesBefore = fs.readdirSync(dir).sort();
    const foldersBefore = scratchFolders();
    const run = await cli(dir, ['test']);
    assert.strictEqual(run.code, 0, run.stdout + run.stderr);
    assert.strictEqual(lastLine(run.stdout), 'alembic-lens test: 5 passed, 0 failed');
    assert.strictEqual(sha256(own), before, 'the project database changed');
    assert.deepStrictEqual(fs.readdirSync(dir).sort(), filesBefore, 'files appeared in the project');
    assert.deepStrictEqual(scratchFolders(), foldersBefore, 'the scratch SQLite folder was left behind');
  });

  it('fails the stairway of a downgrade that forgets drop_table, naming the table left', async () => {
    const dir = project(FIXTURES.forgotDropTable);
    const run = await cli(dir, ['test']);
    assert.strictEqual(run.code, 1, run.stdout + run.stderr);
    const file = revisionFile(dir, 'b2000000c0de');
    const failure = run.stdout.split('\n').find((l) => l.includes('stairway b2000000c0de'));
    assert.ok(failure, run.stdout);
    // At the downgrade, where the fix goes.
    assert.ok(failure.startsWith(`${path.relative(dir, file)}:${lineOf(file, 'def downgrade')}:`), failure);
    assert.match(failure, /: error: stairway b2000000c0de: .*downgrade left table tags/);
    assert.match(lastLine(run.stdout), /^alembic-lens test: \d+ passed, [1-9]\d* failed/);
  });

  it('fails the stairway of an upgrade that is not repeatable after its downgrade, naming the difference', async () => {
    const dir = project(FIXTURES.notRepeatable);
    const run = await cli(dir, ['test', '--check', 'stairway']);
    assert.strictEqual(run.code, 1, run.stdout + run.stderr);
    const file = revisionFile(dir, 'b2000000c0de');
    const failure = run.stdout.split('\n').find((l) => l.includes('stairway b2000000c0de'));
    assert.ok(failure, run.stdout);
    assert.ok(failure.startsWith(`${path.relative(dir, file)}:${lineOf(file, 'def downgrade')}:`), failure);
    assert.match(
      failure,
      /: error: stairway b2000000c0de: upgrade is not repeatable after downgrade: the second upgrade changed the nullability of column items\.sku from False to True$/,
    );
    assert.strictEqual(lastLine(run.stdout), 'alembic-lens test: 1 passed, 1 failed');
  });

  it('reports the revisions after a stairway that left the schema changed as not reached, not as failed', async () => {
    const dir = project(FIXTURES.residueBlocksLater);
    const run = await cli(dir, ['test', '--json']);
    assert.strictEqual(run.code, 1, run.stdout + run.stderr);
    const results = (JSON.parse(run.stdout) as { results: Array<Record<string, unknown>> }).results;
    const of = (check: string, revision: string | null) =>
      results.find((r) => r.check === check && r.revision === revision);
    assert.strictEqual(of('stairway', 'a1000000c0de')?.status, 'passed', run.stdout);
    assert.strictEqual(of('stairway', 'b2000000c0de')?.status, 'failed', run.stdout);
    assert.match(String(of('stairway', 'b2000000c0de')?.message), /downgrade left column items\.sku/);
    // c3 would pass on the schema b2's upgrade makes: its failure here would be b2's residue.
    const later = of('stairway', 'c3000000c0de');
    assert.strictEqual(later?.status, 'skipped', run.stdout);
    assert.match(String(later?.message), /^not reached: the stairway of b2000000c0de left the schema changed/);
    for (const check of ['models-match', 'downgrade-to-base']) {
      assert.strictEqual(of(check, null)?.status, 'skipped', run.stdout);
      assert.match(String(of(check, null)?.message), /b2000000c0de left the schema changed/);
    }
    // Run alone, on a schema only its own predecessors made, c3 passes: the skip hid no failure of its own.
    const alone = await cli(dir, ['test', '--check', 'stairway', '-r', 'c3000000c0de:head']);
    assert.strictEqual(alone.code, 0, alone.stdout + alone.stderr);
    // A downgrade that raises after a change (SQLite's DDL is not rolled back) leaves a schema changed too.
    const [first, second, third] = FIXTURES.residueBlocksLater.revisions;
    const raising = path.join(tempDir('alembic-lens-migtest-'), 'raises-midway');
    makeFixture(
      {
        ...FIXTURES.residueBlocksLater,
        revisions: [
          first,
          { ...second, downgrade: ["op.drop_index('ix_items_sku', table_name='items')", "raise RuntimeError('stop')"] },
          third,
        ],
      },
      raising,
      'sqlite:///%(here)s/app.db',
    );
    const midway = await cli(raising, ['test', '--check', 'stairway']);
    assert.strictEqual(midway.code, 1, midway.stdout + midway.stderr);
    assert.match(midway.stdout, /error: stairway b2000000c0de: downgrade of b2000000c0de raised RuntimeError: stop/);
    assert.doesNotMatch(midway.stdout, /error: stairway c3000000c0de/, 'c3 blamed for the residue of b2');
    assert.match(midway.stdout, /note: stairway c3000000c0de skipped: not reached: the stairway of b2000000c0de left/);
    assert.strictEqual(lastLine(midway.stdout), 'alembic-lens test: 1 passed, 1 failed, 1 skipped');
  });

  it('fails a downgrade that raises at the line that raises', async () => {
    const dir = project(FIXTURES.downgradeRaises);
    const run = await cli(dir, ['test', '--check', 'stairway']);
    assert.strictEqual(run.code, 1, run.stdout + run.stderr);
    const file = revisionFile(dir, 'b2000000c0de');
    const line = lineOf(file, "raise RuntimeError('cannot undo the sku column')");
    assert.ok(
      run.stdout.includes(
        `${path.relative(dir, file)}:${line}: error: stairway b2000000c0de: downgrade of b2000000c0de raised RuntimeError: cannot undo the sku column`,
      ),
      run.stdout,
    );
    assert.strictEqual(lastLine(run.stdout), 'alembic-lens test: 1 passed, 1 failed');
  });

  it('passes on SQLite the revision that only SQLite accepts (and its sqlite_sequence is no model difference)', async () => {
    const run = await cli(project(FIXTURES.sqliteOnly), ['test']);
    assert.strictEqual(run.code, 0, run.stdout + run.stderr);
    assert.strictEqual(lastLine(run.stdout), 'alembic-lens test: 5 passed, 0 failed');
  });

  it('fails models-match on a model column no revision creates', async () => {
    const dir = project(FIXTURES.modelColumnMissing);
    const run = await cli(dir, ['test', '--json']);
    assert.strictEqual(run.code, 1, run.stdout + run.stderr);
    const answer = JSON.parse(run.stdout) as { results: Array<Record<string, unknown>>; database: string };
    const models = answer.results.find((r) => r.check === 'models-match');
    assert.ok(models, run.stdout);
    assert.strictEqual(models.status, 'failed');
    assert.match(String(models.message), /add column items\.sku/);
    assert.strictEqual(models.path, path.join(dir, 'alembic', 'env.py'));
    assert.strictEqual(models.line, lineOf(path.join(dir, 'alembic', 'env.py'), 'target_metadata = Base.metadata'));
    assert.match(answer.database, /^SQLite .*alembic_lens_test_[0-9a-f]{8}\.db$/);
    for (const r of answer.results)
      assert.deepStrictEqual(Object.keys(r).sort(), ['check', 'line', 'message', 'path', 'revision', 'status']);
  });

  it('fails single-head on two heads', async () => {
    const dir = project(FIXTURES.twoHeads);
    const run = await cli(dir, ['test', '--check', 'single-head']);
    assert.strictEqual(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /: error: single-head \w+: 2 heads: /);
    assert.strictEqual(lastLine(run.stdout), 'alembic-lens test: 0 passed, 1 failed');
  });

  it('skips a revision that opts out with a comment, and says why', async () => {
    const dir = path.join(tempDir('alembic-lens-migtest-'), 'skipped');
    const [first, second] = FIXTURES.forgotDropTable.revisions;
    makeFixture(
      {
        ...FIXTURES.forgotDropTable,
        revisions: [first, { ...second, header: ['# alembic-lens: test-skip stairway: tags are kept on purpose'] }],
      },
      dir,
      'sqlite:///%(here)s/app.db',
    );
    const run = await cli(dir, ['test', '--check', 'stairway', '--json']);
    assert.strictEqual(run.code, 0, run.stdout + run.stderr);
    const results = (JSON.parse(run.stdout) as { results: Array<Record<string, unknown>> }).results;
    const skipped = results.find((r) => r.revision === 'b2000000c0de');
    assert.deepStrictEqual(
      { status: skipped?.status, message: skipped?.message },
      { status: 'skipped', message: 'tags are kept on purpose' },
    );
    const text = await cli(dir, ['test', '--check', 'stairway']);
    assert.strictEqual(lastLine(text.stdout), 'alembic-lens test: 1 passed, 0 failed, 1 skipped');
    // The text output says why, at the comment.
    const comment = revisionFile(dir, second.id);
    assert.ok(
      text.stdout.includes(
        `${path.relative(dir, comment)}:${lineOf(comment, 'test-skip stairway')}: note: stairway b2000000c0de skipped: tags are kept on purpose\n`,
      ),
      text.stdout,
    );
    const file = revisionFile(dir, first.id);
    fs.appendFileSync(file, '# alembic-lens: test-skip stairs: a typo\n');
    const typo = await cli(dir, ['test', '--check', 'stairway']);
    const line = lineOf(file, 'test-skip stairs');
    assert.ok(
      typo.stderr.includes(`${path.relative(dir, file)}:${line}: warning: test-skip names no check 'stairs'`),
      typo.stderr,
    );
  });

  it('runs only the stairway of the range given with -r', async () => {
    const run = await cli(project(FIXTURES.clean), [
      'test',
      '--check',
      'stairway',
      '-r',
      'b2000000c0de:head',
      '--json',
    ]);
    assert.strictEqual(run.code, 0, run.stdout + run.stderr);
    const revisions = (JSON.parse(run.stdout) as { results: Array<{ revision: string }> }).results.map(
      (r) => r.revision,
    );
    assert.deepStrictEqual(revisions, ['b2000000c0de']);
  });

  it('prints no summary when env.py cannot run, though single-head (which needs no database) passed', async () => {
    const dir = path.join(tempDir('alembic-lens-migtest-'), 'env-fails');
    makeFixture(FIXTURES.clean, dir, 'sqlite:///%(here)s/app.db');
    fs.rmSync(path.join(dir, 'models.py'));
    const run = await cli(dir, ['test']);
    assert.strictEqual(run.code, 2, run.stdout + run.stderr);
    assert.doesNotMatch(run.stdout, /passed/, 'a summary that reads as tests run');
    assert.match(lastLine(run.stderr), /cannot run: .*No module named 'models'/);
  });

  it('refuses, before migrating anything, a project whose env.py ignores the URL it is given', async () => {
    const dir = path.join(tempDir('alembic-lens-migtest-'), 'hardcoded');
    makeFixture(FIXTURES.clean, dir, 'sqlite:///%(here)s/app.db');
    const envPy = path.join(dir, 'alembic', 'env.py');
    const own = path.join(dir, 'own.db');
    const text = fs.readFileSync(envPy, 'utf8');
    const hardcoded = text.replace(
      /connectable = engine_from_config\(/,
      `from sqlalchemy import create_engine\n    connectable = create_engine(${JSON.stringify(`sqlite:///${own}`)})\n    _unused = dict(`,
    );
    assert.notStrictEqual(hardcoded, text);
    fs.writeFileSync(envPy, hardcoded);
    const run = await cli(dir, ['test']);
    assert.strictEqual(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stderr, /cannot run: env\.py opened the SQLite file .*own\.db, not the scratch database/);
    assert.ok(!fs.existsSync(own), 'the hard-coded database was created');
  });

  it('exits 2 with the reason when the Python has no Alembic', async () => {
    const dir = project(FIXTURES.clean);
    const venvBin = path.join(dir, '.venv', 'bin');
    fs.mkdirSync(venvBin, { recursive: true });
    // A real interpreter without Alembic: Python in isolated mode ignores site-packages.
    fs.writeFileSync(path.join(venvBin, 'python'), `#!/bin/sh\nexec ${FIXTURE_PYTHON} -I -S "$@"\n`, { mode: 0o755 });
    try {
      const run = await cli(dir, ['test']);
      assert.strictEqual(run.code, 2, run.stdout + run.stderr);
      assert.match(
        run.stderr,
        /cannot run: Alembic is not installed for .*; name a Python that has it with --python PATH/,
      );
      assert.doesNotMatch(run.stdout, /passed/, 'a run that never started prints no summary that reads as clean');
      // A skip comment is no test run: the skip it reports makes no summary either.
      const file = revisionFile(dir, FIXTURES.clean.revisions[1].id);
      const text = fs.readFileSync(file, 'utf8');
      fs.appendFileSync(file, '# alembic-lens: test-skip stairway: kept out\n');
      try {
        const skipping = await cli(dir, ['test']);
        assert.strictEqual(skipping.code, 2, skipping.stdout + skipping.stderr);
        assert.doesNotMatch(skipping.stdout, /alembic-lens test: \d+ passed/, 'a summary for a run that never started');
        assert.match(lastLine(skipping.stderr), /cannot run: Alembic is not installed/);
      } finally {
        fs.writeFileSync(file, text);
      }
      // --python names the interpreter: it wins over the project's .venv.
      const named = await cli(dir, ['test', '--check', 'single-head', '--python', FIXTURE_PYTHON]);
      assert.strictEqual(named.code, 0, named.stdout + named.stderr);
      assert.match(named.stdout, /alembic-lens test: 1 passed, 0 failed/);
    } finally {
      fs.rmSync(path.join(dir, '.venv'), { recursive: true, force: true });
    }
  });
});

describe('migration tests on PostgreSQL', function () {
  this.timeout(180000);
  let pg: PostgresCluster;
  let base: string;

  before(async () => {
    pg = await startPostgres({ password: 'p@ss:w/rd' });
    pg.sql('CREATE DATABASE appdb');
    base = tempDir('alembic-lens-migtest-pg-');
  });
  after(() => pg?.stop());

  const scratchDatabases = (): string[] =>
    pg.sql("SELECT datname FROM pg_database WHERE datname LIKE 'alembic_lens_test_%'").split('\n').filter(Boolean);
  const project = (fixture: Fixture): string => {
    const dir = path.join(base, fixture.name);
    if (!fs.existsSync(dir)) makeFixture(fixture, dir, pg.url('appdb').replace(/%/g, '%%'));
    return dir;
  };

  it('passes the clean project on a scratch database, leaves the project database alone and drops the scratch one', async () => {
    const dir = project(FIXTURES.clean);
    pg.sql('CREATE TABLE keep_me (id integer)', 'appdb');
    const run = await cli(dir, ['test', '--json']);
    assert.strictEqual(run.code, 0, run.stdout + run.stderr);
    const answer = JSON.parse(run.stdout) as { results: Array<{ status: string }>; database: string };
    assert.deepStrictEqual(
      answer.results.map((r) => r.status),
      ['passed', 'passed', 'passed', 'passed', 'passed'],
    );
    assert.match(answer.database, /^PostgreSQL alembic_lens_test_[0-9a-f]{8} on 127\.0\.0\.1:\d+$/);
    assert.ok(!run.stdout.includes(pg.password) && !run.stderr.includes(pg.password));
    assert.deepStrictEqual(scratchDatabases(), []);
    assert.strictEqual(
      pg
        .sql("SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'", 'appdb')
        .trim(),
      'keep_me',
    );
  });

  it('fails on PostgreSQL the revision that only SQLite accepts, at its line', async () => {
    const dir = project(FIXTURES.sqliteOnly);
    const run = await cli(dir, ['test', '--check', 'stairway']);
    assert.strictEqual(run.code, 1, run.stdout + run.stderr);
    const file = revisionFile(dir, 'b2000000c0de');
    const line = lineOf(file, 'AUTOINCREMENT');
    assert.ok(
      run.stdout.includes(
        `${path.relative(dir, file)}:${line}: error: stairway b2000000c0de: upgrade to b2000000c0de raised ProgrammingError:`,
      ),
      run.stdout,
    );
    assert.deepStrictEqual(scratchDatabases(), []);
  });

  it('fails the forgotten drop_table, the raising downgrade and the unrepeatable upgrade on PostgreSQL too', async () => {
    const forgot = await cli(project(FIXTURES.forgotDropTable), ['test', '--check', 'stairway']);
    assert.strictEqual(forgot.code, 1, forgot.stdout + forgot.stderr);
    assert.match(forgot.stdout, /error: stairway b2000000c0de: downgrade left table tags/);
    const raises = await cli(project(FIXTURES.downgradeRaises), ['test', '--check', 'stairway']);
    assert.strictEqual(raises.code, 1, raises.stdout + raises.stderr);
    assert.match(
      raises.stdout,
      /error: stairway b2000000c0de: downgrade of b2000000c0de raised RuntimeError: cannot undo the sku column/,
    );
    const again = await cli(project(FIXTURES.notRepeatable), ['test', '--check', 'stairway']);
    assert.strictEqual(again.code, 1, again.stdout + again.stderr);
    assert.match(again.stdout, /stairway b2000000c0de: upgrade is not repeatable after downgrade: .*items\.sku/);
    assert.deepStrictEqual(scratchDatabases(), []);
  });

  it('fails on PostgreSQL a downgrade that drops the table but leaves its enum type', async () => {
    const fixture: Fixture = {
      name: 'enum-left',
      models: ['id = Column(Integer, primary_key=True)'],
      revisions: [
        {
          id: 'a1000000c0de',
          message: 'create items with a status',
          upgrade: [
            "op.create_table('items', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('status', sa.Enum('new', 'done', name='item_status')))",
          ],
          downgrade: ["op.drop_table('items')"],
        },
      ],
    };
    const run = await cli(project(fixture), ['test', '--check', 'stairway']);
    assert.strictEqual(run.code, 1, run.stdout + run.stderr);
    assert.match(
      run.stdout,
      /error: stairway a1000000c0de: downgrade left enum item_status; upgrade again to a1000000c0de raised ProgrammingError: .*item_status.*already exists/,
    );
    assert.deepStrictEqual(scratchDatabases(), []);
  });

  it('names the scratch database in a URL SQLAlchemy reads back the same', () => {
    const url = withDatabase(
      (parseDatabaseUrl(pg.url('appdb', { driver: 'psycopg2' })) as { ok: true; url: DatabaseUrl }).url,
      'alembic_lens_test_x',
    );
    const read = spawnSync(
      FIXTURE_PYTHON,
      [
        '-c',
        'import sys; from sqlalchemy.engine import make_url; u = make_url(sys.argv[1]); print(u.drivername, u.username, u.password, u.host, u.port, u.database)',
        url,
      ],
      { encoding: 'utf8' },
    );
    assert.strictEqual(
      read.stdout.trim(),
      `postgresql+psycopg2 postgres ${pg.password} 127.0.0.1 ${pg.port} alembic_lens_test_x`,
      read.stderr,
    );
  });

  it('drops the scratch database when the run is cancelled mid-way', async () => {
    const dir = project(FIXTURES.clean);
    const abort = new AbortController();
    let seenScratch: string[] = [];
    const run = await runMigrationTests({
      project: loadProject(path.join(dir, 'alembic.ini')),
      alembicCommand: interpreterCommand(FIXTURE_PYTHON),
      helperScript: HELPER,
      server: (parseDatabaseUrl(pg.url('appdb')) as { ok: true; url: never }).url,
      env: ciEnv(),
      signal: abort.signal,
      onEvent: (event) => {
        if (event.kind === 'begin' && event.check === 'stairway' && !abort.signal.aborted) {
          seenScratch = scratchDatabases();
          abort.abort();
        }
      },
    });
    assert.strictEqual(run.fatal?.code, 'cancelled');
    assert.strictEqual(seenScratch.length, 1, 'the scratch database existed while the run went on');
    assert.deepStrictEqual(scratchDatabases(), []);
  });

  it('exits 2 when the server is unreachable, and refuses a server on another machine unless named', async () => {
    const dir = project(FIXTURES.clean);
    const down = await cli(dir, ['test', '--url', `postgresql://postgres:secret@127.0.0.1:1/x`]);
    assert.strictEqual(down.code, 2, down.stdout + down.stderr);
    assert.match(down.stderr, /cannot run: Connection refused: PostgreSQL on 127\.0\.0\.1:1/);
    const remoteDir = path.join(base, 'remote');
    makeFixture(FIXTURES.clean, remoteDir, 'postgresql://postgres:secret@db.example.com/app');
    const remote = await cli(remoteDir, ['test']);
    assert.strictEqual(remote.code, 2, remote.stdout + remote.stderr);
    assert.match(remote.stderr, /on another machine \(PostgreSQL app on db\.example\.com\).*--url/);
    assert.ok(!remote.stderr.includes('secret'));
  });
});
