import * as assert from 'node:assert';
import { type DriftDiff, describeDiff, parseDriftOutput } from '../../src/core/drift';

describe('parseDriftOutput', () => {
  it('reads the diffs, ignoring anything printed before the JSON line', () => {
    const stdout = [
      'INFO something env.py printed to stdout anyway',
      JSON.stringify({
        ok: true,
        diffs: [
          {
            kind: 'add_column',
            table: 'users',
            column: 'nickname',
            detail: 'add column users.nickname (VARCHAR(50), NOT NULL)',
          },
          {
            kind: 'modify_type',
            table: 'users',
            column: 'name',
            detail: 'change type',
            database: 'VARCHAR(100)',
            models: 'VARCHAR(120)',
          },
          { kind: 42 },
        ],
      }),
      '',
    ].join('\n');
    const result = parseDriftOutput(stdout);
    assert.ok(result.ok);
    assert.deepStrictEqual(result.diffs, [
      {
        kind: 'add_column',
        table: 'users',
        column: 'nickname',
        detail: 'add column users.nickname (VARCHAR(50), NOT NULL)',
      },
      {
        kind: 'modify_type',
        table: 'users',
        column: 'name',
        detail: 'change type',
        database: 'VARCHAR(100)',
        models: 'VARCHAR(120)',
      },
    ]);
  });

  it('reads errors with their code; no answer gives an empty error (the caller shows stderr)', () => {
    assert.deepStrictEqual(
      parseDriftOutput('{"ok": false, "error": "Target database is not up to date", "code": "not-up-to-date"}\n'),
      {
        ok: false,
        error: 'Target database is not up to date',
        code: 'not-up-to-date',
      },
    );
    assert.deepStrictEqual(parseDriftOutput('{"ok": false, "error": "boom", "code": "weird"}'), {
      ok: false,
      error: 'boom',
      code: 'error',
    });
    assert.deepStrictEqual(parseDriftOutput(''), { ok: false, error: '', code: 'no-output' });
    const garbage = parseDriftOutput('Traceback (most recent call last):\n  File "x"\n{not json');
    assert.strictEqual(garbage.ok, false);
    assert.match((garbage as { error: string }).error, /unreadable answer/);
  });
});

describe('describeDiff', () => {
  const d = (diff: Partial<DriftDiff>): string => describeDiff({ kind: 'x', detail: '', ...diff });
  it('says each difference from the models’ point of view', () => {
    assert.strictEqual(d({ kind: 'add_table', table: 'orders' }), 'Table orders: in the models, not in the database');
    assert.strictEqual(
      d({ kind: 'remove_table', table: 'old', schema: 'audit' }),
      'Table audit.old: in the database, not in the models',
    );
    assert.strictEqual(
      d({ kind: 'add_column', table: 'users', column: 'email' }),
      'Column users.email: in the models, not in the database',
    );
    assert.strictEqual(
      d({ kind: 'remove_column', table: 'users', column: 'fax' }),
      'Column users.fax: in the database, not in the models',
    );
    assert.strictEqual(
      d({ kind: 'modify_type', table: 'users', column: 'name', database: 'VARCHAR(100)', models: 'VARCHAR(120)' }),
      'Column users.name: type: VARCHAR(120) in the models, VARCHAR(100) in the database',
    );
    assert.strictEqual(
      d({ kind: 'modify_nullable', table: 'users', column: 'name', database: 'NOT NULL', models: 'nullable' }),
      'Column users.name: nullable in the models, NOT NULL in the database',
    );
    assert.strictEqual(
      d({ kind: 'add_index', table: 'users', detail: 'add index unique ix_users_email on users(email)' }),
      'Index on users: in the models, not in the database (ix_users_email)',
    );
    assert.strictEqual(
      d({ kind: 'remove_fk', table: 'posts', detail: 'remove foreign key (unnamed) on posts(user_id) -> users.id' }),
      'Foreign key on posts: in the database, not in the models',
    );
    assert.strictEqual(d({ kind: 'something_new', detail: 'what Alembic said' }), 'what Alembic said');
  });
});
