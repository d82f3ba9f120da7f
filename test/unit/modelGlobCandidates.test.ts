import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../src/core/config';
import { findModelFiles } from '../../src/core/models/modelFiles';
import { modelGlobCandidates } from '../../src/core/models/modelGlobCandidates';
import { tempDir } from '../support/tempProject';

const MODEL = [
  'from sqlalchemy import Column, Integer',
  'from sqlalchemy.orm import DeclarativeBase',
  '',
  '',
  'class Base(DeclarativeBase):',
  '    pass',
  '',
  '',
  'class User(Base):',
  "    __tablename__ = 'users'",
  '    id = Column(Integer, primary_key=True)',
  '',
].join('\n');

function candidates(dir: string) {
  return modelGlobCandidates(loadConfig({ iniPath: path.join(dir, 'alembic.ini') }));
}

function write(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
}

describe('modelGlobCandidates (Choose Model Files...)', () => {
  it('offers each folder with Python files of its own: no environments, caches, hidden or test folders, no Alembic', () => {
    const dir = tempDir('alembic-lens-globs-');
    write(dir, {
      'alembic.ini': '[alembic]\nscript_location = alembic\n',
      'manage.py': '',
      'app/__init__.py': '',
      'app/main.py': '',
      'app/models/user.py': MODEL,
      'app/models/README.md': '',
      'app/static/logo.svg': '',
      'scripts/seed.py': '',
      'alembic/env.py': '',
      'alembic/versions/0001_first.py': '',
      '.venv/pyvenv.cfg': '',
      '.venv/lib/python3.12/site-packages/sqlalchemy/orm.py': '',
      'myenv/pyvenv.cfg': '',
      'myenv/lib/site.py': '',
      'env/activate.py': '',
      'node_modules/pkg/build.py': '',
      'app/__pycache__/main.cpython-312.py': '',
      'tests/test_user.py': '',
      '.git/hooks/hook.py': '',
    });
    const found = candidates(dir);
    assert.deepStrictEqual(found, [
      { glob: '*.py', pythonFiles: 1 },
      { glob: 'app/*.py', pythonFiles: 2 },
      { glob: 'app/models/*.py', pythonFiles: 1 },
      { glob: 'scripts/*.py', pythonFiles: 1 },
    ]);
  });

  it("a glob it offers is one the model discovery understands: it finds that folder's model file", () => {
    const dir = tempDir('alembic-lens-globs-');
    write(dir, {
      'alembic.ini': '[alembic]\nscript_location = alembic\n',
      'alembic/env.py': 'target_metadata = None\n',
      'src/db/models/user.py': MODEL,
    });
    const [candidate] = candidates(dir);
    assert.strictEqual(candidate.glob, 'src/db/models/*.py');
    const config = loadConfig({ iniPath: path.join(dir, 'alembic.ini') });
    const files = findModelFiles({ config, modelGlobs: [candidate.glob] }).files.map((f) =>
      path.relative(dir, f.path).split(path.sep).join('/'),
    );
    assert.deepStrictEqual(files, ['src/db/models/user.py']);
  });

  it("a project with no Python files but Alembic's offers nothing; a missing folder neither", () => {
    const dir = tempDir('alembic-lens-globs-');
    write(dir, { 'alembic.ini': '[alembic]\nscript_location = alembic\n', 'alembic/env.py': '' });
    assert.deepStrictEqual(candidates(dir), []);
    const missing = path.join(dir, 'missing');
    assert.deepStrictEqual(modelGlobCandidates({ baseDir: missing, scriptLocation: undefined }), []);
  });
});
