// The lint rules' knowledge against the real thing: what sqlite-alter-outside-batch reports is exactly
// what Alembic 1.8.1 fails to do on SQLite; what offline-mode-unsafe reports is what fails under a real
// `alembic upgrade --sql`; volatile-server-default's line between VOLATILE and STABLE defaults is where a
// real PostgreSQL rewrites the table.
import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lintRevision } from '../../src/core/lint';
import { FIXTURE_PYTHON, makeFixture, revisionFile } from '../support/migrationFixtures';
import { type PostgresCluster, startPostgres } from '../support/postgres';
import { revisionText, tempDir } from '../support/tempProject';

const made: string[] = [];
after(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function scratch(prefix: string): string {
  const dir = tempDir(prefix);
  made.push(dir);
  return dir;
}

/** Whether the rule reports the one-operation upgrade() `line` under `dialect`. */
function reports(code: string, line: string, dialect: string): boolean {
  const text = revisionText({ id: 'b1', down: 'a0', upgrade: [line] });
  return lintRevision(text, '/p/b1.py', { dialect, renderAsBatch: false }).some((p) => p.code === code);
}

const SQLITE_OPERATIONS = [
  "op.drop_column('t', 'a')",
  "op.alter_column('t', 'a', nullable=False)",
  "op.alter_column('t', 'a', type_=sa.String())",
  "op.alter_column('t', 'a', server_default='1')",
  "op.alter_column('t', 'a', new_column_name='z')",
  "op.alter_column('t', 'a', new_column_name='z', existing_type=sa.Integer())",
  "op.alter_column('t', 'a', new_column_name='z', nullable=False)",
  "op.drop_constraint('uq_b', 't', type_='unique')",
  "op.create_foreign_key('fk', 't', 'p', ['c'], ['id'])",
  "op.create_unique_constraint('uq_a', 't', ['a'])",
  "op.create_check_constraint('ck', 't', 'a > 0')",
  "op.create_primary_key('pk', 't', ['a'])",
  "op.create_index('ix', 't', ['a'])",
  "op.rename_table('t', 't2')",
  "op.add_column('t', sa.Column('d', sa.Integer()))",
  "with op.batch_alter_table('t') as batch_op:\n    batch_op.alter_column('a', nullable=False)",
  "with op.batch_alter_table('t') as batch_op:\n    batch_op.create_foreign_key('fk', 'p', ['c'], ['id'])",
];

/** Runs each snippet with the real Alembic's `op` on a fresh SQLite database; true where it raised. */
function failsOnSqlite(snippets: string[]): boolean[] {
  const script = [
    'import json, sys',
    'import sqlalchemy as sa',
    'from alembic.migration import MigrationContext',
    'from alembic.operations import Operations',
    'results = []',
    'for snippet in json.load(sys.stdin):',
    "    engine = sa.create_engine('sqlite://')",
    '    with engine.begin() as conn:',
    "        conn.execute(sa.text('CREATE TABLE p (id INTEGER PRIMARY KEY)'))",
    "        conn.execute(sa.text('CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b VARCHAR(10), c INTEGER, CONSTRAINT uq_b UNIQUE (b))'))",
    '        op = Operations(MigrationContext.configure(conn))',
    '        try:',
    "            exec(snippet, {'op': op, 'sa': sa})",
    '            results.append(False)',
    '        except Exception:',
    '            results.append(True)',
    'print(json.dumps(results))',
  ].join('\n');
  const run = spawnSync(FIXTURE_PYTHON, ['-c', script], {
    input: JSON.stringify(snippets),
    encoding: 'utf8',
    timeout: 60000,
  });
  assert.strictEqual(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as boolean[];
}

describe('lint rules against the real Alembic, SQLite and PostgreSQL', function () {
  this.timeout(120000);

  it('sqlite-alter-outside-batch reports exactly the operations Alembic fails to run on SQLite', () => {
    const failed = failsOnSqlite(SQLITE_OPERATIONS);
    const table = SQLITE_OPERATIONS.map((op, i) => ({
      op,
      alembicFails: failed[i],
      reported: reports('sqlite-alter-outside-batch', op, 'sqlite'),
    }));
    assert.ok(table.some((row) => row.alembicFails) && table.some((row) => !row.alembicFails), 'both kinds present');
    assert.deepStrictEqual(
      table.filter((row) => row.reported !== row.alembicFails),
      [],
      'every operation: reported if and only if Alembic fails',
    );
  });

  it('offline-mode-unsafe reports exactly the revisions `alembic upgrade --sql` fails on', () => {
    const snippets: string[][] = [
      ["rows = op.get_bind().execute(sa.text('SELECT 1')).fetchall()"],
      ['tables = sa.inspect(op.get_bind()).get_table_names()'],
      ['inspector = sa.engine.reflection.Inspector.from_engine(op.get_bind())'],
      ["if op.get_bind().dialect.name == 'sqlite':", "    op.execute('SELECT 1')"],
      ['if not context.is_offline_mode():', "    rows = op.get_bind().execute(sa.text('SELECT 1')).fetchall()"],
      ['if context.is_offline_mode():', '    return', "rows = op.get_bind().execute(sa.text('SELECT 1')).all()"],
      [
        'if context.is_offline_mode():',
        "    op.execute('SELECT 2')",
        'else:',
        "    n = op.get_bind().execute(sa.text('SELECT 1')).scalar()",
      ],
    ];
    const dir = scratch('alembic-lens-offline-');
    const ids = snippets.map((_, i) => `c${i}00000c0de`);
    const ini = makeFixture(
      {
        name: 'offline',
        models: ['id = Column(Integer, primary_key=True)'],
        revisions: snippets.map((upgrade, i) => ({
          id: ids[i],
          message: `snippet ${i}`,
          down: i ? ids[i - 1] : undefined,
          upgrade,
          downgrade: ['pass'],
          header: ['from alembic import context'],
        })),
      },
      dir,
      'sqlite:///app.db',
    );
    const rows = snippets.map((snippet, i) => {
      const range = `${i ? ids[i - 1] : 'base'}:${ids[i]}`;
      const run = spawnSync(FIXTURE_PYTHON, ['-m', 'alembic', '-c', ini, 'upgrade', range, '--sql'], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 60000,
      });
      const text = fs.readFileSync(revisionFile(dir, ids[i]), 'utf8');
      const reported = lintRevision(text, revisionFile(dir, ids[i])).some((p) => p.code === 'offline-mode-unsafe');
      return { snippet: snippet.join(' / '), alembicFails: run.status !== 0, reported };
    });
    assert.ok(rows.some((row) => row.alembicFails) && rows.some((row) => !row.alembicFails), JSON.stringify(rows));
    assert.deepStrictEqual(
      rows.filter((row) => row.reported !== row.alembicFails),
      [],
    );
    assert.ok(!fs.existsSync(path.join(dir, 'app.db')), 'offline mode touched no database');
  });

  describe('on PostgreSQL', () => {
    let pg: PostgresCluster;
    before(async () => {
      pg = await startPostgres();
    });
    after(() => pg?.stop());

    it('the lock rules say what PostgreSQL locks: reads and writes (ACCESS EXCLUSIVE) or writes only, as pg_locks shows', () => {
      // Each operation as the real Alembic renders it for PostgreSQL, run in a transaction that reads its locks.
      const cases: Array<[code: string, operation: string]> = [
        ['create-unique-constraint', "op.create_unique_constraint('uq_a', 't', ['a'])"],
        ['create-primary-key', "op.create_primary_key('pk_t', 't', ['id'])"],
        ['create-check-constraint-without-not-valid', "op.create_check_constraint('ck_a', 't', 'a > 0')"],
        ['create-foreign-key-without-not-valid', "op.create_foreign_key('fk_c', 't', 'p', ['c'], ['id'])"],
        ['create-index-not-concurrently', "op.create_index('ix_a', 't', ['a'])"],
        ['drop-index-not-concurrently', "op.drop_index('ix_c', table_name='t')"],
        ['alter-column-type', "op.alter_column('t', 'a', type_=sa.BigInteger(), existing_type=sa.Integer())"],
        ['alter-column-not-null', "op.alter_column('t', 'a', nullable=False)"],
      ];
      const render = spawnSync(
        FIXTURE_PYTHON,
        [
          '-c',
          [
            'import io, json, sys',
            'import sqlalchemy as sa',
            'from alembic.migration import MigrationContext',
            'from alembic.operations import Operations',
            'out = []',
            'for snippet in json.load(sys.stdin):',
            '    buf = io.StringIO()',
            "    ctx = MigrationContext.configure(dialect_name='postgresql', opts={'as_sql': True, 'output_buffer': buf})",
            "    exec(snippet, {'op': Operations(ctx), 'sa': sa})",
            '    out.append(buf.getvalue())',
            'print(json.dumps(out))',
          ].join('\n'),
        ],
        { input: JSON.stringify(cases.map(([, operation]) => operation)), encoding: 'utf8', timeout: 60000 },
      );
      assert.strictEqual(render.status, 0, render.stderr);
      const sqls = JSON.parse(render.stdout) as string[];
      pg.sql(
        'DROP TABLE IF EXISTS t, p; CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE t (id int, a int, c int); CREATE INDEX ix_c ON t (c); ' +
          'INSERT INTO p VALUES (1); INSERT INTO t SELECT g, g, 1 FROM generate_series(1, 100) g;',
        'postgres',
      );
      const rows = cases.map(([code, operation], i) => {
        const modes = pg
          .sql(
            `BEGIN; ${sqls[i]}; SELECT l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation ` +
              "WHERE l.locktype = 'relation' AND c.relname = 't'; ROLLBACK;",
          )
          .split('\n')
          .filter(Boolean);
        const readsWait = modes.includes('AccessExclusiveLock');
        const writesWait = modes.some((m) => /^(Share|ShareRowExclusive|Exclusive|AccessExclusive)Lock$/.test(m));
        const text = revisionText({ id: 'b1', down: 'a0', upgrade: [operation] });
        const message = lintRevision(text, '/p/b1.py', { dialect: 'postgresql' }).find((p) => p.code === code)?.message;
        const saysReads = /ACCESS EXCLUSIVE|every read/.test(message ?? '');
        const saysWrites = saysReads || /blocks (every )?writes?|every write|writes to/.test(message ?? '');
        return { operation, modes: modes.join(' '), reported: !!message, readsWait, saysReads, writesWait, saysWrites };
      });
      console.log(rows.map((r) => `      ${r.operation}: ${r.modes}`).join('\n'));
      assert.deepStrictEqual(
        rows.filter((r) => !r.reported || r.readsWait !== r.saysReads || r.writesWait !== r.saysWrites),
        [],
      );
    });

    it('volatile-server-default reports exactly the defaults for which PostgreSQL rewrites the table', () => {
      const defaults = [
        "sa.text('gen_random_uuid()')",
        'sa.func.clock_timestamp()',
        'sa.func.now()',
        "sa.text('now()')",
        "'x'",
      ];
      const sqlDefaults = ['gen_random_uuid()', 'clock_timestamp()', 'now()', 'now()', "'x'"];
      const types = ['uuid', 'timestamptz', 'timestamptz', 'timestamptz', 'text'];
      // Its own table t: the test above left one of another shape.
      pg.sql('DROP TABLE IF EXISTS t; CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 100);');
      const rows = defaults.map((expr, i) => {
        const before = pg.sql("SELECT pg_relation_filenode('t')").trim();
        pg.sql(`ALTER TABLE t ADD COLUMN c${i} ${types[i]} DEFAULT ${sqlDefaults[i]}`);
        const rewritten = pg.sql("SELECT pg_relation_filenode('t')").trim() !== before;
        const line = `op.add_column('t', sa.Column('c${i}', sa.Text(), server_default=${expr}))`;
        return { expr, rewritten, reported: reports('volatile-server-default', line, 'postgresql') };
      });
      assert.ok(rows.some((row) => row.rewritten) && rows.some((row) => !row.rewritten), JSON.stringify(rows));
      assert.deepStrictEqual(
        rows.filter((row) => row.reported !== row.rewritten),
        [],
      );
    });
  });
});
