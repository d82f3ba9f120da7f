// Imports resolved by Python's rules, by the env.py reader (urlSource) and the model reader
// (modelFiles) alike: a package before a module, a module before a namespace folder, namespace
// packages spanning sys.path entries, relative imports.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../src/core/config';
import { findModelFiles } from '../../src/core/models/modelFiles';
import { urlSourceForConfig } from '../../src/core/urlSource';
import { tempDir } from '../support/tempProject';

const INI = '[alembic]\nscript_location = alembic\nprepend_sys_path = .\n';

function project(files: Record<string, string>, ini = INI): string {
  const dir = tempDir('alembic-lens-imports-');
  for (const [name, text] of Object.entries({ 'alembic.ini': ini, ...files })) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const config = (dir: string) => loadConfig({ iniPath: path.join(dir, 'alembic.ini') });
const urlVariable = (dir: string) => {
  const found = urlSourceForConfig(config(dir));
  return found.kind === 'env' ? found.variable : found.kind;
};
const ENV_PY = 'from alembic import context\nfrom app import DATABASE_URL\ncontext.configure(url=DATABASE_URL)\n';
const MODEL = (name: string) =>
  `from sqlalchemy.orm import DeclarativeBase\n\nclass Base(DeclarativeBase):\n    pass\n\nclass ${name}(Base):\n    __tablename__ = '${name.toLowerCase()}'\n`;
const MODELS_ENV_PY = 'from alembic import context\nfrom app.models import Base\ntarget_metadata = Base.metadata\n';
const modelNames = (dir: string) =>
  findModelFiles({ config: config(dir) }).files.flatMap((f) => f.classes.map((c) => c.name));

describe('imports, by Python rules', () => {
  it('env.py: a package (app/__init__.py) comes before a module (app.py)', () => {
    const dir = project({
      'alembic/env.py': ENV_PY,
      'app/__init__.py': 'import os\nDATABASE_URL = os.environ["PACKAGE_URL"]\n',
      'app.py': 'import os\nDATABASE_URL = os.environ["MODULE_URL"]\n',
    });
    assert.strictEqual(urlVariable(dir), 'PACKAGE_URL');
  });

  it('models: a module (models.py) comes before a folder without __init__.py (models/)', () => {
    const dir = project({
      'alembic/env.py': MODELS_ENV_PY,
      'app/__init__.py': '',
      'app/models.py': MODEL('User'),
      'app/models/README': 'not a package',
    });
    assert.deepStrictEqual(modelNames(dir), ['User']);
  });

  it('models: a namespace package spans every sys.path entry that has its folder', () => {
    const dir = project(
      {
        'alembic/env.py': MODELS_ENV_PY,
        'first/app/other.py': '',
        'second/app/models.py': MODEL('Order'),
      },
      '[alembic]\nscript_location = alembic\nprepend_sys_path = first second\n',
    );
    assert.deepStrictEqual(modelNames(dir), ['Order']);
  });

  it('models: from a package, a subpackage comes before a module of the same name', () => {
    const dir = project({
      'alembic/env.py': 'from alembic import context\nfrom app import models\ntarget_metadata = models.Base.metadata\n',
      'app/__init__.py': '',
      'app/models/__init__.py': MODEL('Invoice'),
      'app/models.py': MODEL('Shadowed'),
    });
    assert.deepStrictEqual(modelNames(dir), ['Invoice']);
  });

  it('env.py and the modules it imports are decoded in their declared encoding', () => {
    const dir = project({ 'alembic/env.py': ENV_PY, 'app/__init__.py': '' });
    fs.writeFileSync(
      path.join(dir, 'app/__init__.py'),
      Buffer.from('# -*- coding: latin-1 -*-\nDATABASE_URL = "sqlite:///caf\xe9.db"\n', 'latin1'),
    );
    const found = urlSourceForConfig(config(dir));
    assert.deepStrictEqual(found.kind === 'literal' ? found.url : found, 'sqlite:///caf\u00e9.db');
  });
});
