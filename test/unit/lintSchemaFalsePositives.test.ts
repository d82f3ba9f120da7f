// Regression tests for lint false positives found on real open-source Alembic projects, on the rules about
// column types, nullability, empty downgrades and enum values: each shape that must stay quiet, and beside
// it the true positive that must still fire.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type LintOptions, lintProject, lintRevision, loadPgParser } from '../../src/core/lint';
import type { Problem } from '../../src/core/problems';
import { loadProject } from '../../src/core/project';
import { copySample, editModels } from '../support/sampleCopy';
import { FIRST_UPGRADE_LINE, revisionText, tempDir, writeProject } from '../support/tempProject';

const FIRST = FIRST_UPGRADE_LINE;

function lint(upgrade: string[], downgrade: string[] = ['pass'], dialect?: string): Problem[] {
  const text = revisionText({ id: 'b1', down: 'a0', message: 'change things', upgrade, downgrade });
  return lintRevision(text, '/p/versions/b1.py', { dialect });
}

/** `line code` of the problems of one rule. */
function findings(code: string, upgrade: string[], downgrade: string[] = ['pass'], dialect?: string): string[] {
  return lint(upgrade, downgrade, dialect)
    .filter((p) => p.code === code)
    .map((p) => `${p.line} ${p.code}`);
}

describe('alter-column-type: VARCHAR and TEXT on PostgreSQL', () => {
  const alter = (existing: string, type: string, more = '') => [
    `op.alter_column('posts', 'body', existing_type=${existing}, type_=${type}${more}, existing_nullable=True)`,
  ];
  const typeFindings = (upgrade: string[], dialect?: string) =>
    findings('alter-column-type', upgrade, ['pass'], dialect);
  const reported = [`${FIRST} alter-column-type`];

  it('TEXT to an unbounded VARCHAR, VARCHAR to TEXT, a VARCHAR made unbounded: quiet on PostgreSQL (binary-compatible)', () => {
    for (const [existing, type] of [
      ['sa.TEXT()', 'sa.String()'],
      ['sa.TEXT()', 'sa.VARCHAR()'],
      ['sa.Text()', 'sqlmodel.sql.sqltypes.AutoString()'],
      ['postgresql.TEXT()', 'sa.Unicode()'],
      ['sa.VARCHAR()', 'sa.Text()'],
      ['sa.VARCHAR()', 'sa.TEXT()'],
      ['sa.VARCHAR(length=100)', 'sa.String()'],
      ['sa.VARCHAR(length=100)', 'sa.UnicodeText()'],
      ['sa.String(50)', 'sa.String(length=50)'],
    ]) {
      assert.deepStrictEqual(typeFindings(alter(existing, type), 'postgresql'), [], `${existing} -> ${type}`);
    }
  });

  it('still reported: a length check or shrink, another family, a length only Python knows, USING, a collation', () => {
    for (const [existing, type, more] of [
      ['sa.TEXT()', 'sa.String(length=100)', ''],
      ['sa.VARCHAR()', 'sa.String(length=100)', ''],
      ['sa.VARCHAR(length=100)', 'sa.String(length=50)', ''],
      ['sa.VARCHAR(length=100)', 'sa.String(length=NAME_LENGTH)', ''],
      ['sa.String(length=NAME_LENGTH)', 'sa.Text()', ''],
      ['sa.INTEGER()', 'sa.String()', ''],
      ['sa.INTEGER()', 'sa.Text()', ''],
      ['sa.String()', 'sa.Integer()', ''],
      ['sa.TEXT()', 'sa.String()', ", postgresql_using='body::varchar'"],
      ['sa.TEXT()', "sa.String(collation='C')", ''],
    ]) {
      assert.deepStrictEqual(
        typeFindings(alter(existing, type, more), 'postgresql'),
        reported,
        `${existing} -> ${type}`,
      );
    }
    assert.deepStrictEqual(
      typeFindings(["op.alter_column('posts', 'body', type_=sa.String())"], 'postgresql'),
      reported,
    );
  });

  it('TEXT to VARCHAR is a table copy on MySQL: reported there', () => {
    assert.deepStrictEqual(typeFindings(alter('sa.TEXT()', 'sa.String(length=200)'), 'mysql'), reported);
    assert.deepStrictEqual(typeFindings(alter('sa.VARCHAR(length=100)', 'sa.Text()'), 'mysql'), reported);
  });

  describe('raw SQL, with the parser loaded', () => {
    before(async () => assert.strictEqual(await loadPgParser(), true));
    const sqlFindings = (upgrade: string[], downgrade: string[]) =>
      findings('alter-column-type', upgrade, downgrade, 'postgresql');
    const widen = ['op.execute("ALTER TABLE posts ALTER COLUMN title TYPE varchar(255)")'];

    it('widening: quiet when downgrade() gives the old type back (SQL or op.alter_column)', () => {
      assert.deepStrictEqual(
        sqlFindings(widen, ['op.execute("ALTER TABLE posts ALTER COLUMN title TYPE varchar(100)")']),
        [],
      );
      assert.deepStrictEqual(
        sqlFindings(widen, [
          "op.alter_column('posts', 'title', existing_type=sa.String(255), type_=sa.VARCHAR(length=100))",
        ]),
        [],
      );
      assert.deepStrictEqual(
        sqlFindings(
          ['op.execute("ALTER TABLE posts ALTER COLUMN title TYPE text")'],
          ['op.execute("ALTER TABLE posts ALTER COLUMN title TYPE character varying(100)")'],
        ),
        [],
      );
    });

    it('still reported: no old type to compare with, a shrink, another family, USING', () => {
      assert.deepStrictEqual(sqlFindings(widen, ['pass']), [`${FIRST} alter-column-type`]);
      assert.deepStrictEqual(
        sqlFindings(widen, ['op.execute("ALTER TABLE posts ALTER COLUMN title TYPE varchar(300)")']),
        [`${FIRST} alter-column-type`],
      );
      assert.deepStrictEqual(sqlFindings(widen, ['op.execute("ALTER TABLE posts ALTER COLUMN title TYPE integer")']), [
        `${FIRST} alter-column-type`,
      ]);
      assert.deepStrictEqual(
        sqlFindings(widen, ['op.execute("ALTER TABLE posts ALTER COLUMN other TYPE varchar(100)")']),
        [`${FIRST} alter-column-type`],
      );
      assert.deepStrictEqual(
        sqlFindings(
          ['op.execute("ALTER TABLE posts ALTER COLUMN title TYPE text USING lower(title)")'],
          ['op.execute("ALTER TABLE posts ALTER COLUMN title TYPE varchar(100)")'],
        ),
        [`${FIRST} alter-column-type`],
      );
    });
  });
});

