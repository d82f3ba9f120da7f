// Regression tests for lint false positives found on real projects (issue 13), built from the shapes of
// their revisions: Netflix/dispatch (five columns dropped from duplication_rule, an unrelated `window`
// added) and the FastAPI full-stack template (integer ids replaced by UUIDs: copy, drop, rename).
import * as assert from 'node:assert';
import { lintRevision } from '../../src/core/lint';
import { resemblingNames } from '../../src/core/lint/revisionRules';
import type { Problem } from '../../src/core/problems';
import { FIRST_UPGRADE_LINE, revisionText } from '../support/tempProject';

const FIRST = FIRST_UPGRADE_LINE;

function lint(upgrade: string[], downgrade: string[]): Problem[] {
  const text = revisionText({ id: 'b1', down: 'a0', message: 'change things', upgrade, downgrade });
  return lintRevision(text, '/p/versions/b1.py');
}

const codes = (problems: Problem[]): string[] => problems.map((p) => `${p.line} ${p.code}`);

describe('rename-as-drop-add pairs only on evidence', () => {
  // The dispatch shape: several columns dropped (one an Integer foreign key), one Integer column added.
  const dispatchUpgrade = [
    "op.add_column('duplication_rule', sa.Column('window', sa.Integer(), nullable=True))",
    "op.drop_constraint('duplication_rule_creator_id_fkey', 'duplication_rule', type_='foreignkey')",
    "op.drop_column('duplication_rule', 'expression')",
    "op.drop_column('duplication_rule', 'creator_id')",
    "op.drop_column('duplication_rule', 'description')",
    "op.drop_column('duplication_rule', 'name')",
    "op.drop_column('duplication_rule', 'search_vector')",
  ];
  const dispatchDowngrade = [
    "op.add_column('duplication_rule', sa.Column('search_vector', postgresql.TSVECTOR(), autoincrement=False, nullable=True))",
    "op.add_column('duplication_rule', sa.Column('description', sa.VARCHAR(), autoincrement=False, nullable=True))",
    "op.add_column('duplication_rule', sa.Column('name', sa.VARCHAR(), autoincrement=False, nullable=True))",
    "op.add_column('duplication_rule', sa.Column('expression', postgresql.JSON(), autoincrement=False, nullable=True))",
    "op.add_column('duplication_rule', sa.Column('creator_id', sa.INTEGER(), autoincrement=False, nullable=True))",
    "op.drop_column('duplication_rule', 'window')",
  ];

  it('the dispatch shape: a foreign key dropped and an unrelated column of the same type added are no rename', () => {
    const problems = lint(dispatchUpgrade, dispatchDowngrade);
    assert.deepStrictEqual(
      codes(problems),
      [2, 3, 4, 5, 6].map((offset) => `${FIRST + offset} drop-column`),
    );
  });

  it('a resembling name, same table, same type and options, one of each: reported, and the message says why', () => {
    const problems = lint(
      [
        "op.add_column('users', sa.Column('email', sa.String(length=255), nullable=True))",
        "op.drop_column('users', 'email_address')",
      ],
      [
        "op.add_column('users', sa.Column('email_address', sa.VARCHAR(length=255), autoincrement=False, nullable=True))",
        "op.drop_column('users', 'email')",
      ],
    );
    assert.deepStrictEqual(codes(problems), [`${FIRST} rename-as-drop-add`]);
    assert.match(
      problems[0].message,
      /email_address dropped and email added on users with the same type VARCHAR\(255\)/,
    );
    assert.match(problems[0].message, /one name contains the other/);
    assert.match(
      problems[0].message,
      /op\.alter_column\('users', 'email_address', new_column_name='email'\) to keep the data/,
    );
  });

  it('not when the values are moved between the add and the drop (an UPDATE setting the new column, or SQL Python builds), as indico and redash do', () => {
    const downgrade = [
      "op.add_column('events', sa.Column('name', sa.VARCHAR(), autoincrement=False, nullable=True))",
      "op.drop_column('events', 'verbose_name')",
    ];
    const copied = [
      "op.add_column('events', sa.Column('verbose_name', sa.String(), nullable=True))",
      "op.execute('UPDATE events SET verbose_name = name')",
      "op.drop_column('events', 'name')",
    ];
    assert.deepStrictEqual(codes(lint(copied, downgrade)), [`${FIRST + 2} drop-column`]);
    const converted = [
      "op.add_column('events', sa.Column('verbose_name', sa.String(), nullable=True))",
      'for row in rows:',
      '    op.execute(f"UPDATE events SET verbose_name = \'{row.title}\'")',
      "op.drop_column('events', 'name')",
    ];
    assert.deepStrictEqual(codes(lint(converted, downgrade)), [`${FIRST + 3} drop-column`]);
    // redash: rows rewritten through the connection, with a lightweight table.
    const throughConnection = [
      "op.add_column('events', sa.Column('verbose_name', sa.String(), nullable=True))",
      "events = sa.table('events', sa.column('name'), sa.column('verbose_name'))",
      'conn = op.get_bind()',
      'conn.execute(events.update().values(verbose_name=events.c.name))',
      "op.drop_column('events', 'name')",
    ];
    assert.deepStrictEqual(
      codes(lint(throughConnection, downgrade)).filter((c) => !c.includes('offline-mode-unsafe')),
      [`${FIRST + 4} drop-column`],
    );
    // The same add and drop with nothing between them: the rename written the long way.
    const bare = [copied[0], copied[2]];
    assert.deepStrictEqual(codes(lint(bare, downgrade)), [`${FIRST} rename-as-drop-add`]);
  });

  it('not when the new column references another table than the dropped one (prefect: work_pool_queue_id to work_queue_id)', () => {
    const downgrade = [
      "op.add_column('flow_run', sa.Column('work_pool_queue_id', sa.UUID(), sa.ForeignKey('work_pool_queue.id'), nullable=True))",
      "op.drop_column('flow_run', 'work_queue_id')",
    ];
    const upgrade = (target: string) => [
      `op.add_column('flow_run', sa.Column('work_queue_id', sa.UUID(), sa.ForeignKey('${target}.id'), nullable=True))`,
      "op.drop_column('flow_run', 'work_pool_queue_id')",
    ];
    assert.deepStrictEqual(codes(lint(upgrade('work_queue'), downgrade)), [`${FIRST + 1} drop-column`]);
    assert.deepStrictEqual(codes(lint(upgrade('work_pool_queue'), downgrade)), [`${FIRST} rename-as-drop-add`]);
    // As prefect writes it: the foreign keys made by create_foreign_key in batch mode.
    const batch = (column: string, target: string) => [
      "with op.batch_alter_table('flow_run', schema=None) as batch_op:",
      `    batch_op.add_column(sa.Column('${column}', sa.UUID(), nullable=True))`,
      `    batch_op.create_foreign_key('fk_${column}', '${target}', ['${column}'], ['id'])`,
    ];
    const batchDowngrade = [
      ...batch('work_pool_queue_id', 'work_pool_queue'),
      "with op.batch_alter_table('flow_run', schema=None) as batch_op:",
      "    batch_op.drop_column('work_queue_id')",
    ];
    const batchUpgrade = (target: string) => [
      ...batch('work_queue_id', target),
      "with op.batch_alter_table('flow_run', schema=None) as batch_op:",
      "    batch_op.drop_column('work_pool_queue_id')",
    ];
    const columnCodes = (problems: Problem[]) =>
      codes(problems).filter((c) => /drop-column|rename-as-drop-add/.test(c));
    assert.deepStrictEqual(columnCodes(lint(batchUpgrade('work_queue'), batchDowngrade)), [`${FIRST + 4} drop-column`]);
    assert.deepStrictEqual(columnCodes(lint(batchUpgrade('work_pool_queue'), batchDowngrade)), [
      `${FIRST + 1} rename-as-drop-add`,
    ]);
  });

  it('not when the options differ (nullable), nor when two columns of that type are dropped', () => {
    assert.deepStrictEqual(
      codes(
        lint(
          [
            "op.add_column('users', sa.Column('email', sa.String(length=255), nullable=False, server_default=''))",
            "op.drop_column('users', 'email_address')",
          ],
          ["op.add_column('users', sa.Column('email_address', sa.VARCHAR(length=255), nullable=True))"],
        ),
      ),
      [`${FIRST + 1} drop-column`],
    );
    assert.deepStrictEqual(
      codes(
        lint(
          [
            "op.add_column('users', sa.Column('email', sa.String(length=255)))",
            "op.drop_column('users', 'email_address')",
            "op.drop_column('users', 'email_backup')",
          ],
          [
            "op.add_column('users', sa.Column('email_address', sa.VARCHAR(length=255)))",
            "op.add_column('users', sa.Column('email_backup', sa.VARCHAR(length=255)))",
          ],
        ),
      ),
      [`${FIRST + 1} drop-column`, `${FIRST + 2} drop-column`],
      'two candidates: which one is renamed is a guess',
    );
  });

  it('only from upgrade(): a drop and add in downgrade() or in comments pair with nothing', () => {
    assert.deepStrictEqual(
      codes(
        lint(
          [
            "# op.add_column('users', sa.Column('email', sa.String(length=255)))",
            "op.drop_column('users', 'email_address')",
          ],
          [
            "op.add_column('users', sa.Column('email_address', sa.VARCHAR(length=255)))",
            "op.drop_column('users', 'email')",
          ],
        ),
      ),
      [`${FIRST + 1} drop-column`],
    );
  });

  it('names resemble when one contains the other, the words are reordered, or the edit distance is small', () => {
    assert.strictEqual(resemblingNames('email_address', 'email'), 'one name contains the other');
    assert.strictEqual(resemblingNames('created_by_user', 'user_created_by'), 'the same words reordered');
    assert.strictEqual(resemblingNames('adress', 'address'), 'the names differ by 1 character');
    assert.strictEqual(resemblingNames('creator_id', 'window'), undefined);
    assert.strictEqual(resemblingNames('id', 'uid'), undefined, 'too short to say: one letter is a third of the name');
    assert.strictEqual(resemblingNames('name', 'mode'), undefined);
  });
});

