// "Models changed", decided from content: copies of migrations-sample (its real model and revision
// files), changed as a user would, compared by compareModelsWithRevisions. File times never matter.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../src/core/config';
import { parseModelModule } from '../../src/core/models/modelClasses';
import { findModelFiles } from '../../src/core/models/modelFiles';
import { compareModelsWithRevisions, type ModelsComparison } from '../../src/core/models/modelsVsRevisions';
import { revisionSchema } from '../../src/core/models/revisionSchema';
import { loadProject } from '../../src/core/project';
import { copySample, editModels } from '../support/sampleCopy';
import { revisionText, tempDir } from '../support/tempProject';

const HEAD = '92404fb3f98d';
const NEW_REVISION = 'b1c2d3e4f5a6';

/** A fresh copy of the sample's tracked files. */
function sample(): string {
  return copySample(path.join(tempDir('alembic-lens-models-'), 'migrations-sample'));
}

function compare(dir: string): ModelsComparison {
  const project = loadProject(path.join(dir, 'alembic.ini'));
  const discovery = findModelFiles({ config: loadConfig({ iniPath: path.join(dir, 'alembic.ini') }) });
  const envText = fs.readFileSync(path.join(dir, 'alembic', 'env.py'), 'utf8');
  return compareModelsWithRevisions({ discovery, revisions: revisionSchema(project), envText });
}

function messages(dir: string): string[] {
  return compare(dir).differences.map((d) => d.message);
}

const addSku = (text: string): string =>
  text.replace('    email =', '    sku = Column(String(20), nullable=True)\n    email =');
const ID = 'id = Column(Integer, primary_key=True)';
const nameNullable = (text: string): string =>
  text.replace('name = Column(String(100), nullable=False)', 'name = Column(String(100), nullable=True)');

/** The models with one more mapped class (on the sample's Base unless told). */
function withClass(name: string, table: string, columns: string[], base = 'Base'): (text: string) => string {
  const lines = [
    '',
    '',
    `class ${name}(${base}):`,
    `    __tablename__ = "${table}"`,
    '',
    ...columns.map((c) => `    ${c}`),
    '',
  ];
  return (text) => text + lines.join('\n');
}

/** A revision on the sample's head with these upgrade() lines. */
function addRevision(dir: string, upgrade: string[], extra: string[] = []): string {
  const file = path.join(dir, 'alembic', 'versions', `${NEW_REVISION}_change.py`);
  const text = revisionText({ id: NEW_REVISION, down: HEAD, message: 'change', upgrade });
  fs.writeFileSync(file, `${text}\n${extra.join('\n')}\n`);
  return file;
}