describe('empty-downgrade: an upgrade() that changes rows only, or adds an enum value', () => {
  const emptyDowngrade = (upgrade: string[]) => lint(upgrade).filter((p) => p.code === 'empty-downgrade');
  // Three upgrade() lines, two blank lines, the def: the body of downgrade().
  const downgradeLine = FIRST + 6;

  it('rows only (UPDATE / INSERT / DELETE, bulk_insert, connection.execute of sa.update, t.update()): not reported', () => {
    for (const upgrade of [
      ['op.execute("UPDATE users SET role = \'member\' WHERE role IS NULL")'],
      [
        "op.execute(sa.text(\"INSERT INTO settings (key, value) VALUES ('theme', 'dark')\"))",
        'op.execute("DELETE FROM sessions")',
      ],
      ["settings = sa.table('settings', sa.column('key', sa.String))", "op.bulk_insert(settings, [{'key': 'theme'}])"],
      ['conn = op.get_bind()', 'conn.execute(sa.update(users).where(users.c.active.is_(None)).values(active=True))'],
      ["op.execute(users.update().where(users.c.role == 'admin').values(role='owner'))"],
      [
        'bind = op.get_bind()',
        'session = Session(bind=bind)',
        'for user in session.query(User):',
        '    user.slug = slugify(user.name)',
        'session.commit()',
      ],
    ]) {
      assert.deepStrictEqual(emptyDowngrade(upgrade), [], upgrade.join('\n'));
    }
  });

  it("an upgrade() of early returns only (ckan's skip_based_on_legacy_engine_version guard, then pass): not reported", () => {
    const guard = ['if skip_based_on_legacy_engine_version(op, __name__):', '    return', 'pass'];
    assert.deepStrictEqual(emptyDowngrade(guard), []);
    // A guard, then a helper only Python can read: the upgrade may change anything, as before.
    const helper = ['if skip_based_on_legacy_engine_version(op, __name__):', '    return', 'migrate_everything(op)'];
    assert.deepStrictEqual(
      emptyDowngrade(helper).map((p) => p.message.includes('is not empty')),
      [true],
    );
  });

  it('ALTER TYPE ... ADD VALUE alone (PostgreSQL cannot drop an enum value): not reported', () => {
    assert.deepStrictEqual(emptyDowngrade(['op.execute("ALTER TYPE status ADD VALUE \'archived\'")']), []);
    assert.deepStrictEqual(
      emptyDowngrade([
        'with op.get_context().autocommit_block():',
        '    op.execute("ALTER TYPE status ADD VALUE IF NOT EXISTS \'archived\'")',
      ]),
      [],
    );
  });

  it('still reported, saying the schema changes: an op.* schema operation or DDL, also beside rows', () => {
    for (const upgrade of [
      ["op.add_column('users', sa.Column('age', sa.Integer(), nullable=True))", 'pass', 'pass'],
      ['op.execute("ALTER TABLE users ADD COLUMN age integer")', 'pass', 'pass'],
      ['op.execute("UPDATE users SET age = 0; ALTER TABLE users ALTER COLUMN age SET NOT NULL")', 'pass', 'pass'],
      [
        'op.execute("ALTER TYPE status ADD VALUE \'archived\'")',
        "op.create_table('archive', sa.Column('id', sa.Integer()))",
        'pass',
      ],
    ]) {
      const [problem, ...rest] = emptyDowngrade(upgrade);
      assert.deepStrictEqual(rest, [], upgrade[0]);
      assert.strictEqual(problem?.line, downgradeLine, upgrade[0]);
      assert.match(problem.message, /upgrade\(\) changes the schema/);
    }
  });

  it('still reported, without claiming a schema change, when only Python knows what upgrade() does', () => {
    for (const upgrade of [
      ['op.execute(build_sql())', 'pass', 'pass'],
      ['migrate_rows(op.get_bind())', 'pass', 'pass'],
      ['op.execute("UPDATE users SET age = 0")', 'create_search_indexes()', 'pass'],
      ['conn = op.get_bind()', 'conn.execute(statement)', 'pass'],
    ]) {
      const [problem, ...rest] = emptyDowngrade(upgrade);
      assert.deepStrictEqual(rest, [], upgrade.join('\n'));
      assert.strictEqual(problem?.line, downgradeLine, upgrade.join('\n'));
      assert.doesNotMatch(problem.message, /schema/);
      assert.match(problem.message, /leave whatever upgrade\(\) changed in the database/);
    }
  });
});

