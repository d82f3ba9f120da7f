// Regression tests for lint false positives found on real open-source Alembic projects: offline-mode
// guards written other ways than `if not context.is_offline_mode():`, imports that are no ORM models,
// and drops of what the same upgrade() created. Each shape has its true positive beside it.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type LintOptions, lintProject, lintRevision, loadPgParser } from '../../src/core/lint';
import { modelNamesOf } from '../../src/core/lint/rules/ormImports';
import type { ModelDiscovery } from '../../src/core/models/modelFiles';
import type { Problem } from '../../src/core/problems';
import { loadProject } from '../../src/core/project';
import { copySample } from '../support/sampleCopy';
import { FIRST_UPGRADE_LINE, revisionText, tempDir } from '../support/tempProject';

const FIRST = FIRST_UPGRADE_LINE;

function lintText(upgrade: string[], downgrade: string[] = ['pass'], header = ''): string {
  const text = revisionText({ id: 'b1', down: 'a0', message: 'change things', upgrade, downgrade });
  return header ? text.replace('import sqlalchemy as sa\n', `import sqlalchemy as sa\n${header}\n`) : text;
}

function hits(code: string, upgrade: string[], options: { dialect?: 'postgresql' } = {}): number[] {
  return lintRevision(lintText(upgrade), '/p/versions/b1.py', options)
    .filter((p: Problem) => p.code === code)
    .map((p) => p.line - FIRST + 1);
}