describe('compareModelsWithRevisions on migrations-sample', () => {
  it('the sample as checked out: no difference, whatever the file times', () => {
    const dir = sample();
    // As a fresh clone or a checkout leaves them: the revisions an hour old, the models written now.
    const hourAgo = new Date(Date.now() - 3600_000);
    const versions = path.join(dir, 'alembic', 'versions');
    for (const name of fs.readdirSync(versions)) fs.utimesSync(path.join(versions, name), hourAgo, hourAgo);
    fs.utimesSync(path.join(dir, 'app', 'models.py'), new Date(), new Date());
    assert.deepStrictEqual(compare(dir), { differences: [], unsure: [] });
  });

  it('a column added to a model: "users.sku is in the models but in no revision", at its line', () => {
    const dir = sample();
    editModels(dir, addSku);
    const [difference, ...rest] = compare(dir).differences;
    assert.deepStrictEqual(rest, []);
    const models = fs.readFileSync(path.join(dir, 'app', 'models.py'), 'utf8');
    const line = models.split('\n').findIndex((l) => l.startsWith('    sku =')) + 1;
    assert.deepStrictEqual(difference, {
      kind: 'column-only-in-models',
      table: 'users',
      column: 'sku',
      path: path.join(dir, 'app', 'models.py'),
      line,
      message: 'users.sku is in the models but in no revision',
    });
  });

  it('the revision that adds the column clears it: op.add_column, or batch_op.add_column as autogenerate writes it for SQLite', () => {
    const dir = sample();
    editModels(dir, addSku);
    addRevision(dir, ["op.add_column('users', sa.Column('sku', sa.String(length=20), nullable=True))"]);
    assert.deepStrictEqual(messages(dir), []);
    addRevision(dir, [
      "with op.batch_alter_table('users', schema=None) as batch_op:",
      "    batch_op.add_column(sa.Column('sku', sa.String(length=20), nullable=True))",
    ]);
    assert.deepStrictEqual(messages(dir), []);
  });

  it('a revision that does something else leaves the difference', () => {
    const dir = sample();
    editModels(dir, addSku);
    addRevision(dir, ["op.create_index('ix_users_name', 'users', ['name'])"]);
    assert.deepStrictEqual(messages(dir), ['users.sku is in the models but in no revision']);
  });

  it('a new model class: its table is in no revision', () => {
    const dir = sample();
    editModels(dir, withClass('Order', 'orders', [ID]));
    assert.deepStrictEqual(messages(dir), ['table orders is in the models but in no revision']);
    addRevision(dir, [
      "op.create_table('orders', sa.Column('id', sa.Integer(), nullable=False), sa.PrimaryKeyConstraint('id'))",
    ]);
    assert.deepStrictEqual(messages(dir), []);
  });

  it('a column or table the models no longer define, named with the revision that created it', () => {
    const dir = sample();
    editModels(dir, (text) => text.replace(/^ {4}email = .*\n/m, ''));
    assert.deepStrictEqual(messages(dir), [
      `users.email is created by revision ${HEAD} but the models no longer define it`,
    ]);
    addRevision(dir, ["op.drop_column('users', 'email')"]);
    assert.deepStrictEqual(messages(dir), []);

    const other = sample();
    addRevision(other, ["op.create_table('audit', sa.Column('id', sa.Integer(), nullable=False))"]);
    assert.deepStrictEqual(messages(other), [
      `table audit is created by revision ${NEW_REVISION} but the models no longer define it`,
    ]);
  });

  it('renames and drops are replayed in history order', () => {
    const dir = sample();
    editModels(dir, (text) =>
      text
        .replace('    name = Column(', '    full_name = Column(')
        .replace('__tablename__ = "users"', '__tablename__ = "people"'),
    );
    assert.deepStrictEqual(messages(dir).sort(), [
      'table people is in the models but in no revision',
      'table users is created by revision 13c9c7d2277c but the models no longer define it',
    ]);
    addRevision(dir, [
      "op.rename_table('users', 'people')",
      "op.alter_column('people', 'name', new_column_name='full_name')",
    ]);
    assert.deepStrictEqual(messages(dir), []);
  });

  it('raw SQL that may change the table: no claim about it', () => {
    const dir = sample();
    editModels(dir, addSku);
    addRevision(dir, ['op.execute("ALTER TABLE users ADD COLUMN sku VARCHAR(20)")']);
    assert.deepStrictEqual(messages(dir), []);
    // Data statements change no table: the difference stays.
    addRevision(dir, ['op.execute("UPDATE users SET name = \'x\'")']);
    assert.deepStrictEqual(messages(dir), ['users.sku is in the models but in no revision']);
  });

  it('what only Python can compute (SQL, a table name, a helper function): no claim, and the reason names the file and line', () => {
    const dir = sample();
    editModels(dir, addSku);
    const file = addRevision(dir, ['op.execute(build_sql())']);
    const line =
      fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('op.execute(build_sql())')) + 1;
    assert.deepStrictEqual(compare(dir), {
      differences: [],
      unsure: [`${file}:${line}: op.execute with SQL only Python can compute`],
    });

    addRevision(dir, ["op.add_column(table_name(), sa.Column('sku', sa.String(20)))"]);
    assert.match(compare(dir).unsure.join(), /op\.add_column on a table whose name only Python can compute/);

    addRevision(
      dir,
      ['_add_sku()'],
      ['', 'def _add_sku():', "    op.add_column('users', sa.Column('sku', sa.String(20)))"],
    );
    assert.match(compare(dir).unsure.join(), /_add_sku\(\) runs table operations the reader does not follow/);
    assert.deepStrictEqual(compare(dir).differences, []);
  });

  it("a create_table whose columns the reader cannot list: no claim about that table's columns", () => {
    const dir = sample();
    editModels(dir, withClass('Order', 'orders', [ID, 'total = Column(Integer)']));
    addRevision(dir, ["op.create_table('orders', sa.Column('id', sa.Integer(), nullable=False), *audit_columns())"]);
    assert.deepStrictEqual(messages(dir), []);
  });

  it('env.py filters autogenerate (include_object): nothing is claimed', () => {
    const dir = sample();
    editModels(dir, addSku);
    const env = path.join(dir, 'alembic', 'env.py');
    const filtered = 'target_metadata=target_metadata, include_object=lambda *a: True,';
    fs.writeFileSync(env, fs.readFileSync(env, 'utf8').replace('target_metadata=target_metadata,', filtered));
    const result = compare(dir);
    assert.deepStrictEqual(result.differences, []);
    assert.match(result.unsure.join(), /include_object decides what autogenerate compares/);
  });

  it('models the reader cannot complete: no claim that the revisions create what they lack', () => {
    const dir = sample();
    // A mixin from outside the project may bring `email`; a class named at run time may map `audit`.
    editModels(dir, (text) =>
      text
        .replace(
          'from sqlalchemy.orm import declarative_base',
          'from sqlalchemy.orm import declarative_base\nfrom outside.mixins import ContactMixin',
        )
        .replace('class User(Base):', 'class User(Base, ContactMixin):')
        .replace(/^ {4}email = .*\n/m, ''),
    );
    assert.deepStrictEqual(messages(dir), []);
    addRevision(dir, ["op.create_table('audit', sa.Column('id', sa.Integer(), nullable=False))"]);
    editModels(dir, (text) => `${text}\n\nAuditBase = declarative_base()\n`);
    editModels(dir, withClass('Audit', 'audit', [ID], 'AuditBase'));
    assert.deepStrictEqual(messages(dir), [], 'a table mapped to another metadata is not claimed');
  });

  it('a table the revisions alter but never create (made before Alembic): no claim about it', () => {
    const dir = sample();
    editModels(dir, withClass('Legacy', 'legacy', [ID, 'code = Column(String(5))']));
    addRevision(dir, ["op.add_column('legacy', sa.Column('code', sa.String(5)))"]);
    assert.deepStrictEqual(messages(dir), []);
  });

  it('nullability where both sides say it: a column made nullable, until alter_column(nullable=True)', () => {
    const dir = sample();
    editModels(dir, nameNullable);
    assert.deepStrictEqual(messages(dir), ['users.name is nullable in the models but NOT NULL in the revisions']);
    addRevision(dir, ["op.alter_column('users', 'name', existing_type=sa.String(length=100), nullable=True)"]);
    assert.deepStrictEqual(messages(dir), []);
  });

  it('a column whose nullability the revision leaves unsaid (or computes) is not claimed', () => {
    const dir = sample();
    editModels(dir, (text) => text.replace('    email =', '    sku = Column(String(20), nullable=False)\n    email ='));
    addRevision(dir, [
      "op.add_column('users', sa.Column('sku', sa.String(20)))",
      "op.alter_column('users', 'name', nullable=NULLABLE)",
    ]);
    editModels(dir, nameNullable);
    assert.deepStrictEqual(messages(dir), []);
  });
});