describe('drop-column: copy-then-rename within a revision', () => {
  // The FastAPI template shape: new_id added, filled by an UPDATE, the old id dropped, new_id renamed to id.
  const copyThenRename = [
    "op.add_column('user', sa.Column('new_id', postgresql.UUID(as_uuid=True)))",
    'op.execute(\'UPDATE "user" SET new_id = uuid_generate_v4()\')',
    "op.drop_column('user', 'id')",
    "op.alter_column('user', 'new_id', new_column_name='id')",
  ];
  const downgrade = [
    "op.add_column('user', sa.Column('old_id', sa.Integer()))",
    "op.drop_column('user', 'id')",
    "op.alter_column('user', 'old_id', new_column_name='id')",
  ];
  const [addNewId, copy, dropId, renameNewId] = copyThenRename;

  it('the FastAPI shape: not reported, with op or in a batch', () => {
    assert.deepStrictEqual(codes(lint(copyThenRename, downgrade)), []);
    const batch = [
      addNewId,
      copy,
      "with op.batch_alter_table('user') as batch_op:",
      "    batch_op.drop_column('id')",
      "    batch_op.alter_column('new_id', new_column_name='id')",
    ];
    assert.deepStrictEqual(codes(lint(batch, downgrade)), []);
  });

  it('still reported without the copy, or when the copy is a comment, a string, another column or in downgrade()', () => {
    const reported = [`${FIRST + 2} drop-column`];
    const withCopy = (replacement: string): string[] =>
      codes(lint([addNewId, replacement, dropId, renameNewId], downgrade));
    assert.deepStrictEqual(withCopy('pass'), reported);
    assert.deepStrictEqual(withCopy('# op.execute(\'UPDATE "user" SET new_id = uuid_generate_v4()\')'), reported);
    assert.deepStrictEqual(withCopy('note = \'UPDATE "user" SET new_id = uuid_generate_v4()\''), reported);
    assert.deepStrictEqual(withCopy('op.execute(\'UPDATE "user" SET other_id = 1\')'), reported);
    assert.deepStrictEqual(withCopy("op.execute('UPDATE item SET new_id = uuid_generate_v4()')"), reported);
    const copyInDowngrade = ['op.execute(\'UPDATE "user" SET new_id = 1\')', ...downgrade];
    assert.deepStrictEqual(codes(lint([addNewId, dropId, renameNewId], copyInDowngrade)), [`${FIRST + 1} drop-column`]);
  });

  it('still reported when the copy comes after the drop, or when the renamed column is another one', () => {
    assert.deepStrictEqual(codes(lint([addNewId, dropId, copy, renameNewId], downgrade)), [`${FIRST + 1} drop-column`]);
    const renameElsewhere = "op.alter_column('user', 'new_id', new_column_name='uuid')";
    const problems = lint([addNewId, copy, dropId, renameElsewhere], downgrade);
    assert.deepStrictEqual(codes(problems), [`${FIRST + 2} drop-column`]);
  });
});