describe('offline-mode-unsafe: the guards real projects write', () => {
  const offline = (upgrade: string[]): number[] => hits('offline-mode-unsafe', upgrade);
  const read = "rows = op.get_bind().execute(sa.text('SELECT id FROM users')).fetchall()";

  it('context.as_sql and op.get_context().as_sql are the offline test too', () => {
    assert.deepStrictEqual(offline(['if not context.as_sql:', `    ${read}`]), []);
    assert.deepStrictEqual(offline(['if not op.get_context().as_sql:', `    ${read}`]), []);
    assert.deepStrictEqual(offline(['if not is_offline_mode():', `    ${read}`]), [], 'imported from alembic.context');
    assert.deepStrictEqual(offline(['if op.get_context().as_sql:', '    pass', 'else:', `    ${read}`]), []);
    // The true positive: the read is in the offline branch.
    assert.deepStrictEqual(offline(['if op.get_context().as_sql:', `    ${read}`]), [2]);
    assert.deepStrictEqual(offline(['if not op.get_context().as_sql_mode:', `    ${read}`]), [2], 'another attribute');
  });

  it('a guard kept in a variable (or its negation), in the function or at module level', () => {
    assert.deepStrictEqual(offline(['offline = context.is_offline_mode()', 'if not offline:', `    ${read}`]), []);
    assert.deepStrictEqual(offline(['online = not context.is_offline_mode()', 'if online:', `    ${read}`]), []);
    assert.deepStrictEqual(
      offline(['is_offline: bool = op.get_context().as_sql', 'if is_offline:', '    return', read]),
      [],
      'annotated, then an early return',
    );
    // The true positives: the variable read the wrong way round, or bound to something else too.
    assert.deepStrictEqual(offline(['offline = context.is_offline_mode()', 'if offline:', `    ${read}`]), [3]);
    assert.deepStrictEqual(
      offline(['offline = context.is_offline_mode()', 'offline = False', 'if not offline:', `    ${read}`]),
      [4],
      'rebound: the name no longer says which mode',
    );
    assert.deepStrictEqual(offline(['ready = check()', 'if ready:', `    ${read}`]), [3], 'an unrelated name');
  });

  it('the guard and the read in one condition: `and` / `or` short-circuit, and a conditional expression', () => {
    const scalar = "op.get_bind().execute(sa.text('SELECT count(*) FROM users')).scalar()";
    assert.deepStrictEqual(offline([`if not context.is_offline_mode() and ${scalar}:`, '    pass']), []);
    assert.deepStrictEqual(offline([`if context.is_offline_mode() or not ${scalar}:`, '    return']), []);
    assert.deepStrictEqual(offline([`count = ${scalar} if not context.is_offline_mode() else 0`]), []);
    assert.deepStrictEqual(
      offline([`if not context.is_offline_mode() and (force or ${scalar} > 0):`, '    pass']),
      [],
      'deeper in the guarded operand',
    );
    // The true positives: the read comes first, or the guard is on the wrong side of `or`.
    assert.deepStrictEqual(offline([`if ${scalar} and not context.is_offline_mode():`, '    pass']), [1]);
    assert.deepStrictEqual(offline([`if not context.is_offline_mode() or ${scalar}:`, '    pass']), [1]);
    assert.deepStrictEqual(offline([`count = ${scalar} if context.is_offline_mode() else 0`]), [1]);
  });

  it('an early return: on one line, or in the blocks it is in, not in an else of an outer test', () => {
    assert.deepStrictEqual(offline(['if context.is_offline_mode(): return', read]), []);
    assert.deepStrictEqual(offline(['if context.is_offline_mode() or not has_data():', '    return', read]), []);
    assert.deepStrictEqual(
      offline(['if check:', '    if context.is_offline_mode():', '        return', '    pass', 'else:', `    ${read}`]),
      [6],
      'the return is in the other branch',
    );
    assert.deepStrictEqual(
      offline(['if context.is_offline_mode() and small:', '    return', read]),
      [3],
      'returns offline only sometimes',
    );
    assert.deepStrictEqual(
      offline(['def helper():', '    if context.is_offline_mode():', '        return', read]),
      [4],
      'the return of a nested function',
    );
  });

  it('a helper function of the file that returns the test', () => {
    const withHelper = (helper: string[], upgrade: string[]): number[] => {
      const text = lintText(upgrade, ['pass'], ['', ...helper, ''].join('\n'));
      return lintRevision(text, '/p/versions/b1.py')
        .filter((p) => p.code === 'offline-mode-unsafe')
        .map((p) => p.line);
    };
    const online = ['def is_online():', '    return not context.is_offline_mode()'];
    assert.deepStrictEqual(withHelper(online, ['if is_online():', `    ${read}`]), []);
    assert.deepStrictEqual(
      withHelper(
        ['def _offline() -> bool:', '    """Offline?"""', '    return context.is_offline_mode()'],
        ['if _offline():', '    return', read],
      ),
      [],
    );
    // The true positives: the helper is asked the wrong way, takes a parameter, or does more.
    assert.strictEqual(withHelper(online, ['if not is_online():', `    ${read}`]).length, 1);
    assert.strictEqual(
      withHelper(['def is_online(x):', '    return not context.is_offline_mode()'], ['if is_online(1):', `    ${read}`])
        .length,
      1,
    );
    assert.strictEqual(
      withHelper(
        ['def is_online():', '    log()', '    return not context.is_offline_mode()'],
        ['if is_online():', `    ${read}`],
      ).length,
      1,
    );
  });

  it('elif and else see the whole chain; a for-else is no test', () => {
    assert.deepStrictEqual(
      offline(['if context.is_offline_mode():', '    pass', 'elif big:', `    ${read}`, 'else:', `    ${read}`]),
      [],
    );
    assert.deepStrictEqual(
      offline(['if context.is_offline_mode():', '    pass', 'for x in y:', '    pass', 'else:', `    ${read}`]),
      [6],
    );
  });

  it('a multi-line statement is reported at its first line, and a suppression on any of its lines silences it', () => {
    const multi = ['rows = op.get_bind().execute(', "    sa.text('SELECT id FROM users')", ').fetchall()'];
    assert.deepStrictEqual(offline(multi), [1]);
    const suppressed = (upgrade: string[]): number[] => offline(upgrade);
    assert.deepStrictEqual(
      suppressed([`${multi[0]}  # alembic-lens: ignore[offline-mode-unsafe]`, ...multi.slice(1)]),
      [],
    );
    assert.deepStrictEqual(suppressed(['# alembic-lens: ignore[offline-mode-unsafe]', ...multi]), []);
    assert.deepStrictEqual(
      suppressed([...multi.slice(0, 2), `${multi[2]}  # alembic-lens: ignore[offline-mode-unsafe]`]),
      [],
      'at the end of the statement, where the finding used to be',
    );
    assert.deepStrictEqual(
      suppressed([...multi, "op.execute('SELECT 1')  # alembic-lens: ignore[offline-mode-unsafe]"]),
      [1],
      "the next statement's comment is about that statement",
    );
    assert.deepStrictEqual(
      suppressed(['# alembic-lens: ignore[offline-mode-unsafe]', '', ...multi]),
      [3],
      'only the line right above',
    );
  });

  it('the statement unit holds for every rule, across brackets and backslashes, and stops at the statement', () => {
    const drop = ['op.drop_table(', "    'users',", ')  # alembic-lens: ignore[drop-table]'];
    assert.deepStrictEqual(hits('drop-table', drop), []);
    assert.deepStrictEqual(hits('drop-table', [...drop, "op.drop_table('orders')"]), [4]);
    const backslash = ["rows = op.get_bind().execute(sa.text('x')) \\", '    .fetchall()  # alembic-lens: ignore'];
    assert.deepStrictEqual(hits('offline-mode-unsafe', backslash), []);
    assert.deepStrictEqual(
      hits('drop-table', ['op.execute("""', 'SELECT 1  # alembic-lens: ignore', '""")', "op.drop_table('users')"]),
      [4],
      'a directive inside a string is still no comment',
    );
  });
});

