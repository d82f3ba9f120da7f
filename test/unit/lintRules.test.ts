// The rules of src/core/lint/rules/: each fires at the line of the operation, and stays quiet on the
// safe form, on a table created earlier in the same upgrade(), in downgrade(), in comments and strings.
import * as assert from 'node:assert';
import { LINT_RULES, type LintOptions, lintRevision, severityOf } from '../../src/core/lint';
import type { Problem } from '../../src/core/problems';
import { FIRST_UPGRADE_LINE, revisionText } from '../support/tempProject';

const FIRST = FIRST_UPGRADE_LINE;

function lint(
  upgrade: string[],
  options: LintOptions = {},
  downgrade: string[] = ['op.execute("SELECT 1")'],
): Problem[] {
  return lintRevision(revisionText({ id: 'b1', down: 'a0', upgrade, downgrade }), '/p/versions/b1.py', options);
}

/** `line code` of the problems of one rule. */
function hits(code: string, upgrade: string[], options: LintOptions = {}, downgrade?: string[]): string[] {
  const severities = { [code]: severityOf(code) === 'off' ? 'warning' : severityOf(code) } as LintOptions['severities'];
  return lint(upgrade, { severities, ...options }, downgrade)
    .filter((p) => p.code === code)
    .map((p) => `${p.line - FIRST}`);
}

const PG: LintOptions = { dialect: 'postgresql' };

