// Model discovery on real project layouts: models registered only through a package's imports.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../src/core/config';
import { findModelFiles } from '../../src/core/models/modelFiles';
import { urlSourceForConfig } from '../../src/core/urlSource';

const ROOT = process.env.ALEMBIC_LENS_ROOT ?? path.resolve(__dirname, '../../..');
const DISPATCH = path.join(ROOT, 'test/fixtures/dispatch/src/dispatch');

describe('model discovery: a project laid out like Netflix/dispatch', () => {
  const config = loadConfig({ iniPath: path.join(DISPATCH, 'alembic.ini'), section: 'core' });
  const found = findModelFiles({ config });
  const rel = (file: string): string => path.relative(DISPATCH, file).split(path.sep).join('/');

  it("finds the feature models that the package's __init__ imports, following env.py's Base import", () => {
    assert.deepStrictEqual(config.problems, []);
    assert.deepStrictEqual(found.files.map((f) => rel(f.path)).sort(), [
      'incident/models.py',
      'organization/models.py',
      'project/models.py',
      'tag/models.py',
    ]);
    for (const file of found.files) assert.match(file.reason, /imported by __init__\.py \(line \d+\)/, file.reason);
  });

  it('reads their tables: declared_attr names in snake case, the schema, the mixin columns', () => {
    const tables = found.files.flatMap((f) => f.classes.map((c) => [c.name, c.schema ?? '', c.tableName ?? '?']));
    assert.deepStrictEqual(tables.sort(), [
      ['Incident', '', '?'],
      ['Organization', 'dispatch_core', '?'],
      ['Project', '', '?'],
      ['Tag', '', '?'],
      ['TagType', '', '?'],
    ]);
    const project = found.files.flatMap((f) => f.classes).find((c) => c.name === 'Project')!;
    assert.deepStrictEqual(project.columns.map((c) => c.name).sort(), [
      'created_at',
      'id',
      'name',
      'organization_id',
      'updated_at',
    ]);
    assert.deepStrictEqual(found.problems, []);
  });

  it("reads the database URL through the same imports: dispatch.config's DATABASE_URL and its default", () => {
    assert.deepStrictEqual(urlSourceForConfig(config), {
      kind: 'env',
      variable: 'DATABASE_URL',
      fallback: 'postgresql://dispatch@localhost/dispatch',
      where: {
        file: path.join(DISPATCH, 'config.py'),
        line: 3,
        expression: 'os.environ.get("DATABASE_URL", "postgresql://dispatch@localhost/dispatch")',
      },
    });
  });
});

describe('model discovery: alembic.ini inside the package, laid out like OpenStack nova', () => {
  // nova keeps nova/db/main/alembic.ini; Python imports `nova` from the checkout's root (an editable install),
  // a folder that is neither the config's folder nor on prepend_sys_path.
  const checkout = fs.mkdtempSync(path.join(os.tmpdir(), 'alembic-lens-nova-'));
  const write = (rel: string, text: string): void => {
    fs.mkdirSync(path.dirname(path.join(checkout, rel)), { recursive: true });
    fs.writeFileSync(path.join(checkout, rel), text);
  };
  for (const pkg of ['proj', 'proj/db', 'proj/db/main']) write(`${pkg}/__init__.py`, '');
  write('proj/db/main/alembic.ini', '[alembic]\nscript_location = %(here)s/migrations\n');
  write(
    'proj/db/main/migrations/env.py',
    [
      'from alembic import context',
      'from proj import conf',
      'from proj.db.main import models',
      'config = context.config',
      'config.set_main_option("sqlalchemy.url", conf.DATABASE_URL)',
      'target_metadata = models.BASE.metadata',
      '',
    ].join('\n'),
  );
  write(
    'proj/db/main/models.py',
    [
      'from sqlalchemy import Column, Integer',
      'from sqlalchemy.orm import declarative_base',
      'BASE = declarative_base()',
      'class Instance(BASE):',
      '    __tablename__ = "instances"',
      '    id = Column(Integer, primary_key=True)',
      '',
    ].join('\n'),
  );
  write('proj/conf.py', 'import os\nDATABASE_URL = os.environ.get("PROJ_DB", "sqlite:///proj.db")\n');
  after(() => fs.rmSync(checkout, { recursive: true, force: true }));

  const config = loadConfig({ iniPath: path.join(checkout, 'proj/db/main/alembic.ini') });

  it("follows env.py's `from proj.db.main import models` to the models, importing proj from the checkout", () => {
    const found = findModelFiles({ config });
    assert.deepStrictEqual(found.problems, []);
    assert.deepStrictEqual(
      found.files.map((f) => [path.relative(checkout, f.path), f.classes.map((c) => c.tableName)]),
      [[path.join('proj', 'db', 'main', 'models.py'), ['instances']]],
    );
  });

  it('reads the database URL from proj.conf the same way', () => {
    const source = urlSourceForConfig(config);
    assert.strictEqual(source.kind, 'env', JSON.stringify(source));
    assert.strictEqual(source.kind === 'env' && source.variable, 'PROJ_DB');
  });
});
