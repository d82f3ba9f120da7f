// Migration tests run inside a Compose service (`alembic.command` = `docker compose exec -T backend
// alembic`), where no Docker engine runs: a fake `docker` first on PATH (test/support/fakeDocker.ts) runs
// the real Python and Alembic in a "container" that sees the project only at the Compose file's mount
// point, with none of the caller's environment. The results must be the ones a local Python gives, the
// password never on a command line, the scratch file in the mounted folder and gone afterwards, the
// scratch database dropped, a cancelled helper stopped.
import * as assert from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readComposeProject } from '../../src/core/compose';
import { parseDatabaseUrl } from '../../src/core/databaseUrl';
import { runMigrationTests, STDIN_BOOTSTRAP, testTarget } from '../../src/core/migrationTests';
import { loadProject } from '../../src/core/project';
import { type FakeDocker, makeFakeDocker } from '../support/fakeDocker';
import { ciEnv, runLensCli } from '../support/lensCli';
import { FIXTURE_PYTHON, FIXTURES, type Fixture, makeFixture } from '../support/migrationFixtures';
import { type PostgresCluster, startPostgres } from '../support/postgres';
import { tempDir } from '../support/tempProject';

const ROOT = process.env.ALEMBIC_LENS_ROOT ?? path.resolve(__dirname, '../../..');
const HELPER = path.join(ROOT, 'media', 'python', 'alembic_lens_migtest.py');
const COMMAND = ['docker', 'compose', 'exec', '-T', 'backend', 'alembic'];

interface ComposeProjectDir {
  dir: string;
  docker: FakeDocker;
  env: NodeJS.ProcessEnv;
}

/** A fixture project with a compose.yaml whose `backend` service mounts it at the fake's mount point. */
function composeProject(fixture: Fixture, url: string, moreServices = ''): ComposeProjectDir {
  const base = tempDir('alembic-lens-compose-');
  const dir = path.join(base, fixture.name);
  makeFixture(fixture, dir, url);
  const docker = makeFakeDocker(path.join(base, 'docker'), 'backend', dir);
  fs.writeFileSync(
    path.join(dir, 'compose.yaml'),
    `services:\n  backend:\n    build: .\n    volumes:\n      - ./:${docker.mountPoint}\n${moreServices}`,
  );
  return { dir, docker, env: { ...ciEnv(), PATH: docker.path(ciEnv().PATH) } };
}

function projectFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true }).map(String).sort();
}