describe('lint rules for op.*', () => {
  it('every rule has a unique code, a summary, and opt-in rules are off by default', () => {
    const codes = LINT_RULES.map((r) => r.code);
    assert.strictEqual(new Set(codes).size, codes.length);
    for (const code of ['datetime-without-timezone', 'integer-primary-key', 'missing-lock-timeout'])
      assert.strictEqual(severityOf(code), 'off', code);
    assert.strictEqual(severityOf('rename-table'), 'warning');
    assert.strictEqual(severityOf('concurrent-index-outside-autocommit'), 'error');
  });

  it('rename-table and rename-column, not for a column added earlier in the same upgrade() (copy then rename)', () => {
    const upgrade = [
      "op.rename_table('users', 'accounts')",
      "op.alter_column('orders', 'note', new_column_name='comment')",
      "op.add_column('user', sa.Column('new_id', sa.Uuid()))",
      "op.drop_column('user', 'id')",
      "op.alter_column('user', 'new_id', new_column_name='id')",
      "op.alter_column('orders', 'total', nullable=True)",
      "# op.rename_table('a', 'b')",
      "op.execute(\"op.rename_table('a', 'b')\")",
    ];
    assert.deepStrictEqual(hits('rename-table', upgrade), ['0']);
    assert.deepStrictEqual(hits('rename-column', upgrade), ['1']);
    assert.deepStrictEqual(hits('rename-table', ['pass'], {}, ["op.rename_table('accounts', 'users')"]), []);
    const [message] = lint(upgrade).filter((p) => p.code === 'rename-column');
    assert.match(message.message, /orders\.note to 'comment'.*expand and contract/);
  });

  it('volatile-server-default: gen_random_uuid(), not now() (STABLE), not on a new table', () => {
    const upgrade = [
      "op.add_column('users', sa.Column('token', sa.Uuid(), server_default=sa.text('gen_random_uuid()')))",
      "op.add_column('users', sa.Column('seen', sa.DateTime(), server_default=sa.func.clock_timestamp()))",
      "op.add_column('users', sa.Column('created', sa.DateTime(), server_default=sa.func.now()))",
      "op.add_column('users', sa.Column('made', sa.DateTime(), server_default=sa.text('now()')))",
      "op.create_table('tags', sa.Column('id', sa.Integer()))",
      "op.add_column('tags', sa.Column('token', sa.Uuid(), server_default=sa.text('gen_random_uuid()')))",
    ];
    assert.deepStrictEqual(hits('volatile-server-default', upgrade, PG), ['0', '1']);
    assert.deepStrictEqual(hits('volatile-server-default', upgrade, { dialect: 'sqlite' }), []);
  });

  it('drop-index-not-concurrently, and concurrent-index-outside-autocommit (op.* and raw SQL)', () => {
    const upgrade = [
      "op.drop_index('ix_users_email', table_name='users')",
      'with op.get_context().autocommit_block():',
      "    op.drop_index('ix_users_name', table_name='users', postgresql_concurrently=True)",
      "    op.create_index('ix_users_age', 'users', ['age'], postgresql_concurrently=True)",
      "    op.execute('CREATE INDEX CONCURRENTLY ix_a ON users (a)')",
      "op.create_index('ix_users_b', 'users', ['b'], postgresql_concurrently=True)",
      "op.drop_index('ix_users_c', table_name='users', postgresql_concurrently=True)",
      "op.execute('create unique index concurrently ix_d on users (d)')",
      "op.execute('CREATE INDEX ix_e ON users (e)')",
    ];
    assert.deepStrictEqual(hits('drop-index-not-concurrently', upgrade, PG), ['0']);
    assert.deepStrictEqual(hits('concurrent-index-outside-autocommit', upgrade, PG), ['5', '6', '7']);
    assert.deepStrictEqual(
      hits('drop-index-not-concurrently', ['pass'], PG, ["op.drop_index('ix_users_email', table_name='users')"]),
      [],
    );
  });

  it('foreign keys and check constraints without postgresql_not_valid=True, unique constraints, on existing tables only', () => {
    const upgrade = [
      "op.create_foreign_key('fk_orders_user', 'orders', 'users', ['user_id'], ['id'])",
      "op.create_foreign_key('fk_orders_shop', 'orders', 'shops', ['shop_id'], ['id'], postgresql_not_valid=True)",
      "op.create_check_constraint('ck_orders_total', 'orders', 'total >= 0')",
      "op.create_check_constraint('ck_orders_qty', 'orders', 'qty > 0', postgresql_not_valid=True)",
      "op.create_unique_constraint('uq_orders_ref', 'orders', ['ref'])",
      "op.create_table('tags', sa.Column('id', sa.Integer()), sa.Column('user_id', sa.Integer()))",
      "op.create_foreign_key('fk_tags_user', 'tags', 'users', ['user_id'], ['id'])",
      "op.create_unique_constraint('uq_tags_id', 'tags', ['id'])",
      "op.create_primary_key('pk_orders', 'orders', ['id'])",
      "op.create_primary_key('pk_tags', 'tags', ['id'])",
    ];
    assert.deepStrictEqual(hits('create-foreign-key-without-not-valid', upgrade, PG), ['0']);
    assert.deepStrictEqual(hits('create-check-constraint-without-not-valid', upgrade, PG), ['2']);
    assert.deepStrictEqual(hits('create-unique-constraint', upgrade, PG), ['4']);
    assert.deepStrictEqual(hits('create-primary-key', upgrade, PG), ['8'], 'not on the table made just before');
    const [pk] = lint(upgrade, PG).filter((p) => p.code === 'create-primary-key');
    assert.match(pk.message, /ACCESS EXCLUSIVE lock: every read and write of the table waits/);
    assert.match(pk.message, /ADD CONSTRAINT pk_name PRIMARY KEY USING INDEX pk_name/);
    const [fk] = lint(upgrade, PG).filter((p) => p.code === 'create-foreign-key-without-not-valid');
    assert.match(fk.message, /VALIDATE CONSTRAINT fk_orders_user/);
  });

  it('unknown dialect: the PostgreSQL rules stay on and say "On PostgreSQL"; another dialect: off', () => {
    const upgrade = ["op.create_unique_constraint('uq_orders_ref', 'orders', ['ref'])"];
    const [unknown] = lint(upgrade).filter((p) => p.code === 'create-unique-constraint');
    assert.match(unknown.message, /^On PostgreSQL: /);
    assert.doesNotMatch(lint(upgrade, PG)[0].message, /^On PostgreSQL/);
    assert.deepStrictEqual(hits('create-unique-constraint', upgrade, { dialect: 'mysql' }), []);
  });

  it('enum-value-in-transaction: ALTER TYPE ... ADD VALUE outside autocommit_block()', () => {
    const upgrade = [
      'op.execute("ALTER TYPE status ADD VALUE \'archived\'")',
      'with op.get_context().autocommit_block():',
      '    op.execute("ALTER TYPE status ADD VALUE IF NOT EXISTS \'draft\'")',
      "op.execute(\"ALTER TYPE status RENAME VALUE 'a' TO 'b'\")",
    ];
    assert.deepStrictEqual(hits('enum-value-in-transaction', upgrade, PG), ['0']);
  });

  it('sqlite-alter-outside-batch: column and constraint changes outside batch_alter_table, on SQLite only', () => {
    const upgrade = [
      "op.alter_column('users', 'email', nullable=False)",
      "op.alter_column('users', 'name', new_column_name='full_name')",
      "op.alter_column('users', 'age', new_column_name='years', existing_type=sa.Integer())",
      "op.drop_constraint('uq_users_email', 'users', type_='unique')",
      "op.create_foreign_key('fk', 'users', 'teams', ['team_id'], ['id'])",
      "op.drop_column('users', 'nickname')",
      "with op.batch_alter_table('users') as batch_op:",
      "    batch_op.alter_column('email', nullable=False)",
      "    batch_op.drop_constraint('uq_users_name', type_='unique')",
      "op.create_index('ix_users_email', 'users', ['email'])",
    ];
    const sqlite: LintOptions = { dialect: 'sqlite', renderAsBatch: false };
    assert.deepStrictEqual(hits('sqlite-alter-outside-batch', upgrade, sqlite), ['0', '3', '4']);
    assert.deepStrictEqual(hits('sqlite-alter-outside-batch', upgrade, PG), []);
    assert.deepStrictEqual(hits('sqlite-alter-outside-batch', upgrade), []);
    const [first] = lint(upgrade, sqlite).filter((p) => p.code === 'sqlite-alter-outside-batch');
    assert.match(first.message, /render_as_batch=True/);
    assert.strictEqual(first.severity, 'error');
  });

  it('a test of the database decides: no SQLite advice under `if is_postgres():`, no PostgreSQL advice under sqlite', () => {
    const upgrade = [
      'if is_postgres():',
      "    op.alter_column('recipes', 'quantity', type_=sa.Float())",
      "    op.create_unique_constraint('uq_a', 'recipes', ['a'])",
      'else:',
      "    op.alter_column('recipes', 'rating', type_=sa.Float())",
      'if op.get_context().dialect.name != "sqlite":',
      "    op.drop_constraint('uq_b', 'recipes', type_='unique')",
      'if op.get_bind().dialect.name == "sqlite":',
      "    op.create_unique_constraint('uq_c', 'recipes', ['c'])",
    ];
    const sqlite: LintOptions = { dialect: 'sqlite', renderAsBatch: false };
    assert.deepStrictEqual(hits('sqlite-alter-outside-batch', upgrade, sqlite), ['4', '8']);
    assert.deepStrictEqual(hits('create-unique-constraint', upgrade, PG), ['2']);
    assert.deepStrictEqual(hits('create-unique-constraint', upgrade), ['2'], 'unknown database: the same');
  });

  it('offline-mode-unsafe: results and inspection, not under an is_offline_mode() guard', () => {
    const upgrade = [
      'conn = op.get_bind()',
      "if conn.dialect.name == 'postgresql':",
      "    rows = conn.execute(sa.text('SELECT id FROM users')).fetchall()",
      'tables = sa.inspect(conn).get_table_names()',
      'if not context.is_offline_mode():',
      "    count = conn.execute(sa.text('SELECT count(*) FROM users')).scalar()",
      'if context.is_offline_mode():',
      "    op.execute('UPDATE users SET a = 1')",
      'else:',
      '    first = conn.execute(sa.text("SELECT 1")).first()',
      "op.execute('SELECT 1')  # .fetchall() in a comment",
    ];
    assert.deepStrictEqual(hits('offline-mode-unsafe', upgrade), ['2', '3']);
    const early = [
      'if context.is_offline_mode():',
      '    return',
      "rows = op.get_bind().execute(sa.text('SELECT 1')).fetchall()",
    ];
    assert.deepStrictEqual(hits('offline-mode-unsafe', early), []);
    assert.deepStrictEqual(
      hits('offline-mode-unsafe', ['pass'], {}, ["op.get_bind().execute(sa.text('x')).all()"]),
      [],
    );
  });

  it("migration-imports-models: the application's models, not SQLAlchemy's or a sa.table()", () => {
    const text = revisionText({ id: 'b1', down: 'a0', upgrade: ['from app.models import User', 'pass'] }).replace(
      'import sqlalchemy as sa',
      'import sqlalchemy as sa\nfrom app import models\nfrom sqlmodel import SQLModel',
    );
    const found = lintRevision(text, '/p/b1.py')
      .filter((p) => p.code === 'migration-imports-models')
      .map((p) => [p.line, p.message.split(',')[0]]);
    assert.deepStrictEqual(found, [
      [10, 'This revision imports app.models'],
      [21, 'This revision imports app.models'],
    ]);
  });

  it('opt-in: DateTime without timezone, Integer primary keys, no lock_timeout before a locking operation', () => {
    const upgrade = [
      "op.create_table('events', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('at', sa.DateTime()))",
      "op.add_column('users', sa.Column('seen', sa.DateTime(timezone=True)))",
      "op.add_column('users', sa.Column('born', sa.DateTime))",
    ];
    assert.deepStrictEqual(hits('datetime-without-timezone', upgrade), ['0', '2']);
    assert.deepStrictEqual(hits('integer-primary-key', upgrade), ['0']);
    const autogenerated = [
      "op.create_table('tags',",
      "    sa.Column('id', sa.Integer(), nullable=False),",
      "    sa.Column('tag_id', sa.Integer(), nullable=False),",
      "    sa.PrimaryKeyConstraint('id'),",
      ')',
    ];
    assert.deepStrictEqual(hits('integer-primary-key', autogenerated), ['1'], "autogenerate's PrimaryKeyConstraint");
    assert.deepStrictEqual(hits('missing-lock-timeout', upgrade, PG), ['1']);
    assert.deepStrictEqual(
      hits('missing-lock-timeout', ['op.execute("SET lock_timeout = \'5s\'")', ...upgrade], PG),
      [],
    );
    assert.deepStrictEqual(
      lint(upgrade, PG).filter((p) => /datetime|integer-primary|lock-timeout/.test(p.code)),
      [],
      'off by default',
    );
  });
});