describe('alter-column-not-null: a column already NOT NULL, a primary key, a backfill first', () => {
  const notNull = (upgrade: string[], dialect?: string) =>
    findings('alter-column-not-null', upgrade, ['pass'], dialect);
  const alter = "op.alter_column('users', 'email', nullable=False)";
  const at = (offset: number) => [`${FIRST + offset} alter-column-not-null`];

  it('the column was added NOT NULL or as a primary key earlier in upgrade(), or is made a primary key in it', () => {
    const added = (options: string) => `op.add_column('users', sa.Column('email', sa.String(), ${options}))`;
    assert.deepStrictEqual(notNull([added("nullable=False, server_default=''"), alter]), []);
    assert.deepStrictEqual(notNull([added('primary_key=True'), alter]), []);
    assert.deepStrictEqual(notNull([alter, "op.create_primary_key('pk_users', 'users', ['email'])"]), []);
    assert.deepStrictEqual(
      notNull([
        "with op.batch_alter_table('users') as batch_op:",
        "    batch_op.add_column(sa.Column('email', sa.String(), nullable=False, server_default=''))",
        "    batch_op.alter_column('email', nullable=False, server_default=None)",
      ]),
      [],
    );
  });

  it('the call restates NOT NULL (existing_nullable=False: the MySQL MODIFY pattern)', () => {
    assert.deepStrictEqual(
      notNull(
        [
          "op.alter_column('users', 'email', existing_type=sa.String(50), type_=sa.String(100), nullable=False, existing_nullable=False)",
        ],
        'mysql',
      ),
      [],
    );
  });

  it('a backfill first: UPDATE, DELETE ... IS NULL, connection.execute(sa.update(...)), op.execute(t.update()), a helper', () => {
    for (const backfill of [
      ['op.execute("UPDATE users SET email = \'\' WHERE email IS NULL")'],
      ['op.execute("DELETE FROM users WHERE email IS NULL")'],
      [
        "users = sa.table('users', sa.column('email', sa.String))",
        'connection = op.get_bind()',
        "connection.execute(sa.update(users).where(users.c.email.is_(None)).values(email=''))",
      ],
      [
        "users = sa.table('users', sa.column('email'))",
        "op.execute(users.update().where(users.c.email == None).values(email=''))",
      ],
      ['op.get_bind().execute(sa.text("UPDATE users SET email = \'\' WHERE email IS NULL"))'],
      ['backfill_emails(op.get_bind())'],
    ]) {
      assert.deepStrictEqual(notNull([...backfill, alter]), [], backfill.join('\n'));
    }
  });

  it('still reported: no backfill, a backfill of another table or column, after the call, a nullable column added, existing_nullable=True', () => {
    assert.deepStrictEqual(notNull([alter]), at(0));
    assert.deepStrictEqual(notNull(['op.execute("UPDATE orders SET email = \'\'")', alter]), at(1));
    assert.deepStrictEqual(notNull(['op.execute("UPDATE users SET name = \'\' WHERE name IS NULL")', alter]), at(1));
    assert.deepStrictEqual(notNull(['op.execute("DELETE FROM users WHERE id = 1")', alter]), at(1));
    assert.deepStrictEqual(notNull(['op.execute("INSERT INTO users (email) VALUES (\'a\')")', alter]), at(1));
    assert.deepStrictEqual(
      notNull([
        "orders = sa.table('orders', sa.column('email'))",
        "op.get_bind().execute(sa.update(orders).values(email=''))",
        alter,
      ]),
      at(2),
    );
    assert.deepStrictEqual(notNull(['op.get_bind().execute(sa.select(sa.table("users")))', alter]), at(1));
    assert.deepStrictEqual(notNull([alter, 'op.execute("UPDATE users SET email = \'\' WHERE email IS NULL")']), at(0));
    assert.deepStrictEqual(
      notNull(["op.add_column('users', sa.Column('email', sa.String(), nullable=True))", alter]),
      at(1),
    );
    assert.deepStrictEqual(notNull(["op.add_column('users', sa.Column('email', sa.String()))", alter]), at(1));
    assert.deepStrictEqual(
      notNull(["op.alter_column('users', 'email', nullable=False, existing_nullable=True)"]),
      at(0),
    );
    assert.deepStrictEqual(notNull(["op.create_primary_key('pk_users', 'users', ['id'])", alter]), at(1));
  });

  describe('raw SQL SET NOT NULL, with the parser loaded', () => {
    before(async () => assert.strictEqual(await loadPgParser(), true));
    const setNotNull = 'op.execute("ALTER TABLE users ALTER COLUMN email SET NOT NULL")';

    it('a DELETE ... IS NULL or a connection.execute(sa.update(...)) first: not reported', () => {
      assert.deepStrictEqual(
        notNull(['op.execute("DELETE FROM users WHERE email IS NULL")', setNotNull], 'postgresql'),
        [],
      );
      assert.deepStrictEqual(
        notNull(
          ['op.execute("DELETE FROM users WHERE email IS NULL; ALTER TABLE users ALTER COLUMN email SET NOT NULL")'],
          'postgresql',
        ),
        [],
      );
      assert.deepStrictEqual(
        notNull(
          [
            "users = sa.table('users', sa.column('email'))",
            "op.get_bind().execute(sa.update(users).values(email=''))",
            setNotNull,
          ],
          'postgresql',
        ),
        [],
      );
    });

    it('still reported: a DELETE of other rows, an UPDATE of another table', () => {
      assert.deepStrictEqual(
        notNull(['op.execute("DELETE FROM users WHERE id = 1")', setNotNull], 'postgresql'),
        at(1),
      );
      assert.deepStrictEqual(
        notNull(['op.execute("UPDATE orders SET email = \'\'")', setNotNull], 'postgresql'),
        at(1),
      );
    });
  });
});

