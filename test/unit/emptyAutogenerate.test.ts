import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../src/core/config';
import { explainEmptyAutogenerate } from '../../src/core/models/emptyAutogenerate';
import { findModelFiles } from '../../src/core/models/modelFiles';
import { readPythonFile } from '../../src/core/python';
import { tempDir } from '../support/tempProject';

const INI = '[alembic]\nscript_location = alembic\nprepend_sys_path = .\nsqlalchemy.url = sqlite:///app.db\n';
const ENV = (configure = 'target_metadata=target_metadata') =>
  [
    'from alembic import context',
    'from app.db import Base',
    'import app.models',
    'config = context.config',
    'target_metadata = Base.metadata',
    '',
    'def run_migrations_online():',
    `    context.configure(connection=None, ${configure})`,
    '',
  ].join('\n');
const DB = 'from sqlalchemy.orm import DeclarativeBase\n\nclass Base(DeclarativeBase):\n    pass\n';
const MODELS = [
  'from sqlalchemy import Column, Integer',
  'from app.db import Base',
  '',
  'class User(Base):',
  "    __tablename__ = 'users'",
  '    id = Column(Integer, primary_key=True)',
  '',
].join('\n');

describe('explainEmptyAutogenerate: why upgrade() came out empty, from what the project shows', () => {
  const made: string[] = [];
  after(() => {
    for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
  });

  function explain(files: Record<string, string>) {
    const dir = tempDir('alembic-lens-empty-');
    made.push(dir);
    const all: Record<string, string> = {
      'alembic.ini': INI,
      'alembic/env.py': ENV(),
      'alembic/versions/.keep': '',
      'app/__init__.py': '',
      'app/db.py': DB,
      'app/models.py': MODELS,
      ...files,
    };
    for (const [name, text] of Object.entries(all)) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), text);
    }
    const config = loadConfig({ iniPath: path.join(dir, 'alembic.ini') });
    return { dir, ...explainEmptyAutogenerate(config, findModelFiles({ config }), readPythonFile) };
  }

  it('models in a module env.py never imports come first, pointing at target_metadata in env.py', () => {
    const orders = MODELS.replace('class User', 'class Order').replace("'users'", "'orders'");
    const { dir, causes, ruledOut } = explain({ 'app/orders.py': orders });
    assert.match(causes[0].text, /^app\/orders\.py defines Order, but nothing env\.py imports loads app\.orders: /);
    assert.match(causes[0].text, /Import it in env\.py\.$/);
    assert.strictEqual(causes[0].file, path.join(dir, 'alembic', 'env.py'));
    assert.strictEqual(causes[0].line, 5, "target_metadata's line");
    assert.strictEqual(ruledOut, undefined, 'nothing is claimed right when a module is missing');
  });

  it("create_all() in the application's code (not in tests, comments or the migrations), at its line", () => {
    const main = [
      'from app.db import Base, engine',
      '# Base.metadata.create_all(engine)  (old way)',
      'def start():',
      '    Base.metadata.create_all(bind=engine)',
      '',
    ].join('\n');
    const { dir, causes, ruledOut } = explain({
      'app/main.py': main,
      'tests/conftest.py': 'Base.metadata.create_all(engine)\n',
      'alembic/versions/a1_init.py': 'def upgrade():\n    metadata.create_all(bind)\n',
    });
    assert.match(ruledOut ?? '', /^target_metadata \(Base\.metadata\) has the models of app\/models\.py/);
    const createAll = causes.filter((c) => /create_all/.test(c.text));
    assert.deepStrictEqual(
      createAll.map((c) => [path.relative(dir, c.file!), c.line]),
      [['app/main.py', 4]],
    );
    assert.match(createAll[0].text, /^app\/main\.py:4 calls create_all\(\), which creates the models' tables/);
    assert.strictEqual(causes[0], createAll[0], 'before the changes autogenerate cannot see');
  });

  it('last, the changes autogenerate does not compare, naming only the flags env.py does not set', () => {
    const plain = explain({}).causes;
    assert.strictEqual(plain.length, 1);
    assert.match(plain[0].text, /a column type \(Alembic before 1\.12 compares types only with compare_type=True\)/);
    assert.match(plain[0].text, /a server default \(only with compare_server_default=True\)/);
    const flagged = explain({
      'alembic/env.py': ENV('target_metadata=target_metadata, compare_type=True, compare_server_default=True'),
    }).causes;
    assert.doesNotMatch(flagged[0].text, /column type|server default/);
    assert.match(flagged[0].text, /an Enum's values, a CHECK constraint/);
  });

  it('target_metadata whose modules hold no models at all says so', () => {
    const { causes } = explain({ 'app/models.py': 'from app.db import Base\n', 'alembic/env.py': ENV() });
    assert.match(causes[0].text, /^target_metadata \(Base\.metadata\) has no models among the modules env\.py imports/);
  });
});
