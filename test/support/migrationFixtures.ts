// Alembic projects with planted defects for the migration tests, made with the real Alembic: `alembic
// init` writes the project, `alembic revision` writes each revision file, and only the bodies of
// upgrade() and downgrade() are filled in. The models (models.py) are what env.py's target_metadata
// imports. Each fixture says what the tests expect of it.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const FIXTURE_PYTHON = process.env.ALEMBIC_LENS_PYTHON ?? '/usr/bin/python3';

export interface FixtureRevision {
  id: string;
  message: string;
  down?: string;
  upgrade: string[];
  downgrade: string[];
  /** Extra lines at the top of the file (after the imports), e.g. a skip comment. */
  header?: string[];
}

export interface Fixture {
  name: string;
  revisions: FixtureRevision[];
  /** Columns of the `items` model, as Python lines. */
  models: string[];
  /** More of models.py, after the `items` model. */
  moreModels?: string[];
}

const ITEMS_TABLE = [
  "op.create_table('items',",
  "    sa.Column('id', sa.Integer(), primary_key=True),",
  "    sa.Column('name', sa.String(100), nullable=False),",
  ')',
];
const ITEMS_MODEL = ['id = Column(Integer, primary_key=True)', 'name = Column(String(100), nullable=False)'];
const CREATE_ITEMS: FixtureRevision = {
  id: 'a1000000c0de',
  message: 'create items',
  upgrade: ITEMS_TABLE,
  downgrade: ["op.drop_table('items')"],
};
const SKU_MODEL = [...ITEMS_MODEL, 'sku = Column(String(20), nullable=True, index=True)'];
const ADD_SKU: FixtureRevision = {
  id: 'b2000000c0de',
  message: 'add sku',
  down: CREATE_ITEMS.id,
  upgrade: [
    "op.add_column('items', sa.Column('sku', sa.String(20), nullable=True))",
    "op.create_index('ix_items_sku', 'items', ['sku'])",
  ],
  downgrade: ["op.drop_index('ix_items_sku', table_name='items')", "op.drop_column('items', 'sku')"],
};

export const FIXTURES = {
  /** Passes every check on SQLite and PostgreSQL. */
  clean: { name: 'clean', revisions: [CREATE_ITEMS, ADD_SKU], models: SKU_MODEL },
  /** The second revision's downgrade forgets to drop its table: stairway b2 fails, "left table tags". */
  forgotDropTable: {
    name: 'forgot-drop-table',
    models: ITEMS_MODEL,
    revisions: [
      CREATE_ITEMS,
      {
        id: 'b2000000c0de',
        message: 'create tags',
        down: CREATE_ITEMS.id,
        upgrade: ["op.create_table('tags', sa.Column('id', sa.Integer(), primary_key=True))"],
        downgrade: ['pass'],
      },
    ],
  },
  /** The second revision's downgrade raises: stairway b2 fails at the `raise` line. */
  downgradeRaises: {
    name: 'downgrade-raises',
    models: SKU_MODEL,
    revisions: [CREATE_ITEMS, { ...ADD_SKU, downgrade: ["raise RuntimeError('cannot undo the sku column')"] }],
  },
  /** SQLite accepts AUTOINCREMENT; PostgreSQL rejects it: stairway b2 fails on PostgreSQL only. */
  sqliteOnly: {
    name: 'sqlite-only',
    models: ITEMS_MODEL,
    moreModels: [
      'class Counter(Base):',
      "    __tablename__ = 'counters'",
      '    id = Column(Integer, primary_key=True)',
      '    value = Column(Integer)',
    ],
    revisions: [
      CREATE_ITEMS,
      {
        id: 'b2000000c0de',
        message: 'raw sqlite table',
        down: CREATE_ITEMS.id,
        upgrade: ["op.execute('CREATE TABLE counters (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, value INTEGER)')"],
        downgrade: ["op.drop_table('counters')"],
      },
    ],
  },
  /**
   * The second revision seeds a row its downgrade forgets, and its upgrade decides from the rows: the
   * schema after the downgrade is as before, but the upgrade again makes items.sku nullable, not NOT NULL.
   */
  notRepeatable: {
    name: 'not-repeatable',
    models: SKU_MODEL,
    revisions: [
      CREATE_ITEMS,
      {
        ...ADD_SKU,
        upgrade: [
          "existing = op.get_bind().execute(sa.text('SELECT count(*) FROM items')).scalar()",
          "op.add_column('items', sa.Column('sku', sa.String(20), nullable=bool(existing), server_default='-'))",
          "op.create_index('ix_items_sku', 'items', ['sku'])",
          "op.execute(\"INSERT INTO items (name, sku) VALUES ('first item', 'a1')\")",
        ],
      },
    ],
  },
  /**
   * The second revision's downgrade drops its index but forgets its column: stairway b2 fails, and the
   * upgrade again stops at the column, so the index is missing too. The third revision drops that index:
   * on the schema b2's upgrade made it passes, on what b2's stairway left it cannot run.
   */
  residueBlocksLater: {
    name: 'residue-blocks-later',
    models: ITEMS_MODEL,
    revisions: [
      CREATE_ITEMS,
      { ...ADD_SKU, downgrade: ["op.drop_index('ix_items_sku', table_name='items')"] },
      {
        id: 'c3000000c0de',
        message: 'drop the sku index',
        down: ADD_SKU.id,
        upgrade: ["op.drop_index('ix_items_sku', table_name='items')"],
        downgrade: ["op.create_index('ix_items_sku', 'items', ['sku'])"],
      },
    ],
  },
  /** The model has a column no revision creates: models-match fails, "add column items.sku". */
  modelColumnMissing: { name: 'model-column-missing', models: SKU_MODEL, revisions: [CREATE_ITEMS] },
  /** Two revisions on the first: single-head fails. */
  twoHeads: {
    name: 'two-heads',
    models: SKU_MODEL,
    revisions: [
      CREATE_ITEMS,
      ADD_SKU,
      { id: 'c3000000c0de', message: 'other branch', down: CREATE_ITEMS.id, upgrade: ['pass'], downgrade: ['pass'] },
    ],
  },
} satisfies Record<string, Fixture>;