describe('enum-value-in-transaction: only where the claim holds', () => {
  const addValue = 'op.execute("ALTER TYPE status ADD VALUE \'archived\'")';
  const enumFindings = (upgrade: string[], options: LintOptions = {}): Problem[] =>
    lintRevision(
      revisionText({ id: 'b1', down: 'a0', message: 'archive', upgrade, downgrade: ['pass'] }),
      '/p/versions/b1.py',
      { dialect: 'postgresql', ...options },
    ).filter((p) => p.code === 'enum-value-in-transaction');
  const perMigration: LintOptions = { transactionPerMigration: true };

  it('env.py sets transaction_per_migration=True and this upgrade() does not use the value: not reported', () => {
    assert.deepStrictEqual(enumFindings([addValue], perMigration), []);
    assert.deepStrictEqual(
      enumFindings(
        [addValue, "op.create_table('t', sa.Column('s', sa.Enum('a', 'archived', name='other')))"],
        perMigration,
      ),
      [],
      'an Enum(...) definition naming the label is no use of the value',
    );
  });

  it('reported on every PostgreSQL version when the same upgrade() uses the value, with the line of the use', () => {
    for (const use of [
      'op.execute("UPDATE posts SET status = \'archived\' WHERE deleted")',
      "op.get_bind().execute(posts.update().values(status='archived'))",
      "op.alter_column('posts', 'status', server_default='archived')",
    ]) {
      for (const options of [perMigration, {}]) {
        const [found, ...rest] = enumFindings([addValue, use], options);
        assert.deepStrictEqual(rest, [], use);
        assert.strictEqual(found?.line, FIRST, use);
        assert.match(found.message, new RegExp(`line ${FIRST + 1} uses 'archived'`), use);
        assert.match(found.message, /fails on every PostgreSQL version/, use);
      }
    }
    const [sameString] = enumFindings([
      "op.execute(\"ALTER TYPE status ADD VALUE 'archived'; UPDATE posts SET status = 'archived'\")",
    ]);
    assert.match(sameString.message, /fails on every PostgreSQL version/);
  });

  it('without transaction_per_migration: reported, saying a later migration of the same run is what fails from 12', () => {
    for (const options of [{}, { transactionPerMigration: false }]) {
      const [found, ...rest] = enumFindings([addValue], options);
      assert.deepStrictEqual(rest, []);
      assert.strictEqual(found.line, FIRST);
      assert.match(found.message, /PostgreSQL before 12 refuses it/);
      assert.match(found.message, /transaction_per_migration/);
      assert.doesNotMatch(found.message, /every PostgreSQL version/);
    }
  });

  it('never in an autocommit_block(); a use after a later autocommit_block() is in another transaction', () => {
    assert.deepStrictEqual(
      enumFindings([
        'with op.get_context().autocommit_block():',
        '    op.execute("ALTER TYPE status ADD VALUE \'archived\'")',
        'op.execute("UPDATE posts SET status = \'archived\'")',
      ]),
      [],
    );
    assert.deepStrictEqual(
      enumFindings(
        [
          addValue,
          'with op.get_context().autocommit_block():',
          '    op.execute("CREATE INDEX CONCURRENTLY ix ON posts (id)")',
          'op.execute("UPDATE posts SET status = \'archived\'")',
        ],
        perMigration,
      ),
      [],
    );
  });
});

