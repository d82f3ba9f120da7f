// The SQL of op.execute("...") on PostgreSQL, read by PostgreSQL's own parser (libpg-query, WebAssembly):
// loaded only when such SQL is linted on a PostgreSQL project, then held to the rules of the op.* calls.
// Unparsable or computed SQL is left alone. The CLI lints it in one run (it waits for the parser).
import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lintRevision, loadPgParser, pgParserLoading, pgParserState } from '../../src/core/lint';
import { applyLineEdits, ruleFix } from '../../src/core/lint/rules/fixes';
import { revisionText, tempDir, writeProject } from '../support/tempProject';

const ROOT = process.env.ALEMBIC_LENS_ROOT ?? path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const FILE = '/project/alembic/versions/a1_rev.py';

function revision(upgrade: string[], downgrade: string[] = ['raise NotImplementedError()']): string {
  return revisionText({ id: 'a1', down: 'a0', upgrade, downgrade });
}

/** [code, line] of the problems of a revision on PostgreSQL (or `dialect`). */
function found(text: string, dialect = 'postgresql'): Array<[string, number]> {
  return lintRevision(text, FILE, { dialect }).map((p) => [p.code, p.line]);
}

function lineOf(text: string, fragment: string): number {
  const index = text.split('\n').findIndex((l) => l.includes(fragment));
  assert.ok(index >= 0, fragment);
  return index + 1;
}