describe('migration-imports-models: only what maps tables', () => {
  const importsFound = (header: string, options: LintOptions = {}): number[] =>
    lintRevision(lintText(['pass'], ['pass'], header), '/p/versions/b1.py', options)
      .filter((p) => p.code === 'migration-imports-models')
      .map((p) => p.line);
  // lintText puts the header on line 10.
  const AT = 10;

  it('an import under `if TYPE_CHECKING:` never runs: not reported; its else branch and `if not` are', () => {
    const guarded = ['from typing import TYPE_CHECKING', 'if TYPE_CHECKING:', '    from app.models import User'];
    assert.deepStrictEqual(importsFound(guarded.join('\n')), []);
    assert.deepStrictEqual(
      importsFound(['import typing', 'if typing.TYPE_CHECKING:', '    from app import models'].join('\n')),
      [],
    );
    assert.deepStrictEqual(importsFound([...guarded, 'else:', '    from app.models import Order'].join('\n')), [
      AT + 4,
    ]);
    assert.deepStrictEqual(
      importsFound(
        ['from typing import TYPE_CHECKING', 'if not TYPE_CHECKING:', '    from app.models import User'].join('\n'),
      ),
      [AT + 2],
    );
  });

  it('models unknown (a file alone): constants in capitals are no models; the rest is reported, as it may map tables', () => {
    assert.deepStrictEqual(importsFound('from app.models.constants import MAX_NAME_LENGTH, DEFAULT_ROLE'), []);
    assert.deepStrictEqual(importsFound('from app.models import User'), [AT]);
    assert.deepStrictEqual(
      importsFound('from app.models.enums import Status'),
      [AT],
      'cannot tell an Enum from a model',
    );
    assert.deepStrictEqual(importsFound('from app.models import MAX_NAME_LENGTH, User'), [AT]);
  });

  it('models known: only mapped classes, Table objects, the declarative base and model modules', () => {
    const discovery: ModelDiscovery = {
      files: [
        {
          path: '/p/app/models/user.py',
          module: 'app.models.user',
          reason: 'imported by env.py (line 9)',
          classes: [
            { name: 'User', tableName: 'users', line: 8, kind: 'declarative', columns: [] },
            { name: 'user_roles', tableName: 'user_roles', line: 20, kind: 'table', columns: [] },
          ],
        },
      ],
      problems: [],
      bases: [{ name: 'Base', module: 'app.models.base' }],
      unimported: [
        {
          path: '/p/app/models/audit.py',
          module: 'app.models.audit',
          classes: [{ name: 'AuditLog', tableName: 'audit_log', line: 5, kind: 'declarative', columns: [] }],
        },
      ],
    };
    const known: LintOptions = { modelNames: modelNamesOf(discovery) };
    const found = (header: string): number[] => importsFound(header, known);
    // Not models: a column type, an Enum, constants, a module of them.
    assert.deepStrictEqual(found('from app.models.types import GUID'), []);
    assert.deepStrictEqual(found('from app.models.enums import Status, Role'), []);
    assert.deepStrictEqual(found('from app.models.constants import MAX_NAME_LENGTH'), []);
    assert.deepStrictEqual(found('from app.models import constants'), []);
    assert.deepStrictEqual(found('import app.models.enums'), []);
    // Models: a mapped class (also among others, renamed, or nobody imports it), a Table, the base, a model module.
    assert.deepStrictEqual(found('from app.models import User'), [AT]);
    assert.deepStrictEqual(found('from app.models.user import Status, User as U'), [AT]);
    assert.deepStrictEqual(found('from app.models.audit import AuditLog'), [AT]);
    assert.deepStrictEqual(found('from app.models.user import user_roles'), [AT]);
    assert.deepStrictEqual(found('from app.models.base import Base'), [AT]);
    assert.deepStrictEqual(found('from app import models'), [AT]);
    assert.deepStrictEqual(found('import app.models.user'), [AT]);
    assert.deepStrictEqual(found('from app.models import user'), [AT]);
    assert.deepStrictEqual(found('from app.models import *'), [AT]);
    const message = lintRevision(
      lintText(['pass'], ['pass'], 'from app.models import Status, User'),
      '/p/b1.py',
      known,
    ).find((p) => p.code === 'migration-imports-models')?.message;
    assert.match(message ?? '', /User \(a mapped class\)/);
    assert.doesNotMatch(message ?? '', /Status/);
  });

  it('models read only in part: reported as when they are unknown', () => {
    const partial: ModelDiscovery = {
      files: [{ path: '/p/app/models.py', module: 'app.models', reason: 'x', classes: [] }],
      problems: [],
      partial: 'a module env.py imports loads modules by name at run time (importlib)',
    };
    assert.strictEqual(modelNamesOf(partial), undefined);
    assert.strictEqual(modelNamesOf({ files: [], problems: [] }), undefined, 'no model found');
  });

  it('the CLI reads the models: a real project, its enum and column type imported, its model reported', () => {
    const dir = copySample(path.join(tempDir('alembic-lens-imports-'), 'migrations-sample'));
    fs.appendFileSync(
      path.join(dir, 'app', 'models.py'),
      [
        '',
        'import enum',
        'from sqlalchemy.types import TypeDecorator, CHAR',
        '',
        'MAX_NAME = 100',
        '',
        '',
        'class Status(enum.Enum):',
        '    active = "active"',
        '',
        '',
        'class GUID(TypeDecorator):',
        '    impl = CHAR',
        '',
      ].join('\n'),
    );
    const versions = path.join(dir, 'alembic', 'versions');
    const write = (id: string, header: string): string => {
      const file = path.join(versions, `${id}_x.py`);
      const text = revisionText({ id, down: '92404fb3f98d', upgrade: ['pass'] }).replace(
        'import sqlalchemy as sa\n',
        `import sqlalchemy as sa\n${header}\n`,
      );
      fs.writeFileSync(file, text);
      return file;
    };
    const fine = write('c1c1c1c1c1c1', 'from app.models import GUID, MAX_NAME, Status');
    const project = loadProject(path.join(dir, 'alembic.ini'));
    const found = (): string[] =>
      lintProject(project, { env: {} })
        .filter((p) => p.code === 'migration-imports-models')
        .map((p) => `${path.basename(p.path)}:${p.line}`);
    assert.deepStrictEqual(found(), []);
    fs.rmSync(fine);
    write('c2c2c2c2c2c2', 'from app.models import Status, User');
    const again = loadProject(path.join(dir, 'alembic.ini'));
    assert.deepStrictEqual(
      lintProject(again, { env: {} })
        .filter((p) => p.code === 'migration-imports-models')
        .map((p) => `${path.basename(p.path)}:${p.line}`),
      ['c2c2c2c2c2c2_x.py:10'],
    );
  });
});