describe('alter-column-type: a longer string is no rewrite on PostgreSQL', () => {
  const widen = (type: string) => [
    `op.alter_column('users', 'name', existing_type=sa.VARCHAR(length=100), type_=${type}, existing_nullable=True)`,
  ];
  const typeFindings = (upgrade: string[], dialect?: string): string[] => {
    const text = revisionText({ id: 'b1', down: 'a0', message: 'widen', upgrade, downgrade: ['pass'] });
    return lintRevision(text, '/p/versions/b1.py', { dialect })
      .filter((p) => p.code === 'alter-column-type')
      .map((p) => `${p.line} ${p.code}`);
  };

  it('autogenerate widening VARCHAR(100) to String(150) or Text: quiet on PostgreSQL and when the database is unknown', () => {
    for (const type of ['sa.String(length=150)', 'sa.String(150)', 'sa.Text()', 'sa.String()']) {
      assert.deepStrictEqual(typeFindings(widen(type), 'postgresql'), [], type);
      assert.deepStrictEqual(typeFindings(widen(type)), [], type);
    }
  });

  it('a length in a module constant or written with underscores is read as the number it is', () => {
    const withConstant = (constant: string, type: string): string[] => {
      const text = revisionText({ id: 'b1', down: 'a0', message: 'widen', upgrade: widen(type), downgrade: ['pass'] });
      const withLine = text.replace('\ndef upgrade', `\n${constant}\n\ndef upgrade`);
      return lintRevision(withLine, '/p/versions/b1.py', { dialect: 'postgresql' })
        .filter((p) => p.code === 'alter-column-type')
        .map((p) => p.code);
    };
    assert.deepStrictEqual(withConstant('MAX_LENGTH = 5_000_000', 'sa.String(length=MAX_LENGTH)'), []);
    assert.deepStrictEqual(withConstant('MAX_LENGTH = 50', 'sa.String(length=MAX_LENGTH)'), ['alter-column-type']);
    // Not a number Python would accept, or a name bound to something else: unknown, so reported.
    assert.deepStrictEqual(withConstant('MAX_LENGTH = "5000"', 'sa.String(MAX_LENGTH)'), ['alter-column-type']);
    assert.deepStrictEqual(withConstant('OTHER = 5000', 'sa.String(MAX_LENGTH)'), ['alter-column-type']);
    assert.deepStrictEqual(typeFindings(widen('sa.String(length=1_000)'), 'postgresql'), []);
    assert.deepStrictEqual(typeFindings(widen('sa.String(length=1__000)'), 'postgresql'), [
      `${FIRST} alter-column-type`,
    ]);
  });

  it('still reported: a shorter string, another family, and any change on MySQL; never on SQLite (no ALTER TYPE)', () => {
    assert.deepStrictEqual(typeFindings(widen('sa.String(length=50)'), 'postgresql'), [`${FIRST} alter-column-type`]);
    assert.deepStrictEqual(typeFindings(widen('sa.Integer()'), 'postgresql'), [`${FIRST} alter-column-type`]);
    assert.deepStrictEqual(typeFindings(widen('sa.String(length=150)'), 'mysql'), [`${FIRST} alter-column-type`]);
    assert.deepStrictEqual(typeFindings(widen('sa.Integer()'), 'sqlite'), []);
  });
});