function alembic(dir: string, args: string[]): void {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
  delete env.DATABASE_URL;
  const result = spawnSync(FIXTURE_PYTHON, ['-m', 'alembic', ...args], {
    cwd: dir,
    env,
    encoding: 'utf8',
    timeout: 60000,
  });
  if (result.status !== 0)
    throw new Error(
      `alembic ${args.join(' ')} in ${dir} failed:\n${result.stdout}${result.stderr}${result.error ?? ''}`,
    );
}

/**
 * Writes the fixture into `dir` with the real Alembic; `iniUrl` is the project's own database as
 * sqlalchemy.url is written in the ini (`%(here)s` interpolated, a literal % written %%). Returns the
 * ini path. Revision files are named `<id>_<slug>.py`, as Alembic names them.
 */
export function makeFixture(fixture: Fixture, dir: string, iniUrl: string): string {
  fs.mkdirSync(dir, { recursive: true });
  alembic(dir, ['init', 'alembic']);
  const ini = path.join(dir, 'alembic.ini');
  fs.writeFileSync(ini, fs.readFileSync(ini, 'utf8').replace(/^sqlalchemy\.url = .*$/m, `sqlalchemy.url = ${iniUrl}`));
  const envPy = path.join(dir, 'alembic', 'env.py');
  fs.writeFileSync(
    envPy,
    fs
      .readFileSync(envPy, 'utf8')
      .replace(/^target_metadata = None$/m, 'from models import Base\ntarget_metadata = Base.metadata'),
  );
  fs.writeFileSync(
    path.join(dir, 'models.py'),
    [
      'from sqlalchemy import Column, Integer, String',
      'from sqlalchemy.orm import declarative_base',
      '',
      'Base = declarative_base()',
      '',
      '',
      'class Item(Base):',
      "    __tablename__ = 'items'",
      ...fixture.models.map((l) => `    ${l}`),
      ...(fixture.moreModels ? ['', '', ...fixture.moreModels] : []),
      '',
    ].join('\n'),
  );
  for (const rev of fixture.revisions) {
    const args = ['revision', '-m', rev.message, '--rev-id', rev.id];
    if (rev.down) args.push('--head', rev.down, '--splice');
    alembic(dir, args);
    const file = revisionFile(dir, rev.id);
    let text = fs.readFileSync(file, 'utf8');
    text = text.replace(
      /^def upgrade\(\)( -> None)?:\n {4}pass$/m,
      (_m, ret: string | undefined) => `def upgrade()${ret ?? ''}:\n${body(rev.upgrade)}`,
    );
    text = text.replace(
      /^def downgrade\(\)( -> None)?:\n {4}pass$/m,
      (_m, ret: string | undefined) => `def downgrade()${ret ?? ''}:\n${body(rev.downgrade)}`,
    );
    if (rev.header)
      text = text.replace(/^import sqlalchemy as sa$/m, `import sqlalchemy as sa\n${rev.header.join('\n')}`);
    fs.writeFileSync(file, text);
  }
  return ini;
}

function body(lines: string[]): string {
  return lines.map((l) => `    ${l}`).join('\n');
}

export function revisionFile(dir: string, id: string): string {
  const versions = path.join(dir, 'alembic', 'versions');
  const name = fs.readdirSync(versions).find((f) => f.startsWith(`${id}_`) && f.endsWith('.py'));
  if (!name) throw new Error(`no revision file for ${id} in ${versions}`);
  return path.join(versions, name);
}

/** The 1-based line of the first line of `file` containing `text`. */
export function lineOf(file: string, text: string): number {
  const index = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(text));
  if (index < 0) throw new Error(`'${text}' not in ${file}`);
  return index + 1;
}