describe('drop-index-not-concurrently: the table goes in the same upgrade()', () => {
  const PG = { dialect: 'postgresql' } as const;
  const dropIndex = "op.drop_index(op.f('ix_users_email'), table_name='users')";

  it('an index dropped before its table: the DROP TABLE locks the table anyway', () => {
    assert.deepStrictEqual(hits('drop-index-not-concurrently', [dropIndex, "op.drop_table('users')"], PG), []);
    assert.deepStrictEqual(
      hits(
        'drop-index-not-concurrently',
        [
          "with op.batch_alter_table('users', schema='app') as batch_op:",
          "    batch_op.drop_index('ix_users_email')",
          "op.drop_table('users', schema='app')",
        ],
        PG,
      ),
      [],
    );
  });

  it('still reported: the index alone, another table or schema dropped, or the table dropped in downgrade()', () => {
    assert.deepStrictEqual(hits('drop-index-not-concurrently', [dropIndex], PG), [1]);
    assert.deepStrictEqual(hits('drop-index-not-concurrently', [dropIndex, "op.drop_table('orders')"], PG), [1]);
    assert.deepStrictEqual(
      hits('drop-index-not-concurrently', [dropIndex, "op.drop_table('users', schema='archive')"], PG),
      [1],
    );
    const text = lintText([dropIndex], ["op.drop_table('users')"]);
    assert.deepStrictEqual(
      lintRevision(text, '/p/versions/b1.py', PG)
        .filter((p) => p.code === 'drop-index-not-concurrently')
        .map((p) => p.line),
      [FIRST],
    );
  });
});

