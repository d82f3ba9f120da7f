// What Initialize Alembic wires into env.py: the app's Base and model modules, read from its files.
import * as assert from 'node:assert';
import { configFolderFor, configForScripts, findAppModels } from '../../src/core/initWiring';

const MODEL = 'from app.db import Base\n\nclass User(Base):\n    __tablename__ = "users"\n';

describe('findAppModels', () => {
  it("imports the app's model modules, never pytest's (tests/, test_*.py, *_test.py, conftest.py)", () => {
    const found = findAppModels([
      { module: 'app.db', text: 'from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n' },
      { module: 'app.models', text: MODEL },
      { module: 'tests.test_models', text: MODEL },
      { module: 'app.tests.factories', text: MODEL },
      { module: 'app.test_users', text: MODEL },
      { module: 'app.users_test', text: MODEL },
      { module: 'conftest', text: MODEL },
      { module: 'app.contest', text: MODEL },
    ]);
    assert.deepStrictEqual(found.base, { module: 'app.db', name: 'Base', kind: 'declarative' });
    assert.deepStrictEqual(found.modelModules, ['app.models', 'app.contest']);
  });

  it("takes no Base from a test's own declarative_base", () => {
    const found = findAppModels([
      {
        module: 'tests.conftest',
        text: 'from sqlalchemy.orm import declarative_base\nTestBase = declarative_base()\n',
      },
      { module: 'app.db', text: 'from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n' },
    ]);
    assert.deepStrictEqual(found.base, { module: 'app.db', name: 'Base', kind: 'declarative' });
  });
});

describe('an alembic.ini for a scripts folder the application configures in code', () => {
  const packages = new Set(['/w/warehouse/__init__.py', '/w/svc/app/__init__.py']);
  const isFile = (file: string) => packages.has(file);

  it('goes in the first folder above it that is not a package, never above the workspace folder', () => {
    assert.strictEqual(configFolderFor('/w/warehouse/migrations', '/w', isFile), '/w');
    assert.strictEqual(configFolderFor('/w/svc/app/migrations', '/w', isFile), '/w/svc');
    assert.strictEqual(configFolderFor('/w/svc/migrations', '/w', isFile), '/w/svc');
    assert.strictEqual(configFolderFor('/w/warehouse/migrations', '/w/warehouse', isFile), '/w/warehouse');
  });

  it('names the folder relative to itself, and puts the folder Alembic runs in on sys.path', () => {
    assert.strictEqual(
      configForScripts('/w/warehouse/migrations', '/w'),
      '# Written by Alembic Lens: warehouse/migrations had no config file naming it (the application builds its own in code).\n' +
        '[alembic]\nscript_location = %(here)s/warehouse/migrations\nprepend_sys_path = .\n',
    );
  });

  it("doubles a % (configparser's interpolation) and refuses a path an ini value cannot hold", () => {
    assert.match(
      configForScripts('/w/100%/migrations', '/w') ?? '',
      /^script_location = %\(here\)s\/100%%\/migrations$/m,
    );
    assert.strictEqual(configForScripts('/w/a\nb/migrations', '/w'), undefined);
    assert.strictEqual(configForScripts('/w/migrations ', '/w'), undefined);
  });
});
