// `alembic-lens status` against databases the real Alembic migrated: SQLite (the sample's own
// env.py URL, .env, --url) and the throwaway PostgreSQL server. Its answer must match `alembic
// current`, its exit code the state, and no output may hold the password.
import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type PostgresCluster, startPostgres } from '../support/postgres';
import { revisionText, tempDir } from '../support/tempProject';
import { CLI } from './harness';

const ROOT = process.env.ALEMBIC_LENS_ROOT ?? path.resolve(__dirname, '../../..');
const PYTHON = process.env.ALEMBIC_LENS_PYTHON ?? '/usr/bin/python3';
const FIRST = '13c9c7d2277c';
const HEAD = '92404fb3f98d';

/** The environment without anything that would pick a database. */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(DATABASE_URL|PG)/i.test(k)) env[k] = v;
  return { ...env, PYTHONDONTWRITEBYTECODE: '1', ...extra };
}

function alembic(project: string, args: string[], env: Record<string, string> = {}): string {
  const options = { cwd: project, env: cleanEnv(env), encoding: 'utf8' as const, timeout: 60000 };
  const run = spawnSync(PYTHON, ['-m', 'alembic', ...args], options);
  assert.strictEqual(run.status, 0, `alembic ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

interface StatusJson {
  database: string | null;
  source: string | null;
  urlSource: unknown;
  state: string;
  current: string[];
  pending: string[] | null;
  unknown: string[];
  undetermined: string[];
  message: string;
}

interface StatusRun {
  code: number;
  out: string;
  err: string;
  json?: StatusJson;
}

function status(project: string, args: string[], env: Record<string, string> = {}): StatusRun {
  const argv = [CLI, '-c', path.join(project, 'alembic.ini'), 'status', ...args];
  const run = spawnSync(process.execPath, argv, { cwd: project, env: cleanEnv(env), encoding: 'utf8', timeout: 60000 });
  const json = args.includes('--json') && run.stdout.trim() ? (JSON.parse(run.stdout) as StatusJson) : undefined;
  return { code: run.status ?? -1, out: run.stdout, err: run.stderr, json };
}

/** The tracked files of the sample only: no app.db, .env or caches from someone's earlier run. */
function copySample(to: string): string {
  const sample = path.join(ROOT, 'migrations-sample');
  const untracked = /(^|[\\/])(app\.db|__pycache__|\.venv|\.env)$/;
  fs.cpSync(sample, to, { recursive: true, filter: (src) => !untracked.test(src) });
  return to;
}

describe('alembic-lens status: SQLite migrated by the real Alembic', function () {
  this.timeout(60000);
  let project: string;

  before(() => {
    project = copySample(path.join(tempDir('alembic-lens-status-cli-'), 'project'));
  });

  it('no database yet: state no-database, every revision pending, exit 1', () => {
    const result = status(project, ['--json']);
    assert.strictEqual(result.code, 1, result.err);
    assert.deepStrictEqual(
      { ...result.json, message: undefined },
      {
        database: 'SQLite app.db',
        source:
          'the default of DATABASE_URL in app/database.py:16: ' +
          'os.environ.get("DATABASE_URL", f"sqlite:///{(PROJECT_DIR / "app.db").as_posix()}")',
        urlSource: {
          kind: 'envPy',
          file: path.join(project, 'app', 'database.py'),
          line: 16,
          expression: 'os.environ.get("DATABASE_URL", f"sqlite:///{(PROJECT_DIR / "app.db").as_posix()}")',
          defaultOf: 'DATABASE_URL',
        },
        state: 'no-database',
        current: [],
        pending: [FIRST, HEAD],
        unknown: [],
        undetermined: [],
        message: undefined,
      },
    );
  });

  it('after `alembic upgrade 13c9c7d2277c`: pending, exit 1; after `upgrade head`: up to date, exit 0, as `alembic current` says', () => {
    alembic(project, ['upgrade', FIRST]);
    const pending = status(project, ['--json']);
    assert.strictEqual(pending.code, 1);
    assert.deepStrictEqual(
      [pending.json?.state, pending.json?.current, pending.json?.pending],
      ['pending', [FIRST], [HEAD]],
    );

    alembic(project, ['upgrade', 'head']);
    assert.match(alembic(project, ['current']), new RegExp(`^${HEAD} \\(head\\)`, 'm'));
    const upToDate = status(project, ['--json']);
    assert.strictEqual(upToDate.code, 0, upToDate.err);
    assert.deepStrictEqual(
      [upToDate.json?.state, upToDate.json?.current, upToDate.json?.pending, upToDate.json?.unknown],
      ['up-to-date', [HEAD], [], []],
    );

    const text = status(project, []);
    assert.strictEqual(text.code, 0);
    assert.match(text.out, /SQLite app\.db/);
    assert.match(text.out, new RegExp(HEAD));
    assert.match(text.out, /up to date/);
  });

  it('a revision the history lacks (its file deleted after the upgrade): unknown-revision, exit 1', () => {
    const extra = 'c0ffee000001';
    const file = path.join(project, 'alembic', 'versions', `${extra}_extra.py`);
    fs.writeFileSync(file, revisionText({ id: extra, down: HEAD, message: 'extra' }));
    alembic(project, ['upgrade', 'head']);
    fs.rmSync(file);
    const result = status(project, ['--json']);
    assert.strictEqual(result.code, 1);
    // Both revisions are under the deleted one, yet nothing here says so: not pending, undetermined.
    assert.deepStrictEqual(
      [result.json?.state, result.json?.current, result.json?.unknown, result.json?.pending, result.json?.undetermined],
      ['unknown-revision', [], [extra], null, [FIRST, HEAD]],
    );
    alembic(project, ['stamp', '--purge', HEAD]);
  });

  it('follows .env, and --url wins over everything', () => {
    const other = path.join(project, 'other.db');
    fs.writeFileSync(path.join(project, '.env'), `DATABASE_URL=sqlite:///${other}\n`);
    try {
      alembic(project, ['upgrade', FIRST], { DATABASE_URL: `sqlite:///${other}` });
      const fromDotenv = status(project, ['--json']);
      assert.deepStrictEqual(
        [fromDotenv.json?.source, fromDotenv.json?.database, fromDotenv.json?.current],
        ['DATABASE_URL from .env', 'SQLite other.db', [FIRST]],
      );
      const fromOption = status(project, ['--json', '--url', `sqlite:///${path.join(project, 'app.db')}`]);
      assert.deepStrictEqual(
        [fromOption.json?.source, fromOption.json?.state, fromOption.json?.current],
        ['--url', 'up-to-date', [HEAD]],
      );
    } finally {
      fs.rmSync(path.join(project, '.env'));
    }
  });

  it('a database Alembic never ran on: not-migrated, exit 1', () => {
    const empty = path.join(project, 'empty.db');
    fs.writeFileSync(empty, '');
    const result = status(project, ['--json', '--url', `sqlite:///${empty}`]);
    assert.strictEqual(result.code, 1);
    assert.deepStrictEqual([result.json?.state, result.json?.pending?.length], ['not-migrated', 2]);
  });

  it('an invalid URL: exit 2 with the reason, the password nowhere', () => {
    const result = status(project, ['--json', '--url', 'postgresql://u:my secret@db.example.com:5432x/app']);
    assert.strictEqual(result.code, 2);
    assert.strictEqual(result.json?.state, 'unreachable');
    assert.match(result.json?.message ?? '', /port/i);
    assert.ok(!`${result.out}${result.err}`.includes('secret'), `${result.out}${result.err}`);
  });
});