describe('drop-table: a staging table the same upgrade() created', () => {
  const drops = (upgrade: string[], downgrade: string[] = ['pass'], dialect?: string): number[] =>
    lintRevision(lintText(upgrade, downgrade), '/p/versions/b1.py', { dialect })
      .filter((p) => p.code === 'drop-table')
      .map((p) => p.line - FIRST + 1);

  it('created by op.create_table or by CREATE TABLE in op.execute, then dropped: no data lost', () => {
    assert.deepStrictEqual(
      drops([
        "op.create_table('tmp_users', sa.Column('id', sa.Integer()))",
        "op.execute('INSERT INTO tmp_users SELECT id FROM users')",
        "op.drop_table('tmp_users')",
      ]),
      [],
    );
    assert.deepStrictEqual(
      drops([
        "op.execute('CREATE TEMP TABLE staging_orders AS SELECT * FROM orders')",
        "op.execute('UPDATE orders SET total = 0')",
        "op.drop_table('staging_orders')",
      ]),
      [],
    );
    assert.deepStrictEqual(
      drops(['op.execute(\'CREATE TABLE IF NOT EXISTS "public"."Staging" (id int)\')', "op.drop_table('staging')"]),
      [],
      'quoted, in the default schema',
    );
    assert.deepStrictEqual(
      drops([
        "op.create_table('tmp', sa.Column('id', sa.Integer()), schema='work')",
        "op.drop_table('tmp', schema='work')",
      ]),
      [],
    );
  });

  it('still reported: created after the drop, in downgrade(), in another schema, only in an SQL comment, another table', () => {
    const create = "op.create_table('users', sa.Column('id', sa.Integer()))";
    assert.deepStrictEqual(drops(["op.drop_table('users')", create]), [1], 'the old table is dropped, a new one made');
    assert.deepStrictEqual(drops(["op.drop_table('users')"], [create]), [1]);
    assert.deepStrictEqual(
      drops(["op.create_table('tmp', sa.Column('id', sa.Integer()), schema='work')", "op.drop_table('tmp')"]),
      [2],
    );
    assert.deepStrictEqual(
      drops(["op.execute('-- CREATE TABLE users (id int)\\nSELECT 1')", "op.drop_table('users')"]),
      [2],
    );
    assert.deepStrictEqual(drops(["op.execute('CREATE TABLE users_copy (id int)')", "op.drop_table('users')"]), [2]);
  });

  it('raw SQL on PostgreSQL: DROP TABLE of a table created before in the same upgrade()', async () => {
    await loadPgParser();
    const created = [
      "op.execute('CREATE TEMP TABLE staging (id int)')",
      "op.create_table('tmp_copy', sa.Column('id', sa.Integer()))",
      "op.execute('CREATE TABLE snap AS SELECT * FROM orders')",
    ];
    assert.deepStrictEqual(
      drops([...created, "op.execute('DROP TABLE staging, tmp_copy, snap')"], ['pass'], 'postgresql'),
      [],
    );
    assert.deepStrictEqual(
      drops([...created, "op.execute('DROP TABLE staging, orders')"], ['pass'], 'postgresql'),
      [4],
      'orders was there before',
    );
    assert.deepStrictEqual(drops(["op.execute('DROP TABLE staging')", created[0]], ['pass'], 'postgresql'), [1]);
  });
});