/** A live process (a zombie left to a parent that does not reap it is not). */
function isRunning(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntil(what: string, done: () => boolean, ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('migration tests in a Compose service (fake docker, real Alembic) on SQLite', function () {
  this.timeout(120000);

  it('gives the results a local Python gives, with the helper on stdin and the scratch file in the mounted folder', async () => {
    const project = composeProject(FIXTURES.forgotDropTable, 'sqlite:///%(here)s/app.db');
    const filesBefore = projectFiles(project.dir);
    const local = await runLensCli(project.dir, ['test', '--python', FIXTURE_PYTHON], project.env);
    assert.strictEqual(local.code, 1, local.stdout + local.stderr);
    assert.strictEqual(project.docker.calls().length, 0);

    const run = await runLensCli(project.dir, ['test', '--command', COMMAND.join(' ')], project.env);
    assert.strictEqual(run.code, 1, run.stdout + run.stderr);
    assert.strictEqual(run.stdout, local.stdout, 'the container run reports what the local run reports');
    assert.match(
      run.stdout,
      /alembic\/versions\/b2000000c0de_create_tags\.py:\d+: error: stairway b2000000c0de: downgrade left table tags/,
    );

    const calls = project.docker.calls();
    assert.strictEqual(calls.length, 1, JSON.stringify(calls));
    const mount = project.docker.mountPoint;
    assert.deepStrictEqual(calls[0].argv.slice(0, 9), [
      'compose',
      'exec',
      '--workdir',
      mount,
      '-T',
      'backend',
      'python',
      '-c',
      STDIN_BOOTSTRAP,
    ]);
    assert.deepStrictEqual(calls[0].argv.slice(9, 11), ['-c', `${mount}/alembic.ini`]);
    // The scratch file as the container sees it: in the mounted project folder.
    const stdin = project.docker.stdin();
    const url = /"ALEMBIC_LENS_TEST_URL": ?"([^"]+)"/.exec(stdin)?.[1];
    assert.match(
      url ?? '',
      new RegExp(`^sqlite:///${mount}/\\.alembic-lens-test-\\w+/alembic_lens_test_[0-9a-f]{8}\\.db$`),
    );
    assert.deepStrictEqual(projectFiles(project.dir), filesBefore, 'the scratch folder or __pycache__ was left');
  });

  it('passes the clean project through the container and leaves its own SQLite file alone', async () => {
    const project = composeProject(FIXTURES.clean, 'sqlite:///%(here)s/app.db');
    const run = await runLensCli(project.dir, ['test', '--command', JSON.stringify(COMMAND), '--json'], project.env);
    assert.strictEqual(run.code, 0, run.stdout + run.stderr);
    const answer = JSON.parse(run.stdout) as { results: Array<{ status: string }>; database: string };
    assert.deepStrictEqual(
      answer.results.map((r) => r.status),
      ['passed', 'passed', 'passed', 'passed', 'passed'],
    );
    // Described as the host sees it.
    assert.ok(answer.database.startsWith(`SQLite ${path.join(project.dir, '.alembic-lens-test-')}`), answer.database);
    assert.ok(!fs.existsSync(path.join(project.dir, 'app.db')), "the project's own database was created");
  });

  it('says why it cannot run when no Compose service of that name mounts the project folder', async () => {
    const project = composeProject(FIXTURES.clean, 'sqlite:///%(here)s/app.db');
    const other = ['docker', 'compose', 'exec', '-T', 'worker', 'alembic'].join(' ');
    const run = await runLensCli(project.dir, ['test', '--command', other], project.env);
    assert.strictEqual(run.code, 2, run.stdout + run.stderr);
    assert.match(
      run.stderr,
      /cannot run: The migration tests run in the Compose service "worker" .* only when a Compose file declares that service with a volume that mounts .*: compose\.yaml has none\./,
    );
    assert.strictEqual(project.docker.calls().length, 0);
  });

  it('stops the helper when its stdin closes, as when `docker compose exec` is killed', async () => {
    // The bootstrap with a main module that would sleep for a minute.
    const dir = tempDir('alembic-lens-stdin-');
    const payload = { env: {}, modules: { sleeper: 'import time\ntime.sleep(60)\n' }, main: 'sleeper' };
    const bootstrap = fs.readFileSync(path.join(ROOT, 'media', 'python', 'alembic_lens_stdin.py'), 'utf8');
    const child = spawn(FIXTURE_PYTHON, ['-c', STDIN_BOOTSTRAP], { cwd: dir, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdin.write(`${JSON.stringify(bootstrap)}\n${JSON.stringify(payload)}\n`);
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(isRunning(child.pid!), `the helper did not start: ${stderr}`);
    const started = Date.now();
    child.stdin.end();
    assert.strictEqual(await exited, 130, stderr);
    assert.ok(Date.now() - started < 5000, 'the helper went on after its stdin closed');
  });
});

describe('migration tests in a Compose service (fake docker, real Alembic) on PostgreSQL', function () {
  this.timeout(180000);
  let pg: PostgresCluster;

  before(async () => {
    pg = await startPostgres({ password: 'p@ss:w/rd' });
    pg.sql('CREATE DATABASE appdb');
  });
  after(() => pg?.stop());

  const scratchDatabases = (): string[] =>
    pg.sql("SELECT datname FROM pg_database WHERE datname LIKE 'alembic_lens_test_%'").split('\n').filter(Boolean);
  /**
   * The project's URL names the Compose service of the database, which publishes its port on the host.
   * The fake container shares this machine's network, so that service is named `localhost`: the host
   * creates the scratch database through the published 127.0.0.1, the helper gets `localhost`.
   */
  const pgProject = (fixture: Fixture): ComposeProjectDir => {
    const url = pg.url('appdb').replace('@127.0.0.1:', '@localhost:');
    const db = `  localhost:\n    image: postgres\n    ports:\n      - "127.0.0.1:${pg.port}:${pg.port}"\n`;
    return composeProject(fixture, url.replace(/%/g, '%%'), db);
  };
  const secrets = (): string[] => [pg.password, encodeURIComponent(pg.password)];

  it('runs on a scratch database made from the host, gives the helper the URL the container reaches, never on argv', async () => {
    const project = pgProject(FIXTURES.clean);
    pg.sql('CREATE TABLE keep_me (id integer)', 'appdb');
    const run = await runLensCli(project.dir, ['test', '--command', COMMAND.join(' '), '--json'], project.env);
    assert.strictEqual(run.code, 0, run.stdout + run.stderr);
    const answer = JSON.parse(run.stdout) as { results: Array<{ status: string }>; database: string };
    assert.deepStrictEqual(
      answer.results.map((r) => r.status),
      ['passed', 'passed', 'passed', 'passed', 'passed'],
    );
    assert.match(
      answer.database,
      new RegExp(`^PostgreSQL alembic_lens_test_[0-9a-f]{8} on 127\\.0\\.0\\.1:${pg.port}$`),
    );
    const stdin = project.docker.stdin();
    const name = /alembic_lens_test_[0-9a-f]{8}/.exec(answer.database)![0];
    assert.ok(
      stdin.includes(`"postgresql://postgres:${encodeURIComponent(pg.password)}@localhost:${pg.port}/${name}"`),
      'the helper got the URL of the Compose service, with the scratch database',
    );
    for (const call of project.docker.calls())
      for (const secret of secrets()) assert.ok(!call.argv.join(' ').includes(secret), 'the password is on argv');
    for (const secret of secrets()) assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret));
    assert.deepStrictEqual(scratchDatabases(), []);
    assert.strictEqual(
      pg
        .sql("SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'", 'appdb')
        .trim(),
      'keep_me',
    );
  });

  it('reports the failure at its line through the container, on PostgreSQL', async () => {
    const project = pgProject(FIXTURES.sqliteOnly);
    const run = await runLensCli(
      project.dir,
      ['test', '--command', COMMAND.join(' '), '--check', 'stairway'],
      project.env,
    );
    assert.strictEqual(run.code, 1, run.stdout + run.stderr);
    assert.match(
      run.stdout,
      /^alembic\/versions\/b2000000c0de_raw_sqlite_table\.py:\d+: error: stairway b2000000c0de: upgrade to b2000000c0de raised ProgrammingError:/m,
    );
    assert.deepStrictEqual(scratchDatabases(), []);
  });

  it('stops the helper in the container and drops the scratch database when the run is cancelled', async () => {
    const project = pgProject(FIXTURES.clean);
    const compose = readComposeProject(project.dir, project.dir, {});
    assert.ok(compose?.ok);
    const target = testTarget({
      alembicCommand: [path.join(project.docker.binDir, 'docker'), ...COMMAND.slice(1)],
      folder: project.dir,
      compose: compose.project,
      projectUrl: pg.url('appdb').replace('@127.0.0.1:', '@localhost:'),
    });
    assert.ok(typeof target !== 'string', String(target));
    const server = parseDatabaseUrl(target.projectUrl!);
    assert.ok(server.ok);
    const abort = new AbortController();
    let seenScratch: string[] = [];
    const run = await runMigrationTests({
      project: loadProject(path.join(project.dir, 'alembic.ini')),
      alembicCommand: target.alembicCommand,
      container: target.container,
      helperScript: HELPER,
      server: server.url,
      env: project.env,
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
    const pid = project.docker.calls()[0]?.pid;
    assert.ok(pid, JSON.stringify(project.docker.calls()));
    await waitUntil('the helper in the container stopped', () => !isRunning(pid));
  });
});