describe('a table emptied earlier in upgrade() has no row a NOT NULL could fail on (onyx)', () => {
  const notNull = [
    "op.add_column('t', sa.Column('app_name', sa.String(), nullable=False))",
    "op.alter_column('t', 'name', existing_type=sa.String(50), nullable=False)",
  ];
  const notNullCodes = (first: string): string[] =>
    codes(lint([first, ...notNull], ['pass'])).filter((c) => !c.endsWith('empty-downgrade'));
  const reported = [`${FIRST + 1} add-column-not-null-without-default`, `${FIRST + 2} alter-column-not-null`];

  it('DELETE FROM t without WHERE, or TRUNCATE t: quiet', () => {
    for (const empty of [
      'op.execute("DELETE FROM t")',
      'op.execute("TRUNCATE TABLE t")',
      'op.execute(sa.text("delete from T"))',
    ])
      assert.deepStrictEqual(notNullCodes(empty), [], empty);
  });

  it('rows may remain: a DELETE with WHERE, another table, or an UPDATE of other columns', () => {
    assert.deepStrictEqual(notNullCodes('op.execute("DELETE FROM t WHERE archived")'), reported);
    assert.deepStrictEqual(notNullCodes('op.execute("DELETE FROM other")'), reported);
    assert.deepStrictEqual(notNullCodes('op.execute("UPDATE t SET other = 1")'), reported);
    // A DELETE WHERE that names the column fills its NULLs (they are gone), not the new column's.
    assert.deepStrictEqual(notNullCodes('op.execute("DELETE FROM t WHERE name IS NULL")'), [reported[0]]);
  });
});