describe('drop-column: a temporary column of the same upgrade()', () => {
  const drops = (upgrade: string[], downgrade: string[] = ['pass']): number[] =>
    lintRevision(lintText(upgrade, downgrade), '/p/versions/b1.py')
      .filter((p) => p.code === 'drop-column')
      .map((p) => p.line - FIRST + 1);
  const addTmp = "op.add_column('orders', sa.Column('tmp_total', sa.Numeric()))";
  const copy = "op.execute('UPDATE orders SET tmp_total = total * 100')";

  it('added, used, then dropped: it held only what this upgrade() put there', () => {
    assert.deepStrictEqual(drops([addTmp, copy, "op.drop_column('orders', 'tmp_total')"]), []);
    assert.deepStrictEqual(
      drops([
        "with op.batch_alter_table('orders') as batch_op:",
        "    batch_op.add_column(sa.Column('tmp_total', sa.Numeric()))",
        copy,
        "with op.batch_alter_table('orders') as batch_op:",
        "    batch_op.drop_column('tmp_total')",
      ]),
      [],
    );
    assert.deepStrictEqual(
      drops([
        "op.create_table('scratch', sa.Column('id', sa.Integer()), sa.Column('note', sa.Text()))",
        "op.drop_column('scratch', 'note')",
      ]),
      [],
      'a column of a table created by this upgrade()',
    );
  });

  it('still reported: dropped then added again (a type change loses the data), added elsewhere or in downgrade()', () => {
    const dropTotal = "op.drop_column('orders', 'total')";
    const addTotal = "op.add_column('orders', sa.Column('total', sa.Numeric()))";
    assert.deepStrictEqual(drops([dropTotal, addTotal]), [1]);
    assert.deepStrictEqual(drops([dropTotal], [addTotal]), [1]);
    assert.deepStrictEqual(
      drops(["op.add_column('invoices', sa.Column('total', sa.Numeric()))", dropTotal]),
      [2],
      'another table',
    );
    assert.deepStrictEqual(
      drops(["op.add_column('orders', sa.Column('total', sa.Numeric()), schema='archive')", dropTotal]),
      [2],
      'another schema',
    );
    assert.deepStrictEqual(
      drops(["op.drop_table('scratch')", "op.drop_column('scratch', 'note')"]),
      [2],
      'a table dropped, not created',
    );
  });
});