describe('alembic-lens status: PostgreSQL migrated by the real Alembic', function () {
  this.timeout(60000);
  let pg: PostgresCluster | undefined;
  let project: string;

  before(async () => {
    project = copySample(path.join(tempDir('alembic-lens-status-pg-'), 'project'));
    pg = await startPostgres({ password: 'st@tus pw#1' });
    pg.sql('CREATE DATABASE app');
  });
  after(() => pg?.stop());

  it('pending, then up to date, then the server down (exit 2); the password never printed', () => {
    const url = pg!.url('app', { driver: 'psycopg2' });
    const env = { DATABASE_URL: url };
    alembic(project, ['upgrade', FIRST], env);
    const pending = status(project, ['--json'], env);
    assert.strictEqual(pending.code, 1, pending.err);
    assert.deepStrictEqual(
      [pending.json?.state, pending.json?.current, pending.json?.pending, pending.json?.source],
      ['pending', [FIRST], [HEAD], 'DATABASE_URL from the environment'],
    );
    assert.strictEqual(pending.json?.database, `PostgreSQL app on 127.0.0.1:${pg!.port}`);

    alembic(project, ['upgrade', 'head'], env);
    const upToDate = status(project, [], env);
    assert.strictEqual(upToDate.code, 0, upToDate.err);
    assert.match(upToDate.out, /up to date/);

    pg!.stop();
    const down = status(project, ['--json'], env);
    assert.strictEqual(down.code, 2);
    assert.strictEqual(down.json?.state, 'unreachable');
    assert.match(down.json?.message ?? '', /refused/i);
    for (const run of [pending, upToDate, down]) {
      for (const secret of [pg!.password, encodeURIComponent(pg!.password), 'tus pw'])
        assert.ok(!`${run.out}${run.err}`.includes(secret), `${run.out}${run.err}`);
    }
  });
});
