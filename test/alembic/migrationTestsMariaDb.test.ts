// Migration tests on MySQL: a real MariaDB server (Debian's mariadb-server) started here, Alembic through
// PyMySQL. The scratch database is created on the project's server and dropped at the end; the project's
// own database is never touched, and the password is never shown.
import * as assert from 'node:assert';
import * as path from 'node:path';
import { type CliRun, runLensCli } from '../support/lensCli';
import { type MariaDbServer, startMariaDb } from '../support/mariadb';
import { FIXTURES, type Fixture, lineOf, makeFixture, revisionFile } from '../support/migrationFixtures';
import { tempDir } from '../support/tempProject';

describe('migration tests on MySQL (MariaDB)', function () {
  this.timeout(180000);
  let server: MariaDbServer;
  let base: string;

  before(async function () {
    this.timeout(120000);
    server = await startMariaDb({ password: "p@ss:w/rd'" });
    server.sql('CREATE DATABASE appdb; CREATE TABLE appdb.keep_me (id integer)');
    base = tempDir('alembic-lens-migtest-mariadb-');
  });
  after(async () => server?.stop());

  const scratchDatabases = (): string[] =>
    server.sql("SHOW DATABASES LIKE 'alembic\\_lens\\_test\\_%'").split('\n').filter(Boolean);
  const cli = async (fixture: Fixture, args: string[]): Promise<CliRun & { dir: string }> => {
    const dir = path.join(base, fixture.name);
    makeFixture(fixture, dir, server.url('appdb').replace(/%/g, '%%'));
    const run = await runLensCli(dir, args);
    assert.ok(!`${run.stdout}${run.stderr}`.includes(server.password), 'the password is never shown');
    return { ...run, dir };
  };

  it('passes the clean project on a scratch database, drops it, and leaves the project database alone', async () => {
    const run = await cli(FIXTURES.clean, ['test', '--json']);
    assert.strictEqual(run.code, 0, run.stdout + run.stderr);
    const answer = JSON.parse(run.stdout) as { results: Array<{ check: string; status: string }>; database: string };
    assert.deepStrictEqual(
      answer.results.map((r) => [r.check, r.status]),
      [
        ['single-head', 'passed'],
        ['stairway', 'passed'],
        ['stairway', 'passed'],
        ['models-match', 'passed'],
        ['downgrade-to-base', 'passed'],
      ],
    );
    assert.match(answer.database, /^MySQL alembic_lens_test_[0-9a-f]{8} on 127\.0\.0\.1:\d+$/);
    assert.deepStrictEqual(scratchDatabases(), []);
    assert.strictEqual(server.sql('SHOW TABLES FROM appdb').trim(), 'keep_me');
  });

  it('fails the stairway of a downgrade that forgets drop_table, at the downgrade, and drops the scratch database', async () => {
    const run = await cli(FIXTURES.forgotDropTable, ['test', '--check', 'stairway']);
    assert.strictEqual(run.code, 1, run.stdout + run.stderr);
    const file = revisionFile(run.dir, 'b2000000c0de');
    assert.ok(
      run.stdout.includes(
        `${path.relative(run.dir, file)}:${lineOf(file, 'def downgrade')}: error: stairway b2000000c0de: downgrade left table tags`,
      ),
      run.stdout,
    );
    assert.deepStrictEqual(scratchDatabases(), []);
  });
});