describe('a table created by CREATE TABLE earlier in upgrade() has no rows for the op.* rules either', () => {
  it('no index, foreign key or NOT NULL finding on it; the same operations on an older table are reported', () => {
    const operations = (table: string): string[] => [
      `op.create_index('ix_${table}_x', '${table}', ['x'])`,
      `op.create_foreign_key('fk_${table}_x', '${table}', 't', ['x'], ['id'])`,
      `op.add_column('${table}', sa.Column('y', sa.Integer(), nullable=False))`,
    ];
    const problems = lint(
      ['op.execute("CREATE TABLE n1 (id integer PRIMARY KEY, x integer)")', ...operations('n1')],
      ['pass'],
    );
    assert.deepStrictEqual(
      codes(problems).filter((c) => !c.endsWith('empty-downgrade')),
      [],
    );
    const older = lint(
      ['op.execute("CREATE TABLE n1 (id integer PRIMARY KEY, x integer)")', ...operations('old')],
      ['pass'],
    );
    assert.deepStrictEqual(
      codes(older).filter((c) => !c.endsWith('empty-downgrade')),
      [
        `${FIRST + 1} create-index-not-concurrently`,
        `${FIRST + 2} create-foreign-key-without-not-valid`,
        `${FIRST + 3} add-column-not-null-without-default`,
      ],
    );
  });
});

describe('empty-downgrade on data migrations (prefect, warehouse, quay)', () => {
  const emptyDowngrade = (upgrade: string[]): string[] =>
    lint(upgrade, ['pass'])
      .filter((p) => p.code === 'empty-downgrade')
      .map((p) => (/changes the schema/.test(p.message) ? 'schema' : 'not empty'));

  it('rows only: SQL held in a name, SELECT setval(...), an ORM Model.create(...): quiet', () => {
    const backfill = [
      `backfill = """UPDATE t SET name = 'x' WHERE name IS NULL"""`,
      'conn = op.get_bind()',
      'conn.execute(sa.text(backfill))',
    ];
    assert.deepStrictEqual(emptyDowngrade(backfill), []);
    assert.deepStrictEqual(emptyDowngrade(['op.execute("SELECT setval(\'t_id_seq\', max(id)) FROM t")']), []);
    assert.deepStrictEqual(emptyDowngrade(['RobotAccountToken.create(robot_account=1, token="x")']), []);
  });

  it('still reported: DDL held in a name, an Enum created, a name bound to two texts', () => {
    assert.deepStrictEqual(emptyDowngrade(['ddl = "CREATE INDEX ix ON t (x)"', 'op.execute(ddl)']), ['schema']);
    const enumCreated = ["sa.Enum('a', 'b', name='kind').create(op.get_bind(), checkfirst=True)"];
    assert.deepStrictEqual(emptyDowngrade(enumCreated), ['schema']);
    const twice = ['sql = "UPDATE t SET a = 1"', 'sql = "DROP TABLE t"', 'op.execute(sql)'];
    assert.deepStrictEqual(emptyDowngrade(twice), ['not empty']);
  });
});