describe('enum-value-in-transaction: env.py read by the project lint', () => {
  it('transaction_per_migration=True in context.configure() turns the per-migration reading on', () => {
    const dir = tempDir('alembic-lens-enum-');
    const ini = writeProject(
      dir,
      [
        {
          id: 'a1',
          down: null,
          message: 'archive',
          upgrade: ['op.execute("ALTER TYPE status ADD VALUE \'archived\'")'],
        },
      ],
      '[alembic]\nscript_location = alembic\nsqlalchemy.url = postgresql://u@h/db\n',
    );
    const env = path.join(dir, 'alembic', 'env.py');
    const configure = (extra: string) =>
      fs.writeFileSync(
        env,
        `from alembic import context\n\ncontext.configure(url="postgresql://u@h/db", target_metadata=None${extra})\n`,
      );
    const codes = () =>
      lintProject(loadProject(ini), { env: {} })
        .filter((p) => p.code === 'enum-value-in-transaction')
        .map((p) => p.line);
    configure('');
    assert.deepStrictEqual(codes(), [FIRST]);
    configure(', transaction_per_migration=True');
    assert.deepStrictEqual(codes(), []);
  });
});

describe('SQLite: no PostgreSQL advice on a SQLite project', () => {
  const sqlite: LintOptions = { dialect: 'sqlite', renderAsBatch: false };
  const lintWith = (upgrade: string[], options: LintOptions): Problem[] =>
    lintRevision(
      revisionText({ id: 'b1', down: 'a0', message: 'change', upgrade, downgrade: ['raise NotImplementedError()'] }),
      '/p/versions/b1.py',
      options,
    );
  const codes = (problems: Problem[]) => problems.map((p) => `${p.line} ${p.code}`);
  const alter = "op.alter_column('users', 'email', existing_type=sa.VARCHAR(), nullable=False)";

  it('alter_column(nullable=False) outside batch: only sqlite-alter-outside-batch (the migration fails there anyway)', () => {
    assert.deepStrictEqual(codes(lintWith([alter], sqlite)), [`${FIRST} sqlite-alter-outside-batch`]);
  });

  it('still alter-column-not-null: with sqlite-alter-outside-batch off, in a batch (about NULLs, no lock advice), on PostgreSQL', () => {
    const off: LintOptions = { ...sqlite, severities: { 'sqlite-alter-outside-batch': 'off' } };
    assert.deepStrictEqual(codes(lintWith([alter], off)), [`${FIRST} alter-column-not-null`]);
    const batch = lintWith(
      ["with op.batch_alter_table('users') as batch_op:", "    batch_op.alter_column('email', nullable=False)"],
      sqlite,
    );
    assert.deepStrictEqual(codes(batch), [`${FIRST + 1} alter-column-not-null`]);
    assert.match(batch[0].message, /fails if any existing row has NULL there/);
    assert.doesNotMatch(batch[0].message, /lock|PostgreSQL|scan/);
    const [pg] = lintWith([alter], { dialect: 'postgresql' });
    assert.strictEqual(pg.code, 'alter-column-not-null');
    assert.match(pg.message, /ACCESS EXCLUSIVE lock/);
  });

  it("opt-in rules: an INTEGER primary key is SQLite's 64-bit rowid; DateTime(timezone=True) changes nothing on SQLite or MySQL", () => {
    const all: LintOptions['severities'] = { 'integer-primary-key': 'warning', 'datetime-without-timezone': 'warning' };
    const upgrade = [
      "op.create_table('events', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('at', sa.DateTime()))",
    ];
    const optIn = (options: LintOptions) =>
      codes(lintWith(upgrade, { ...options, severities: all }))
        .filter((c) => !c.endsWith('outside-batch'))
        .sort();
    assert.deepStrictEqual(optIn(sqlite), []);
    assert.deepStrictEqual(optIn({ dialect: 'mysql' }), [`${FIRST} integer-primary-key`]);
    assert.deepStrictEqual(optIn({ dialect: 'postgresql' }), [
      `${FIRST} datetime-without-timezone`,
      `${FIRST} integer-primary-key`,
    ]);
    const unknown = lintWith(upgrade, { severities: all }).find((p) => p.code === 'datetime-without-timezone');
    assert.match(unknown?.message ?? '', /^On PostgreSQL, Oracle or SQL Server: /);
  });
});