describe('raw SQL lint (PostgreSQL parser)', () => {
  // Runs first: this test file's bundle has its own copy of the loader, untouched until now.
  it('the parser is loaded only when op.execute SQL is linted on a PostgreSQL project or an unknown database', async () => {
    assert.strictEqual(pgParserState(), 'idle');
    found(revision(["op.drop_index('ix_users_email')"]));
    found(revision(['op.execute("CREATE INDEX ix ON users (email)")']), 'sqlite');
    found(revision(['op.execute("CREATE INDEX ix ON users (email)")']), 'mysql');
    assert.strictEqual(pgParserState(), 'idle');
    const text = revision(['op.execute("CREATE INDEX ix ON users (email)")']);
    assert.deepStrictEqual(found(text), [], 'the first lint goes on without the parser');
    assert.strictEqual(pgParserState(), 'loading');
    assert.strictEqual(await pgParserLoading(), true);
    assert.deepStrictEqual(found(text), [['create-index-not-concurrently', lineOf(text, 'CREATE INDEX')]]);
  });

  it('an unknown database: the SQL is read as PostgreSQL reads it; the PostgreSQL-only advice says so', async () => {
    assert.strictEqual(await loadPgParser(), true);
    const text = revision([
      'op.execute("DROP TABLE audit")',
      'op.execute("ALTER TABLE users DROP COLUMN legacy")',
      'op.execute("CREATE INDEX ix ON users (email)")',
      'op.execute("ALTER TABLE `users` DROP COLUMN `x`")',
    ]);
    const problems = lintRevision(text, FILE, {});
    assert.deepStrictEqual(
      problems.map((p) => [p.code, p.line]),
      [
        ['drop-table', lineOf(text, 'DROP TABLE audit')],
        ['drop-column', lineOf(text, 'DROP COLUMN legacy')],
        ['create-index-not-concurrently', lineOf(text, 'CREATE INDEX')],
      ],
    );
    assert.match(problems[0].message, /deletes the table 'audit' and every row/);
    assert.match(problems[2].message, /^On PostgreSQL: /);
    assert.doesNotMatch(problems[0].message, /^On PostgreSQL/);
    assert.deepStrictEqual(found(text, 'mysql'), []);
  });

  describe('with the parser loaded', () => {
    // Also when a grep selects only these tests: the parser is loaded here, not by the test above.
    before(async () => assert.strictEqual(await loadPgParser(), true));

    it('each statement of a string is held to the op.* rules, at its op.execute line', () => {
      const text = revision([
        'op.execute("""',
        '    CREATE INDEX ix_a ON users (email);',
        '    DROP INDEX ix_b;',
        '""")',
        'op.execute("ALTER TABLE orders ADD CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id)")',
        'op.execute("ALTER TABLE orders ADD CONSTRAINT ck_total CHECK (total >= 0)")',
        'op.execute("ALTER TABLE orders ADD CONSTRAINT uq_ref UNIQUE (ref)")',
        'op.execute("ALTER TABLE orders ADD PRIMARY KEY (id)")',
        'op.execute("ALTER TABLE users DROP COLUMN legacy")',
        'op.execute("DROP TABLE audit")',
        'op.execute("ALTER TABLE users ALTER COLUMN name SET NOT NULL")',
        'op.execute("ALTER TABLE users ALTER COLUMN age TYPE bigint")',
        'op.execute("ALTER TABLE users ADD COLUMN sku text NOT NULL")',
        'op.execute("ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid()")',
        'op.execute("ALTER TABLE links ADD COLUMN id SERIAL PRIMARY KEY")',
        'op.execute("ALTER TABLE users RENAME COLUMN nick TO handle")',
        'op.execute("ALTER TABLE people RENAME TO persons")',
      ]);
      const at = (fragment: string) => lineOf(text, fragment);
      assert.deepStrictEqual(found(text), [
        ['create-index-not-concurrently', at('op.execute("""')],
        ['drop-index-not-concurrently', at('op.execute("""')],
        ['create-foreign-key-without-not-valid', at('fk_user')],
        ['create-check-constraint-without-not-valid', at('ck_total')],
        ['create-unique-constraint', at('uq_ref')],
        ['create-primary-key', at('ADD PRIMARY KEY')],
        ['drop-column', at('DROP COLUMN legacy')],
        ['drop-table', at('DROP TABLE audit')],
        ['alter-column-not-null', at('SET NOT NULL')],
        ['alter-column-type', at('TYPE bigint')],
        ['add-column-not-null-without-default', at('sku text')],
        ['volatile-server-default', at('gen_random_uuid')],
        ['volatile-server-default', at('SERIAL PRIMARY KEY')],
        ['rename-column', at('RENAME COLUMN')],
        ['rename-table', at('RENAME TO persons')],
      ]);
      const message = lintRevision(text, FILE, { dialect: 'postgresql' }).find(
        (p) => p.code === 'drop-column',
      )?.message;
      assert.match(
        message ?? '',
        /^op\.execute\("ALTER TABLE users DROP COLUMN legacy"\) deletes the data of users\.legacy/,
      );
    });

    it('silent on the safe forms: CONCURRENTLY in autocommit_block, NOT VALID, USING INDEX, DEFAULT, a backfill', () => {
      const text = revision([
        'with op.get_context().autocommit_block():',
        '    op.execute("CREATE INDEX CONCURRENTLY ix_a ON users (email)")',
        '    op.execute("DROP INDEX CONCURRENTLY ix_b")',
        'op.execute("ALTER TABLE orders ADD CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID")',
        'op.execute("ALTER TABLE orders VALIDATE CONSTRAINT fk_user")',
        'op.execute("ALTER TABLE orders ADD CONSTRAINT uq_ref UNIQUE USING INDEX ix_ref")',
        'op.execute("ALTER TABLE orders ADD CONSTRAINT pk_orders PRIMARY KEY USING INDEX ix_pk")',
        'op.execute("ALTER TABLE users ADD COLUMN sku text NOT NULL DEFAULT \'none\'")',
        'op.execute("ALTER TABLE users ADD COLUMN created timestamptz DEFAULT now()")',
        'op.execute("UPDATE users SET name = \'?\' WHERE name IS NULL")',
        'op.execute("ALTER TABLE users ALTER COLUMN name SET NOT NULL")',
      ]);
      assert.deepStrictEqual(found(text), []);
    });

    it('a table created earlier in upgrade() (op.create_table or CREATE TABLE) has no rows: no lock rules', () => {
      const text = revision([
        "op.create_table('tags', sa.Column('id', sa.Integer(), primary_key=True))",
        'op.execute("CREATE INDEX ix_tags ON tags (id)")',
        'op.execute("CREATE TABLE labels (id int); CREATE INDEX ix_labels ON labels (id)")',
        'op.execute("ALTER TABLE labels ADD COLUMN name text NOT NULL")',
      ]);
      assert.deepStrictEqual(found(text), []);
    });

    it('leaves alone what it cannot read: unparsable SQL, computed SQL, downgrade(), other databases', () => {
      const decoys = revision(
        [
          'op.execute("CREATE INDX ix ON users (email)")',
          'op.execute(f"CREATE INDEX ix ON {TABLE} (email)")',
          'op.execute(sql)',
          '# op.execute("DROP TABLE users")',
          'print("DROP TABLE users")',
        ],
        ['op.execute("DROP TABLE users")'],
      );
      assert.deepStrictEqual(found(decoys), []);
      const real = revision(['op.execute("DROP TABLE users")']);
      assert.deepStrictEqual(found(real, 'sqlite'), [], 'SQLite: the PostgreSQL parser is not used');
    });

    it('reads the SQL run on the connection (conn = op.get_bind(); op.get_bind().execute), named as it is run', () => {
      const text = revision([
        'conn = op.get_bind()',
        'conn.execute(sa.text("DROP TABLE audit"))',
        'op.get_bind().exec_driver_sql("ALTER TABLE users DROP COLUMN legacy")',
        'conn = other_connection()',
        'conn.execute(sa.text("DROP TABLE kept"))',
      ]);
      const problems = lintRevision(text, FILE, { dialect: 'postgresql' });
      assert.deepStrictEqual(
        problems.map((p) => [p.code, p.line]),
        [
          ['drop-table', lineOf(text, 'DROP TABLE audit')],
          ['drop-column', lineOf(text, 'DROP COLUMN legacy')],
        ],
      );
      assert.match(problems[0].message, /^conn\.execute\("DROP TABLE audit"\) deletes the table 'audit'/);
      assert.match(problems[1].message, /^op\.get_bind\(\)\.exec_driver_sql\("ALTER TABLE users DROP COLUMN legacy"\)/);
    });

    it('reads the SQL of sa.text("...") / text("..."), not text() of SQL built in Python', () => {
      const text = revision([
        'op.execute(sa.text("CREATE INDEX ix_a ON users (email)"))',
        "op.execute(text('DROP INDEX ix_b'))",
        'op.execute(sa.text(f"CREATE INDEX ix_c ON {TABLE} (email)"))',
        'op.execute(sa.text("CREATE INDEX ix_d ON " + TABLE + " (email)"))',
        'op.execute(sa.text(sql))',
      ]);
      assert.deepStrictEqual(found(text), [
        ['create-index-not-concurrently', lineOf(text, 'ix_a')],
        ['drop-index-not-concurrently', lineOf(text, 'ix_b')],
      ]);
    });

    it('suppression comments and severities apply as for op.* calls', () => {
      const text = revision(['op.execute("DROP TABLE audit")  # alembic-lens: ignore[drop-table]']);
      assert.deepStrictEqual(found(text), []);
      const off = revision(['op.execute("ALTER TABLE users DROP COLUMN legacy")']);
      const problems = lintRevision(off, FILE, { dialect: 'postgresql', severities: { 'drop-column': 'off' } });
      assert.deepStrictEqual(problems, []);
    });

    it('quick fixes edit the SQL (CONCURRENTLY in autocommit_block, NOT VALID then VALIDATE); linted again: clean', () => {
      const cases: Array<[string, string, RegExp]> = [
        [
          'op.execute("CREATE UNIQUE INDEX ix_a ON users (email)")',
          'create-index-not-concurrently',
          /\n {4}with op\.get_context\(\)\.autocommit_block\(\):\n {8}op\.execute\("CREATE UNIQUE INDEX CONCURRENTLY ix_a ON users \(email\)"\)\n/,
        ],
        [
          "op.execute('DROP INDEX ix_b')  # old",
          'drop-index-not-concurrently',
          /\n {8}op\.execute\('DROP INDEX CONCURRENTLY ix_b'\) {2}# old\n/,
        ],
        [
          'op.execute("ALTER TABLE orders ADD CONSTRAINT fk_u FOREIGN KEY (user_id, org) REFERENCES users (id, org);")',
          'create-foreign-key-without-not-valid',
          /REFERENCES users \(id, org\) NOT VALID"\)\n {4}with op\.get_context\(\)\.autocommit_block\(\):\n {8}op\.execute\("ALTER TABLE orders VALIDATE CONSTRAINT fk_u"\)\n/,
        ],
        [
          'op.execute("ALTER TABLE orders ADD CONSTRAINT ck_t CHECK (total >= 0)")',
          'create-check-constraint-without-not-valid',
          /CHECK \(total >= 0\) NOT VALID"\)\n/,
        ],
      ];
      for (const [statement, code, expected] of cases) {
        const before = revision([statement]);
        const problem = lintRevision(before, FILE, { dialect: 'postgresql' }).find((p) => p.code === code);
        assert.ok(problem, code);
        const fix = ruleFix(before, code, problem.line);
        assert.ok(fix, `a fix for ${code}`);
        const after = applyLineEdits(before, fix.edits);
        assert.match(after, expected);
        assert.deepStrictEqual(found(after), [], `${code}: linted again`);
      }
    });

    it('no fix where the SQL is not plain: several statements, DROP INDEX of two, several actions', () => {
      for (const [statement, code] of [
        ['op.execute("CREATE INDEX a ON t (x); CREATE INDEX b ON t (y)")', 'create-index-not-concurrently'],
        ['op.execute("DROP INDEX a, b")', 'drop-index-not-concurrently'],
        [
          'op.execute("ALTER TABLE t ADD CONSTRAINT c CHECK (x > 0), ADD CONSTRAINT d CHECK (y > 0)")',
          'create-check-constraint-without-not-valid',
        ],
      ]) {
        const text = revision([statement]);
        const problem = lintRevision(text, FILE, { dialect: 'postgresql' }).find((p) => p.code === code);
        assert.ok(problem, `${code} reported on ${statement}`);
        assert.strictEqual(ruleFix(text, code, problem.line), undefined, statement);
      }
    });

    it('the CLI waits for the parser and reports the SQL findings in one run', function () {
      this.timeout(30_000);
      assert.ok(fs.existsSync(CLI), `${CLI} is built`);
      const dir = tempDir('alembic-lens-rawsql-');
      const ini = writeProject(
        dir,
        [{ id: 'a0' }],
        '[alembic]\nscript_location = alembic\nsqlalchemy.url = postgresql://app@db/app\n',
      );
      fs.writeFileSync(
        path.join(dir, 'alembic', 'versions', 'a0_rev.py'),
        revisionText({ id: 'a0', upgrade: ['op.execute("CREATE INDEX ix ON users (email)")'], downgrade: ['pass'] }),
      );
      fs.mkdirSync(path.join(dir, 'alembic'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'alembic', 'env.py'), 'from alembic import context\n');
      const run = spawnSync(process.execPath, [CLI, '-c', ini, 'check'], { cwd: dir, encoding: 'utf8' });
      assert.match(
        run.stdout,
        /a0_rev\.py:\d+: warning: op\.execute\("CREATE INDEX ix ON users \(email\)"\) builds the index ix/,
      );
      assert.doesNotMatch(run.stderr, /not linted/);
    });
  });
});
