// The quick fixes of src/core/lint/rules/fixes.ts: applied to a revision, the file lints clean of the
// finding (and of the follow-up rules), and is still a revision the reader understands.
import * as assert from 'node:assert';
import { type LintOptions, lintRevision } from '../../src/core/lint';
import { applyLineEdits, ruleFix } from '../../src/core/lint/rules/fixes';
import { revisionText } from '../support/tempProject';

const PG: LintOptions = { dialect: 'postgresql' };

function fixOnce(upgrade: string[], code: string, options: LintOptions = PG): { before: string; after: string } {
  const before = revisionText({ id: 'b1', down: 'a0', upgrade, downgrade: ['op.execute("SELECT 1")'] });
  const found = lintRevision(before, '/p/b1.py', options).find((p) => p.code === code);
  assert.ok(found, `${code} is reported before the fix`);
  const fix = ruleFix(before, code, found.line);
  assert.ok(fix, `a fix for ${code}`);
  return { before, after: applyLineEdits(before, fix.edits) };
}

const codesOf = (text: string, options: LintOptions = PG) => lintRevision(text, '/p/b1.py', options).map((p) => p.code);

describe('lint quick fixes, applied and linted again', () => {
  it('create-index-not-concurrently: postgresql_concurrently=True inside an autocommit block', () => {
    const { after } = fixOnce(
      ["op.create_index('ix_users_email', 'users', ['email'], unique=False)"],
      'create-index-not-concurrently',
    );
    assert.match(
      after,
      /\n {4}with op\.get_context\(\)\.autocommit_block\(\):\n {8}op\.create_index\('ix_users_email', 'users', \['email'\], unique=False, postgresql_concurrently=True\)\n/,
    );
    assert.deepStrictEqual(codesOf(after), []);
  });

  it('drop-index-not-concurrently on a black-style call: the keyword on its own line', () => {
    const { after } = fixOnce(
      ['op.drop_index(', "    op.f('ix_users_email'),", "    table_name='users'", ')'],
      'drop-index-not-concurrently',
    );
    assert.match(after, /table_name='users',\n {12}postgresql_concurrently=True,\n {8}\)/);
    assert.deepStrictEqual(codesOf(after), []);
  });

  it('concurrent-index-outside-autocommit: wrapped, also for raw SQL', () => {
    const { after } = fixOnce(
      ['op.execute("CREATE INDEX CONCURRENTLY ix_a ON users (a)")'],
      'concurrent-index-outside-autocommit',
    );
    assert.deepStrictEqual(codesOf(after), []);
  });

  it('create-foreign-key-without-not-valid: NOT VALID, then VALIDATE after the transaction', () => {
    const { after } = fixOnce(
      ["op.create_foreign_key('fk_orders_user', 'orders', 'users', ['user_id'], ['id'])"],
      'create-foreign-key-without-not-valid',
    );
    assert.match(
      after,
      /postgresql_not_valid=True\)\n {4}with op\.get_context\(\)\.autocommit_block\(\):\n {8}op\.execute\('ALTER TABLE orders VALIDATE CONSTRAINT fk_orders_user'\)/,
    );
    assert.deepStrictEqual(codesOf(after), []);
    const check = fixOnce(
      ["op.create_check_constraint('ck_total', 'orders', 'total >= 0')"],
      'create-check-constraint-without-not-valid',
    );
    assert.deepStrictEqual(codesOf(check.after), []);
  });

  it('add-column-not-null-without-default: a neutral server_default for the type, on any database', () => {
    const cases: Array<[string, string]> = [
      ["op.add_column('users', sa.Column('nickname', sa.String(length=50), nullable=False))", "server_default=''"],
      ["op.add_column('users', sa.Column('visits', sa.Integer(), nullable=False))", "server_default='0'"],
      ["op.add_column('users', sa.Column('active', sa.Boolean(), nullable=False))", 'server_default=sa.false()'],
      ["op.add_column('users', sa.Column('seen_at', sa.DateTime(), nullable=False))", 'server_default=sa.func.now()'],
    ];
    for (const [statement, expected] of cases) {
      for (const options of [PG, { dialect: 'sqlite' } as LintOptions]) {
        const { after } = fixOnce([statement], 'add-column-not-null-without-default', options);
        assert.ok(after.includes(`nullable=False, ${expected})`), after);
        assert.ok(!codesOf(after, options).includes('add-column-not-null-without-default'), after);
      }
    }
    // No neutral value for a type it does not know: no fix rather than a guess.
    const json = revisionText({
      id: 'b1',
      down: 'a0',
      upgrade: ["op.add_column('users', sa.Column('prefs', postgresql.JSONB(), nullable=False))"],
      downgrade: ['pass'],
    });
    const found = lintRevision(json, '/p/b1.py', PG).find((p) => p.code === 'add-column-not-null-without-default');
    assert.ok(found);
    assert.strictEqual(ruleFix(json, found.code!, found.line), undefined);
  });

  it('offline-mode-unsafe: guarded by is_offline_mode(), and context imported once', () => {
    const { after } = fixOnce(
      [
        'rows = op.get_bind().execute(',
        "    sa.text('SELECT id FROM users')",
        ').fetchall()',
        'op.execute("SELECT 2")',
      ],
      'offline-mode-unsafe',
      {},
    );
    assert.match(after, /^from alembic import context$/m);
    assert.match(
      after,
      /\n {4}if not context\.is_offline_mode\(\):\n {8}rows = op\.get_bind\(\)\.execute\(\n {12}sa\.text/,
    );
    assert.match(after, /\.fetchall\(\)\n {4}op\.execute\("SELECT 2"\)/, 'the next statement stays outside the guard');
    assert.deepStrictEqual(codesOf(after, {}), []);
  });

  it('sqlite-alter-outside-batch: the operation moved into op.batch_alter_table(), its table argument taken out', () => {
    const sqlite: LintOptions = { dialect: 'sqlite', renderAsBatch: false };
    const column = fixOnce(
      ["op.alter_column('users', 'email',", "    existing_type=sa.String(), server_default='x')"],
      'sqlite-alter-outside-batch',
      sqlite,
    );
    assert.match(
      column.after,
      /\n {4}with op\.batch_alter_table\('users'\) as batch_op:\n {8}batch_op\.alter_column\('email', existing_type=sa\.String\(\), server_default='x'\)\n/,
    );
    assert.deepStrictEqual(codesOf(column.after, sqlite), []);
    const constraint = fixOnce(
      ["op.create_foreign_key('fk_a', 'users', 'teams', ['team_id'], ['id'], schema='app')"],
      'sqlite-alter-outside-batch',
      sqlite,
    );
    assert.match(
      constraint.after,
      /batch_alter_table\('users', schema='app'\) as batch_op:\n {8}batch_op\.create_foreign_key\('fk_a', 'teams', \['team_id'\], \['id'\]\)/,
    );
    assert.deepStrictEqual(codesOf(constraint.after, sqlite), []);
  });

  it('no fix where the shape is not plain: an inline body', () => {
    const text = revisionText({ id: 'b1', down: 'a0', upgrade: ["if True: op.create_index('ix', 'users', ['a'])"] });
    const found = lintRevision(text, '/p/b1.py', PG).find((p) => p.code === 'create-index-not-concurrently');
    assert.ok(found);
    assert.strictEqual(ruleFix(text, found.code, found.line), undefined);
  });
});