describe('differs-from-model: nullability with SQLAlchemy defaults, and a full stop', () => {
  const HEAD = '92404fb3f98d';
  /** A copy of migrations-sample with SQLAlchemy 2.0 models for `tags`, and a revision creating it. */
  function tagsProject(modelLines: string[], createTable: string[]): { dir: string; file: string } {
    const dir = copySample(path.join(tempDir('alembic-lens-nullable-'), 'migrations-sample'));
    editModels(dir, (text) =>
      [
        text.replace(
          'from sqlalchemy.orm import declarative_base',
          'from sqlalchemy.orm import Mapped, declarative_base, mapped_column',
        ),
        'from typing import Optional',
        'import sqlalchemy as sa',
        '',
        '',
        'class Tag(Base):',
        '    __tablename__ = "tags"',
        ...modelLines.map((l) => `    ${l}`),
        '',
      ].join('\n'),
    );
    const file = path.join(dir, 'alembic', 'versions', 'a1a1a1a1a1a1_tags.py');
    fs.writeFileSync(
      file,
      revisionText({
        id: 'a1a1a1a1a1a1',
        down: HEAD,
        message: 'tags',
        upgrade: ["op.create_table('tags',", ...createTable.map((l) => `    ${l},`), ')'],
      }),
    );
    return { dir, file };
  }
  const differs = (dir: string): Problem[] =>
    lintProject(loadProject(path.join(dir, 'alembic.ini')), { env: {} }).filter((p) => p.code === 'differs-from-model');

  const model = [
    'id: Mapped[int] = mapped_column(primary_key=True)',
    'label: Mapped[str] = mapped_column(sa.String(30))',
    'note: Mapped[Optional[str]] = mapped_column(sa.String(30))',
    'memo: Mapped[str | None]',
  ];

  it('the revision agrees (primary keys NOT NULL, Optional / | None nullable, Mapped[X] NOT NULL; defaults on both sides): silent', () => {
    for (const columns of [
      [
        "sa.Column('id', sa.Integer(), nullable=False)",
        "sa.Column('label', sa.String(length=30), nullable=False)",
        "sa.Column('note', sa.String(length=30), nullable=True)",
        "sa.Column('memo', sa.String(), nullable=True)",
        "sa.PrimaryKeyConstraint('id')",
      ],
      [
        "sa.Column('id', sa.Integer())",
        "sa.Column('label', sa.String(length=30), nullable=False)",
        "sa.Column('note', sa.String(length=30))",
        "sa.Column('memo', sa.String())",
        "sa.PrimaryKeyConstraint('id')",
      ],
      ["sa.Column('id', sa.Integer(), primary_key=True)", "sa.Column('label', sa.String(30), nullable=False)"],
    ]) {
      const { dir } = tagsProject(model, columns);
      assert.deepStrictEqual(
        differs(dir).map((p) => p.message),
        [],
        columns.join(', '),
      );
    }
  });

  it('reported: Mapped[X] against a column the revision leaves nullable (nullable=True or no nullable=), Optional against NOT NULL', () => {
    const { dir, file } = tagsProject(model, [
      "sa.Column('id', sa.Integer(), primary_key=True)",
      "sa.Column('label', sa.String(length=30))",
      "sa.Column('note', sa.String(length=30), nullable=False)",
      "sa.Column('memo', sa.String(), nullable=True)",
    ]);
    const found = differs(dir).sort((a, b) => a.message.localeCompare(b.message));
    assert.deepStrictEqual(
      found.map((p) => [p.path, p.message.split(': ')[1].split('. ')[0]]),
      [
        [file, 'NOT NULL in the model, nullable in the revision'],
        [file, 'nullable in the model, NOT NULL in the revision'],
      ],
    );
    assert.match(found[0].message, /creates tags\.label unlike the model Tag\.label/);
    assert.match(found[1].message, /creates tags\.note unlike the model Tag\.note/);
    for (const p of found) assert.match(p.message, /\.$/, 'ends with a full stop like the other rules');
  });

  it('a column of a composite PrimaryKeyConstraint is NOT NULL without nullable=', () => {
    const { dir } = tagsProject(
      [
        'id: Mapped[int] = mapped_column(primary_key=True)',
        'label: Mapped[str] = mapped_column(sa.String(30), primary_key=True)',
      ],
      ["sa.Column('id', sa.Integer())", "sa.Column('label', sa.String(30))", "sa.PrimaryKeyConstraint('id', 'label')"],
    );
    assert.deepStrictEqual(differs(dir), []);
  });
});

describe('what upgrade() runs outside op.*: schema objects created through the connection', () => {
  it('sa.Enum(...).create(bind) is a schema change: empty-downgrade says so, and it is no backfill', () => {
    const create = "sa.Enum('a', 'b', name='kind').create(op.get_bind(), checkfirst=True)";
    const [empty] = lint([create, 'pass', 'pass']).filter((p) => p.code === 'empty-downgrade');
    assert.match(empty.message, /upgrade\(\) changes the schema/);
    assert.deepStrictEqual(
      findings('alter-column-not-null', [create, "op.alter_column('users', 'email', nullable=False)"]),
      [`${FIRST + 1} alter-column-not-null`],
    );
  });
});