describe('column nullability as the model source says it', () => {
  it('nullable=, primary_key=True, Mapped[Optional[...]] / Mapped[X | None] against Mapped[X]; nothing for a bare Column()', () => {
    const [user] = parseModelModule(
      [
        'from typing import Optional, Union',
        'from sqlalchemy import Column, Integer, String',
        'from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column',
        '',
        'class Base(DeclarativeBase):',
        '    pass',
        '',
        'class User(Base):',
        '    __tablename__ = "users"',
        '    id: Mapped[int] = mapped_column(primary_key=True)',
        '    name: Mapped[str] = mapped_column(String(30))',
        '    nick: Mapped[Optional[str]]',
        '    bio: Mapped[str | None] = mapped_column(String(200))',
        '    city: Mapped[Union[str, None]]',
        '    code: Mapped[Optional[str]] = mapped_column(nullable=False)',
        '    legacy = Column(String(10))',
        '    flag = Column(Integer, nullable=FLAG_NULLABLE)',
      ].join('\n'),
      'models.py',
    );
    assert.deepStrictEqual(
      user.columns.map((c) => [c.name, c.nullable]),
      [
        ['id', false],
        ['name', false],
        ['nick', true],
        ['bio', true],
        ['city', true],
        ['code', false],
        ['legacy', undefined],
        ['flag', undefined],
      ],
    );
  });
});
